// Small shims over the Kokkos API differences between 3.4 and 4.x that kernelsolve relies on,
// and an RAII profiling region (Kokkos::Profiling::ScopedRegion only arrives in 4.1).
#pragma once

#include <Kokkos_Core.hpp>

#include <string>
#include <type_traits>

// 1 while compiling device code (the CUDA/HIP/SYCL device pass), 0 for host code; KOKKOS_IF_ON_DEVICE needs 3.6.
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__) || defined(__SYCL_DEVICE_ONLY__)
#define KS_DEVICE_COMPILATION_PASS 1
#else
#define KS_DEVICE_COMPILATION_PASS 0
#endif

// Forces a lambda to be inlined into its caller on host compilers (the per-source bodies of the lane-blocked loops:
// Clang keeps a large one, such as a Laplacian gradient's, as a call per source, and the loop stays scalar). Empty
// for device compilers, whose host loops are not the hot path.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__) && !defined(__HIPCC__)
#define KS_FORCEINLINE_LAMBDA __attribute__((always_inline))
#else
#define KS_FORCEINLINE_LAMBDA
#endif

// Marks a loop over SIMD lanes as the one to vectorize (OpenMP's simd construct, in host code compiled with OpenMP).
// Without it GCC unrolls a short lane loop completely and vectorizes the loop around it instead (the coordinates of
// a run-time dimension: strided loads, 5x slower). Empty elsewhere: a hint, never a change of results (the lanes are
// independent).
#if defined(_OPENMP) && !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
#define KS_VECTORIZE_LANES _Pragma("omp simd")
#else
#define KS_VECTORIZE_LANES
#endif

// GNU vector types (vector_size) for host register tiles (product/detail/row_product.hpp), and a loop to unroll
// completely so that the tile's registers are named by constants.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__) && !defined(__HIPCC__)
#define KS_HAVE_VECTOR_TYPES 1
#define KS_UNROLL _Pragma("GCC unroll 16")
#else
#define KS_HAVE_VECTOR_TYPES 0
#define KS_UNROLL
#endif

namespace kernelsolve {
namespace detail {

// Math functions moved from Kokkos::Experimental to Kokkos in 3.7 and were removed from Experimental in 4.x.
#if KOKKOS_VERSION >= 30700
namespace kmath = ::Kokkos;
#else
namespace kmath = ::Kokkos::Experimental;
#endif

/// True when ExecutionSpace runs on the host CPU (OpenMP, Serial, Threads): it can read host memory directly.
/// Host spaces get the lane-blocked loops that the compiler vectorizes; GPU spaces get one thread per row.
template <class ExecutionSpace>
inline constexpr bool is_host_execution_space_v =
    Kokkos::SpaceAccessibility<ExecutionSpace, Kokkos::HostSpace>::accessible;

/// Pushes a Kokkos profiling region for its lifetime, so that kp_* tools and nsys show each phase.
class ProfilingRegion {
 public:
  explicit ProfilingRegion(std::string const& name) { Kokkos::Profiling::pushRegion(name); }
  ~ProfilingRegion() { Kokkos::Profiling::popRegion(); }
  ProfilingRegion(ProfilingRegion const&) = delete;
  ProfilingRegion& operator=(ProfilingRegion const&) = delete;
};

}  // namespace detail
}  // namespace kernelsolve
