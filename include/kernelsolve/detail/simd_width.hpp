// The SIMD register width of the target the host code is compiled for, read from the compiler's predefined macros,
// so that the lane-blocked loops of the kernel products take as many independent lanes as the ISA has.
#pragma once

namespace kernelsolve {
namespace detail {

/// Bytes in one SIMD register of the compilation target: AVX-512 64, AVX/AVX2 32, SSE2 / NEON / VSX / SVE
/// (vector-length agnostic, so the 128-bit minimum) 16; 16 where no SIMD ISA is known (the lanes then just
/// pipeline). Follows -march/-mcpu: a -march=x86-64-v3 build says 32, the x86-64 baseline (SSE2) 16.
#if defined(__AVX512F__)
inline constexpr int simd_register_bytes = 64;
#elif defined(__AVX__)
inline constexpr int simd_register_bytes = 32;
#elif defined(__ARM_FEATURE_SVE_BITS) && __ARM_FEATURE_SVE_BITS > 0
inline constexpr int simd_register_bytes = __ARM_FEATURE_SVE_BITS / 8;
#else
inline constexpr int simd_register_bytes = 16;
#endif

/// The name of that ISA, for benchmark and test reports.
#if defined(__AVX512F__)
inline constexpr char const* simd_isa_name = "AVX-512 (512-bit)";
#elif defined(__AVX2__) && defined(__FMA__)
inline constexpr char const* simd_isa_name = "AVX2+FMA (256-bit)";
#elif defined(__AVX__)
inline constexpr char const* simd_isa_name = "AVX (256-bit)";
#elif defined(__SSE4_2__)
inline constexpr char const* simd_isa_name = "SSE4.2 (128-bit)";
#elif defined(__SSE2__)
inline constexpr char const* simd_isa_name = "SSE2 (128-bit)";
#elif defined(__ARM_FEATURE_SVE)
inline constexpr char const* simd_isa_name = "SVE";
#elif defined(__ARM_NEON)
inline constexpr char const* simd_isa_name = "NEON (128-bit)";
#else
inline constexpr char const* simd_isa_name = "no known SIMD ISA";
#endif

/// Independent SIMD registers per accumulator in the lane-blocked loops: two chains of the exp/sqrt polynomials in
/// flight hide the FMA latency, and with at most four accumulated columns they still fit in 16 registers.
inline constexpr int simd_unroll = 2;

/// Lanes of Scalar in simd_unroll registers of the target.
template <class Scalar>
inline constexpr int simd_lanes_v = simd_unroll* simd_register_bytes / int(sizeof(Scalar));

}  // namespace detail
}  // namespace kernelsolve
