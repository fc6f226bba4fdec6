// One SIMD register of doubles as a value type (GCC/Clang vector extensions, the width of the compilation target),
// for the host loops whose accumulators are a small matrix of registers: the register-tiled sums of the Nystrom
// setup. GCC keeps such tiles in memory when they are written as arrays of lanes (every multiply-add then goes
// through a load and a store); as vector values they stay in registers. Device compilers and other host compilers
// get KS_SIMD_DOUBLES 0, and the callers their lane-array loops (the same arithmetic, lane for lane).
#pragma once

#include <kernelsolve/detail/simd_width.hpp>

#include <cstring>

#if (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__) && !defined(__HIPCC__) && \
    !defined(SYCL_LANGUAGE_VERSION)
#define KS_SIMD_DOUBLES 1
#else
#define KS_SIMD_DOUBLES 0
#endif

namespace kernelsolve {
namespace detail {

/// Doubles in one SIMD register of the target (4 with AVX2, 8 with AVX-512, 2 with SSE2 / NEON).
inline constexpr int simd_doubles = simd_register_bytes / int(sizeof(double));

#if KS_SIMD_DOUBLES
/// simd_doubles doubles, added and multiplied lane by lane (a * b + c contracts to an FMA where the target has one,
/// as the scalar code does).
typedef double simd_double __attribute__((vector_size(simd_register_bytes)));

/// Keeps `value` in a register for all its uses. GCC otherwise loads it again as the memory operand of every
/// multiply-add that uses it, which doubles the loads of a register tile: the Gram's 4 x 3 tiles ran at the speed
/// of their loads, 1.5e10 instead of 2.8e10 multiply-adds/s (Zen 4, AVX-512, 2 threads, 2026-12-07).
inline void keep_in_register(simd_double& value) {
#if defined(__AVX512F__)
  asm("" : "+v"(value));
#elif defined(__SSE2__)
  asm("" : "+x"(value));
#elif defined(__aarch64__)
  asm("" : "+w"(value));
#else
  (void)value;
#endif
}

/// All lanes `value`.
inline simd_double broadcast_double(double value) {
  return value - simd_double{};
}

/// simd_doubles consecutive values from `values` (no alignment needed).
inline simd_double load_as_doubles(double const* values) {
  simd_double loaded;
  std::memcpy(&loaded, values, sizeof loaded);
  return loaded;
}

/// simd_doubles consecutive floats from `values`, widened to double (exactly).
inline simd_double load_as_doubles(float const* values) {
  typedef float narrow __attribute__((vector_size(simd_register_bytes / 2)));
  narrow loaded;
  std::memcpy(&loaded, values, sizeof loaded);
  return __builtin_convertvector(loaded, simd_double);
}
#endif

}  // namespace detail
}  // namespace kernelsolve
