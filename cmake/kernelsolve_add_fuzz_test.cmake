# kernelsolve_add_fuzz_test(NAME name SOURCES files... [DICTIONARY file])
# Registers the ctest test fuzz_<name> (label "fuzz"). When it runs, tests/fuzz/run_fuzz_test.cmake compiles SOURCES
# (paths relative to PROJECT_SOURCE_DIR: host-only code, one of them defining LLVMFuzzerTestOneInput) with
#   clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -I include
# and runs the fuzzer from the checked-in seed corpus tests/fuzz/corpus_<name>/ for at most KERNELSOLVE_FUZZ_RUNS
# inputs and KERNELSOLVE_FUZZ_MAX_TIME seconds; any crash, sanitizer report or leak fails the test. Without clang++,
# or without its fuzzer and sanitizer runtimes (Debian: libclang-rt-14-dev), the test is reported as skipped and
# says why. The fuzzer is built apart from the project's compiler and flags, so it works with a GCC build too.

set(KERNELSOLVE_FUZZ_RUNS 200000 CACHE STRING "Inputs each fuzz test tries (libFuzzer -runs)")
set(KERNELSOLVE_FUZZ_MAX_TIME 60 CACHE STRING "Seconds each fuzz test may fuzz (libFuzzer -max_total_time)")
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(_kernelsolve_fuzz_hint ${CMAKE_CXX_COMPILER})
endif()
find_program(KERNELSOLVE_FUZZ_CXX NAMES ${_kernelsolve_fuzz_hint} clang++ clang++-19 clang++-18 clang++-17 clang++-16
                                         clang++-15 clang++-14
             DOC "clang++ that builds the fuzz tests")
if(KERNELSOLVE_FUZZ_CXX)
  message(STATUS "kernelsolve: fuzz tests built at test time with ${KERNELSOLVE_FUZZ_CXX}")
else()
  message(STATUS "kernelsolve: no clang++ found: the fuzz tests will report themselves skipped "
                 "(install clang and libclang-rt-<version>-dev, or set KERNELSOLVE_FUZZ_CXX)")
endif()

function(kernelsolve_add_fuzz_test)
  cmake_parse_arguments(ARG "" "NAME;DICTIONARY" "SOURCES" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_SOURCES)
    message(FATAL_ERROR "kernelsolve_add_fuzz_test: NAME and SOURCES are required")
  endif()
  set(sources ${ARG_SOURCES})
  list(TRANSFORM sources PREPEND ${PROJECT_SOURCE_DIR}/)
  set(dictionary "")
  if(ARG_DICTIONARY)
    set(dictionary ${PROJECT_SOURCE_DIR}/${ARG_DICTIONARY})
  endif()
  add_test(NAME fuzz_${ARG_NAME}
           COMMAND ${CMAKE_COMMAND} "-DCXX=${KERNELSOLVE_FUZZ_CXX}" "-DSOURCES=${sources}"
                   -DINCLUDE_DIR=${PROJECT_SOURCE_DIR}/include
                   -DCORPUS=${PROJECT_SOURCE_DIR}/tests/fuzz/corpus_${ARG_NAME} "-DDICTIONARY=${dictionary}"
                   -DWORK_DIR=${PROJECT_BINARY_DIR}/fuzz/${ARG_NAME} -DRUNS=${KERNELSOLVE_FUZZ_RUNS}
                   -DMAX_TIME=${KERNELSOLVE_FUZZ_MAX_TIME} -P ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzz_test.cmake)
  math(EXPR timeout "${KERNELSOLVE_FUZZ_MAX_TIME} + 600")  # compiling with sanitizers on a busy 2-core machine
  set_tests_properties(fuzz_${ARG_NAME} PROPERTIES LABELS fuzz TIMEOUT ${timeout}
                                                   SKIP_REGULAR_EXPRESSION "fuzz test skipped:")
endfunction()
