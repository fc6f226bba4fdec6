# Finds a parallel HDF5 (C library) built for the same MPI as kernelsolve, and fails clearly on a serial one.
# Sets HDF5_* as FindHDF5 does and makes sure the imported target HDF5::HDF5 exists (FindHDF5 defines it from
# CMake 3.19 on).
#
# Debian installs each HDF5 flavour beside the others (libhdf5-dev: serial, libhdf5-openmpi-dev,
# libhdf5-mpich-dev) in /usr/lib/<triplet>/hdf5/<flavour>, headers in /usr/include/hdf5/<flavour>, and its compiler
# wrapper as /usr/bin/h5pcc.<flavour>; /usr/bin/h5pcc is an alternatives link to whichever parallel flavour has the
# highest priority, and /usr/bin/h5cc to the serial one. HDF5_PREFER_PARALLEL makes FindHDF5 try h5pcc first; when
# the wrapper of kernelsolve's own MPI flavour exists, we point FindHDF5 at it, so that an MPICH HDF5 is never
# mixed with Open MPI. HDF5_ROOT or HDF5_C_COMPILER_EXECUTABLE given by the user win.
set(HDF5_PREFER_PARALLEL TRUE)
if(NOT HDF5_ROOT AND NOT DEFINED ENV{HDF5_ROOT} AND NOT HDF5_C_COMPILER_EXECUTABLE)
  set(_kernelsolve_mpi_flavour "")
  if("${MPI_CXX_INCLUDE_DIRS};${MPI_CXX_LIBRARIES};${MPIEXEC_EXECUTABLE}" MATCHES "openmpi")
    set(_kernelsolve_mpi_flavour openmpi)
  elseif("${MPI_CXX_INCLUDE_DIRS};${MPI_CXX_LIBRARIES};${MPIEXEC_EXECUTABLE}" MATCHES "mpich")
    set(_kernelsolve_mpi_flavour mpich)
  endif()
  if(_kernelsolve_mpi_flavour AND EXISTS /usr/bin/h5pcc.${_kernelsolve_mpi_flavour})
    set(HDF5_C_COMPILER_EXECUTABLE /usr/bin/h5pcc.${_kernelsolve_mpi_flavour} CACHE FILEPATH
        "HDF5 C compiler wrapper (parallel, ${_kernelsolve_mpi_flavour})")
  endif()
endif()

# FindHDF5 compiles a C test program with the wrapper: the C language must be enabled.
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "kernelsolve_io needs a parallel (MPI) HDF5, but found a serial one: ${HDF5_C_LIBRARIES}. "
                      "On Debian/Ubuntu install libhdf5-openmpi-dev; elsewhere set HDF5_ROOT or "
                      "HDF5_C_COMPILER_EXECUTABLE (h5pcc) to a parallel HDF5, or configure with "
                      "-DKERNELSOLVE_ENABLE_IO=OFF.")
endif()
if(NOT TARGET HDF5::HDF5)
  add_library(HDF5::HDF5 INTERFACE IMPORTED)
  set_target_properties(HDF5::HDF5 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${HDF5_C_INCLUDE_DIRS}"
                        INTERFACE_COMPILE_DEFINITIONS "${HDF5_C_DEFINITIONS}"
                        INTERFACE_LINK_LIBRARIES "${HDF5_C_LIBRARIES}")
endif()
message(STATUS "kernelsolve: parallel HDF5 ${HDF5_VERSION} (${HDF5_C_INCLUDE_DIRS})")
