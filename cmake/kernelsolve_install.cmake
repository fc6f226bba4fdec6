# Installs the library as the package kernelsolve: find_package(kernelsolve) gives kernelsolve::kernelsolve,
# kernelsolve::loops (the built-in kernels' loops, precompiled),
# kernelsolve::runtime (the run-time facade) and kernelsolve::io when it was built.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS kernelsolve kernelsolve_loops kernelsolve_runtime EXPORT kernelsolveTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(KERNELSOLVE_ENABLE_IO)  # kernelsolve::io, which needs parallel HDF5 (found again by kernelsolveConfig.cmake)
  install(TARGETS kernelsolve_io EXPORT kernelsolveTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
install(DIRECTORY include/kernelsolve DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT kernelsolveTargets NAMESPACE kernelsolve::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kernelsolve)

configure_package_config_file(cmake/kernelsolveConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/kernelsolveConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kernelsolve)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/kernelsolveConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)  # before 1.0, a minor version may break the API
configure_file(cmake/kernelsolveSettings.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/kernelsolveSettings.cmake @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kernelsolveConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/kernelsolveConfigVersion.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/kernelsolveSettings.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kernelsolve)
