# Compile options for kernelsolve's own targets, as INTERFACE libraries linked PRIVATE: nothing leaks to users.
include(CheckCXXCompilerFlag)

# Warnings (and -Werror in CI) for the code of this repository.
add_library(kernelsolve_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(kernelsolve_warnings INTERFACE -Wall -Wextra -Wpedantic)
  if(KERNELSOLVE_WARNINGS_AS_ERRORS)
    target_compile_options(kernelsolve_warnings INTERFACE -Werror)
  endif()
endif()

# The flags of the kernel-product loops in kernelsolve's own targets (the run-time library, apps, tests, benchmarks):
# -march=native (KERNELSOLVE_ENABLE_NATIVE_ARCH) lets the compiler use the machine's full SIMD width, and
# -fno-math-errno lets sqrt be the vector instruction (radial_sqrt in kernels/radial_kernels.hpp: the errno path of
# std::sqrt is a call that keeps a loop scalar, so the default takes a Newton iteration instead). Nothing here sets
# errno-dependent behaviour: kernelsolve never reads errno.
add_library(kernelsolve_loop_flags INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" AND NOT Kokkos_ENABLE_CUDA)
  target_compile_options(kernelsolve_loop_flags INTERFACE -fno-math-errno)
endif()
if(KERNELSOLVE_ENABLE_NATIVE_ARCH AND NOT Kokkos_ENABLE_CUDA)
  check_cxx_compiler_flag(-march=native KERNELSOLVE_HAVE_MARCH_NATIVE)
  if(KERNELSOLVE_HAVE_MARCH_NATIVE)
    target_compile_options(kernelsolve_loop_flags INTERFACE -march=native)
  endif()
endif()
