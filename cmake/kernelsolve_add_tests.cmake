# kernelsolve_add_test_files(LABEL label RANKS n... SOURCES files... [LIBRARIES targets...]
#                            [BITS_ACROSS_THREADS files...] [QUICK files...])
# One GoogleTest executable per source file tests/<dir>/test_<name>.cpp, named test_<name>, with the MPI test main,
# registered once per rank count as <name>_np<n> (run under mpiexec -n <n>), or as <name> for RANKS 1 alone; labelled
# LABEL (and `quick` for the files in QUICK: the subset `ctest -L quick` runs in a few minutes).
# One executable per file: a failure names its file, `ctest -R` selects it, and a change rebuilds one test.
#
# Files in BITS_ACROSS_THREADS check that results do not depend on the rank count (tests/harness/rank_counts.hpp).
# Their run on the most ranks (one OpenMP thread each) records the bits it computed, and an entry
# <name>_np2_threads2 (label `threads`) runs them again on 2 ranks x 2 OpenMP threads and requires the same bits.
#
# On this project's 2-core CI machines the ranks may exceed the cores: Open MPI gets --oversubscribe, and every rank
# gets one OpenMP thread. LIBRARIES are linked besides kernelsolve::loops and kernelsolve::reference.

execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE _kernelsolve_mpiexec_version
                ERROR_QUIET)
set(KERNELSOLVE_MPIEXEC_PREFLAGS ${MPIEXEC_PREFLAGS})
if(_kernelsolve_mpiexec_version MATCHES "Open MPI|OpenRTE")
  list(APPEND KERNELSOLVE_MPIEXEC_PREFLAGS --oversubscribe)
endif()
# Open MPI refuses to start as root (CI containers) unless told it may.
set(KERNELSOLVE_TEST_ENVIRONMENT OMP_NUM_THREADS=1 OMP_PROC_BIND=false OMPI_ALLOW_RUN_AS_ROOT=1
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1)

# The MPI + Kokkos + GoogleTest main, compiled once for every test executable.
if(NOT TARGET kernelsolve_test_main)
  add_library(kernelsolve_test_main OBJECT ${PROJECT_SOURCE_DIR}/tests/harness/mpi_main.cpp)
  target_link_libraries(kernelsolve_test_main PUBLIC kernelsolve::kernelsolve GTest::gtest)
endif()

# One ctest entry: `target` under mpiexec -n `ranks`, with `environment` and `labels`.
function(_kernelsolve_add_mpi_test name target ranks environment labels)
  add_test(NAME ${name}
           COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${ranks} ${KERNELSOLVE_MPIEXEC_PREFLAGS}
                   $<TARGET_FILE:${target}> ${MPIEXEC_POSTFLAGS})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${environment}" PROCESSORS ${ranks} TIMEOUT 600
                                          LABELS "${labels}")
endfunction()

function(kernelsolve_add_test_files)
  cmake_parse_arguments(ARG "" "LABEL" "RANKS;SOURCES;LIBRARIES;BITS_ACROSS_THREADS;QUICK" ${ARGN})
  list(LENGTH ARG_RANKS rank_counts)
  list(GET ARG_RANKS -1 most_ranks)
  foreach(source IN LISTS ARG_SOURCES)
    get_filename_component(stem ${source} NAME_WE)
    string(REGEX REPLACE "^test_" "" name ${stem})
    set(target test_${name})
    add_executable(${target} ${source} $<TARGET_OBJECTS:kernelsolve_test_main>)
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_link_libraries(${target} PRIVATE ${ARG_LIBRARIES} kernelsolve::loops kernelsolve::reference GTest::gtest
                                            kernelsolve_loop_flags kernelsolve_warnings)
    set(labels ${ARG_LABEL})
    if(source IN_LIST ARG_QUICK)
      list(APPEND labels quick)
    endif()
    set(bits_dir ${CMAKE_CURRENT_BINARY_DIR}/bits/${name})
    foreach(ranks IN LISTS ARG_RANKS)
      if(rank_counts EQUAL 1)
        set(test_name ${name})
      else()
        set(test_name ${name}_np${ranks})
      endif()
      set(records_bits OFF)
      if(source IN_LIST ARG_BITS_ACROSS_THREADS AND ranks EQUAL most_ranks)
        set(records_bits ON)
      endif()
      set(environment ${KERNELSOLVE_TEST_ENVIRONMENT})
      if(records_bits)
        list(APPEND environment KERNELSOLVE_TEST_RECORD_BITS=${bits_dir})
      endif()
      _kernelsolve_add_mpi_test(${test_name} ${target} ${ranks} "${environment}" "${labels}")
      if(records_bits)
        set_tests_properties(${test_name} PROPERTIES FIXTURES_SETUP bits_${name})
      endif()
    endforeach()
    if(source IN_LIST ARG_BITS_ACROSS_THREADS)
      # The same tests on 2 ranks x 2 OpenMP threads: every result of on_each_rank_count bitwise equal to the one
      # recorded with one thread per rank.
      set(environment ${KERNELSOLVE_TEST_ENVIRONMENT})
      list(REMOVE_ITEM environment OMP_NUM_THREADS=1)
      list(APPEND environment OMP_NUM_THREADS=2 KERNELSOLVE_TEST_EXPECT_BITS=${bits_dir})
      _kernelsolve_add_mpi_test(${name}_np2_threads2 ${target} 2 "${environment}" "${ARG_LABEL};threads")
      set_tests_properties(${name}_np2_threads2 PROPERTIES FIXTURES_REQUIRED bits_${name})
    endif()
  endforeach()
endfunction()
