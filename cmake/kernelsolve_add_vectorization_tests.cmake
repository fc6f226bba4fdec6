# vectorization_<compiler>_<target> tests: hot_loops.cpp compiled to assembly for each SIMD ISA, checked by
# tests/vectorization/check_vectorized.cmake. GCC or Clang host builds only (a CUDA/HIP build's host loops are the
# same code, but its compiler is a wrapper); the aarch64 targets need Debian's g++-aarch64-linux-gnu.
if(Kokkos_ENABLE_CUDA OR Kokkos_ENABLE_HIP OR NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  message(STATUS "kernelsolve: vectorization tests skipped (need a GCC or Clang host build)")
  return()
endif()

set(_ks_vec_dir ${PROJECT_SOURCE_DIR}/tests/vectorization)
set(_ks_vec_includes "${PROJECT_SOURCE_DIR}/include;$<TARGET_PROPERTY:Kokkos::kokkoscore,INTERFACE_INCLUDE_DIRECTORIES>")
# -O3 is CMake's Release level; the whole check is about what the vectorizer does at that level
# (docs/design/vectorization.md).
set(_ks_vec_flags -std=c++17 -O3)
if(Kokkos_ENABLE_OPENMP)
  list(APPEND _ks_vec_flags -fopenmp)
endif()

# kernelsolve_add_vectorization_test(NAME COMPILER ISA FLAGS...)
function(kernelsolve_add_vectorization_test name compiler isa)
  set(flags ${_ks_vec_flags} ${ARGN})
  string(REPLACE ";" "\\;" flags "${flags}")
  string(REPLACE ";" "," families "${KERNELSOLVE_KERNEL_FAMILY_NAMES}")  # commas: a list would split the command
  add_test(NAME vectorization_${name}
           COMMAND ${CMAKE_COMMAND} -DCOMPILER=${compiler} "-DFLAGS=${flags}" "-DINCLUDES=${_ks_vec_includes}"
                   -DSOURCE=${_ks_vec_dir}/hot_loops.cpp -DOUTPUT=${CMAKE_CURRENT_BINARY_DIR}/hot_loops_${name}.s
                   -DISA=${isa} -DMIN_PACKED=12 "-DFAMILIES=${families}" -P ${_ks_vec_dir}/check_vectorized.cmake)
  set_tests_properties(vectorization_${name} PROPERTIES LABELS vectorization TIMEOUT 600)
endfunction()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(_ks_id gcc)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(_ks_id clang)
  endif()
  # No -march at all: the x86-64 baseline (SSE2) that a user's own flags give.
  kernelsolve_add_vectorization_test(${_ks_id}_x86-64_baseline ${CMAKE_CXX_COMPILER} sse)
  kernelsolve_add_vectorization_test(${_ks_id}_x86-64-v2 ${CMAKE_CXX_COMPILER} sse -march=x86-64-v2)
  kernelsolve_add_vectorization_test(${_ks_id}_x86-64-v3 ${CMAKE_CXX_COMPILER} avx2 -march=x86-64-v3)
  kernelsolve_add_vectorization_test(${_ks_id}_x86-64-v4 ${CMAKE_CXX_COMPILER} avx512 -march=x86-64-v4)
  # -fno-math-errno, as kernelsolve's own targets build: sqrt is then the vector instruction (radial_kernels.hpp).
  kernelsolve_add_vectorization_test(${_ks_id}_x86-64_baseline_no_math_errno ${CMAKE_CXX_COMPILER} sse
                                     -fno-math-errno)
  kernelsolve_add_vectorization_test(${_ks_id}_x86-64-v3_no_math_errno ${CMAKE_CXX_COMPILER} avx2 -march=x86-64-v3
                                     -fno-math-errno)
  # The other compiler too, where installed (setup.sh installs clang for the fuzz tests).
  if(_ks_id STREQUAL "gcc")
    find_program(KERNELSOLVE_CLANGXX NAMES clang++ clang++-14)
    if(KERNELSOLVE_CLANGXX)
      kernelsolve_add_vectorization_test(clang_x86-64_baseline ${KERNELSOLVE_CLANGXX} sse)
      kernelsolve_add_vectorization_test(clang_x86-64-v3 ${KERNELSOLVE_CLANGXX} avx2 -march=x86-64-v3)
      kernelsolve_add_vectorization_test(clang_x86-64-v3_no_math_errno ${KERNELSOLVE_CLANGXX} avx2
                                         -march=x86-64-v3 -fno-math-errno)
      # Clang keeps AVX-512 code at 256 bits unless asked (its default -mprefer-vector-width=256 on x86-64-v4).
      kernelsolve_add_vectorization_test(clang_x86-64-v4 ${KERNELSOLVE_CLANGXX} avx512 -march=x86-64-v4
                                         -mprefer-vector-width=512)
    endif()
  endif()
  find_program(KERNELSOLVE_AARCH64_CXX NAMES aarch64-linux-gnu-g++ aarch64-linux-gnu-g++-12)
  if(KERNELSOLVE_AARCH64_CXX)
    kernelsolve_add_vectorization_test(gcc_aarch64_neon ${KERNELSOLVE_AARCH64_CXX} neon -march=armv8-a)
    kernelsolve_add_vectorization_test(gcc_aarch64_neon_no_math_errno ${KERNELSOLVE_AARCH64_CXX} neon -march=armv8-a
                                       -fno-math-errno)
    kernelsolve_add_vectorization_test(gcc_aarch64_sve ${KERNELSOLVE_AARCH64_CXX} sve -march=armv8.2-a+sve)
  else()
    message(STATUS "kernelsolve: aarch64 vectorization tests skipped (no aarch64-linux-gnu-g++; Debian package "
                   "g++-aarch64-linux-gnu)")
  endif()
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  kernelsolve_add_vectorization_test(gcc_aarch64_neon ${CMAKE_CXX_COMPILER} neon -march=armv8-a)
endif()
