// What a family's profile (families/*.hpp) is written with, without Kokkos: the declarations of the vectorizable
// exp / sqrt / select helpers (defined in radial_kernel.hpp), the RadialKernel template the families name, and the
// optional traits of a profile. Host-only code (the formula parser, the family names; compiled without Kokkos by
// the fuzzer) includes the families through this header alone.
#pragma once

#if __has_include(<Kokkos_Macros.hpp>)
#include <Kokkos_Macros.hpp>
#endif

#include <climits>
#include <type_traits>

/// How a profile's value and slope are declared: KOKKOS_FORCEINLINE_FUNCTION (device-callable, force-inlined: a
/// kernel's call left out of line in a product loop keeps that loop scalar) where Kokkos is, plain inline otherwise.
#if defined(KOKKOS_FORCEINLINE_FUNCTION)
#define KS_PROFILE_FUNCTION KOKKOS_FORCEINLINE_FUNCTION
#else
#define KS_PROFILE_FUNCTION inline
#endif

namespace kernelsolve {

/// The built-in families as run-time values; defined (from the one list) in kernel_family.hpp.
enum class KernelFamily : int;

/// A radial kernel k(r2) = Profile::value(g r2) (radial_kernel.hpp).
template <class Profile, class Scalar>
struct RadialKernel;

namespace detail {

/// exp(x) for x <= 0: the vectorizable one on host spaces, the native one on devices.
template <class Scalar>
KS_PROFILE_FUNCTION Scalar radial_exp(Scalar x);
/// sqrt(x), x >= 0: the instruction or a vectorizable one on host spaces, the native one on devices.
template <class Scalar>
KS_PROFILE_FUNCTION Scalar radial_sqrt(Scalar x);
/// a < b ? if_less : otherwise, branch-free on host spaces.
template <class Scalar>
KS_PROFILE_FUNCTION Scalar radial_select_if_less(Scalar a, Scalar b, Scalar if_less, Scalar otherwise);

/// \brief The family of a profile: specialized for each line of the family list (kernel_family.hpp).
template <class Profile>
struct family_of_profile;

/// \brief What a profile declares beyond value / slope (families/*.hpp): the largest dimension in which it is
/// positive definite (INT_MAX when every dimension), and u = g r2 from which phi is exactly 0 (0: nowhere).
template <class Profile, class = void>
struct profile_max_dimension : std::integral_constant<int, INT_MAX> {};
template <class Profile>
struct profile_max_dimension<Profile, std::void_t<decltype(Profile::max_dimension)>>
    : std::integral_constant<int, Profile::max_dimension> {};

template <class Profile, class = void>
struct profile_has_support : std::false_type {};
template <class Profile>
struct profile_has_support<Profile, std::void_t<decltype(Profile::support_u)>> : std::true_type {};

}  // namespace detail
}  // namespace kernelsolve
