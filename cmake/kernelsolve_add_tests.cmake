# kernelsolve_add_tests(NAME name RANKS n... SOURCES files... [LIBRARIES targets...])
# Builds one GoogleTest executable kernelsolve_<name>_tests with the MPI test main, and registers it with ctest
# once per rank count as <name>_np<n>, run under mpiexec -n <n>. On this project's 2-core CI machines the ranks
# may exceed the cores: Open MPI gets --oversubscribe, and every rank gets one OpenMP thread. LIBRARIES are linked
# besides kernelsolve::kernelsolve and kernelsolve::reference (e.g. kernelsolve::io).

execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE _kernelsolve_mpiexec_version
                ERROR_QUIET)
set(KERNELSOLVE_MPIEXEC_PREFLAGS ${MPIEXEC_PREFLAGS})
if(_kernelsolve_mpiexec_version MATCHES "Open MPI|OpenRTE")
  list(APPEND KERNELSOLVE_MPIEXEC_PREFLAGS --oversubscribe)
endif()
# Open MPI refuses to start as root (CI containers) unless told it may.
set(KERNELSOLVE_TEST_ENVIRONMENT OMP_NUM_THREADS=1 OMP_PROC_BIND=false OMPI_ALLOW_RUN_AS_ROOT=1
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1)

function(kernelsolve_add_tests)
  cmake_parse_arguments(ARG "" "NAME" "RANKS;SOURCES;LIBRARIES" ${ARGN})
  set(target kernelsolve_${ARG_NAME}_tests)
  add_executable(${target} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/harness/mpi_main.cpp)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${target} PRIVATE ${ARG_LIBRARIES} kernelsolve::kernelsolve kernelsolve::reference GTest::gtest
                                          kernelsolve_loop_flags kernelsolve_warnings)
  foreach(ranks IN LISTS ARG_RANKS)
    add_test(NAME ${ARG_NAME}_np${ranks}
             COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${ranks} ${KERNELSOLVE_MPIEXEC_PREFLAGS}
                     $<TARGET_FILE:${target}> ${MPIEXEC_POSTFLAGS})
    set_tests_properties(${ARG_NAME}_np${ranks} PROPERTIES ENVIRONMENT "${KERNELSOLVE_TEST_ENVIRONMENT}"
                         PROCESSORS ${ranks} TIMEOUT 600)
  endforeach()
endfunction()
