# Builds and runs one fuzz test (registered by cmake/kernelsolve_add_fuzz_test.cmake):
#   cmake -DCXX=clang++ -DSOURCES=a.cpp;b.cpp -DINCLUDE_DIR=... -DCORPUS=dir [-DDICTIONARY=file] -DWORK_DIR=dir
#         -DRUNS=n -DMAX_TIME=s -P run_fuzz_test.cmake
# Prints "fuzz test skipped: <why>" (ctest then reports a skip) when clang++ or its fuzzer runtime is missing, and
# fails with the fuzzer's report and the crashing input's path when the fuzzer finds a bug.
cmake_minimum_required(VERSION 3.16)

set(flags -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)

if(NOT CXX)
  message(STATUS "fuzz test skipped: no clang++ was found when configuring (install clang, or set KERNELSOLVE_FUZZ_CXX)")
  return()
endif()
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/corpus)

# Can this clang++ link a fuzzer with these sanitizers at all? (Debian ships the runtimes in libclang-rt-N-dev.)
file(WRITE ${WORK_DIR}/probe.cpp "#include <cstddef>\n#include <cstdint>\n"
           "extern \"C\" int LLVMFuzzerTestOneInput(std::uint8_t const*, std::size_t) { return 0; }\n")
execute_process(COMMAND ${CXX} ${flags} probe.cpp -o probe WORKING_DIRECTORY ${WORK_DIR}
                RESULT_VARIABLE probe_result OUTPUT_VARIABLE probe_output ERROR_VARIABLE probe_output)
if(NOT probe_result EQUAL 0)
  message(STATUS "fuzz test skipped: ${CXX} cannot link -fsanitize=fuzzer,address,undefined (on Debian, install "
                 "libclang-rt-<clang major version>-dev, e.g. libclang-rt-14-dev):\n${probe_output}")
  return()
endif()

execute_process(COMMAND ${CXX} ${flags} -I ${INCLUDE_DIR} ${SOURCES} -o fuzzer WORKING_DIRECTORY ${WORK_DIR}
                RESULT_VARIABLE build_result OUTPUT_VARIABLE build_output ERROR_VARIABLE build_output)
if(NOT build_result EQUAL 0)
  message(FATAL_ERROR "building the fuzzer failed:\n${build_output}")
endif()

# New inputs go to the scratch corpus (the first directory), never into the checked-in seeds.
set(options -runs=${RUNS} -max_total_time=${MAX_TIME} -max_len=1024 -timeout=10 -print_final_stats=1
            -artifact_prefix=${WORK_DIR}/)
if(DICTIONARY)
  list(APPEND options -dict=${DICTIONARY})
endif()
set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1")
execute_process(COMMAND ${WORK_DIR}/fuzzer ${options} ${WORK_DIR}/corpus ${CORPUS} WORKING_DIRECTORY ${WORK_DIR}
                RESULT_VARIABLE fuzz_result OUTPUT_VARIABLE fuzz_output ERROR_VARIABLE fuzz_output)
# The report is at the end; the thousands of "NEW"/"REDUCE" lines before it are noise.
string(LENGTH "${fuzz_output}" length)
if(length GREATER 12000)
  math(EXPR start "${length} - 12000")
  string(SUBSTRING "${fuzz_output}" ${start} -1 fuzz_output)
  set(fuzz_output "...\n${fuzz_output}")
endif()
if(NOT fuzz_result EQUAL 0)
  file(GLOB artifacts ${WORK_DIR}/crash-* ${WORK_DIR}/leak-* ${WORK_DIR}/timeout-* ${WORK_DIR}/oom-*)
  message(FATAL_ERROR "the fuzzer found a bug (exit code ${fuzz_result}); input: ${artifacts}\n"
                      "reproduce with: ${WORK_DIR}/fuzzer <input>\n${fuzz_output}")
endif()
message(STATUS "${fuzz_output}")
