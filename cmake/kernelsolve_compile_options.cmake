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

# -march=native lets the compiler use the machine's full SIMD width in the kernel-product loops.
add_library(kernelsolve_native_arch INTERFACE)
if(KERNELSOLVE_ENABLE_NATIVE_ARCH AND NOT Kokkos_ENABLE_CUDA)
  check_cxx_compiler_flag(-march=native KERNELSOLVE_HAVE_MARCH_NATIVE)
  if(KERNELSOLVE_HAVE_MARCH_NATIVE)
    target_compile_options(kernelsolve_native_arch INTERFACE -march=native)
  endif()
endif()
