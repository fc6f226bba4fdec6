// What a kernel type must provide, checked at compile time with messages in words (ArborX check_valid_* style).
// A kernel is a copyable, device-callable functor of the squared distance r2 = |x - y|^2.
#pragma once

#include <limits>
#include <type_traits>
#include <utility>

namespace kernelsolve {

/// \brief True when Kernel provides `value_type` (float or double) and `value_type operator()(value_type r2) const`.
template <class Kernel, class = void>
struct is_kernel : std::false_type {};

template <class Kernel>
struct is_kernel<Kernel, std::void_t<typename Kernel::value_type, decltype(std::declval<Kernel const&>()(
                                                                      std::declval<typename Kernel::value_type>()))>>
    : std::bool_constant<std::is_floating_point_v<typename Kernel::value_type> &&
                         std::is_copy_constructible_v<Kernel>> {};

/// \brief True when Kernel is a kernel that also provides `value_type derivative(value_type r2) const` = dk/d(r2).
template <class Kernel, class = void>
struct is_differentiable_kernel : std::false_type {};

template <class Kernel>
struct is_differentiable_kernel<Kernel, std::void_t<decltype(std::declval<Kernel const&>().derivative(
                                            std::declval<typename Kernel::value_type>()))>> : is_kernel<Kernel> {};

/// \brief True when Kernel also provides `value_type parameter_derivative(value_type r2) const` = dk/dg, the
/// derivative with respect to its parameter g (what dL/dg of a solve needs).
template <class Kernel, class = void>
struct has_parameter_derivative : std::false_type {};

template <class Kernel>
struct has_parameter_derivative<Kernel, std::void_t<decltype(std::declval<Kernel const&>().parameter_derivative(
                                            std::declval<typename Kernel::value_type>()))>> : is_kernel<Kernel> {};

/// \brief True when Kernel declares `static constexpr bool decreasing_with_distance = true`: k(r2) >= 0 and
/// non-increasing in r2, so that k(min r2) bounds it over any two boxes (what cutoff products need to skip a tile).
template <class Kernel, class = void>
struct is_decreasing_kernel : std::false_type {};

template <class Kernel>
struct is_decreasing_kernel<Kernel, std::enable_if_t<Kernel::decreasing_with_distance>> : is_kernel<Kernel> {};

/// \brief True when Kernel provides `value_type support_radius() const`: k(r2) = 0 for r2 >= support_radius()^2 (a
/// compactly supported kernel such as Wendland's), so that cutoff products that skip beyond it are exact.
template <class Kernel, class = void>
struct has_support_radius : std::false_type {};

template <class Kernel>
struct has_support_radius<Kernel, std::void_t<decltype(std::declval<Kernel const&>().support_radius())>>
    : is_kernel<Kernel> {};

/// \brief The largest dimension D of the points for which Kernel is positive definite: Kernel::max_dimension when it
/// declares one (Wendland's compactly supported functions: D <= 3), else no limit. Operators refuse more.
template <class Kernel, class = void>
struct kernel_max_dimension : std::integral_constant<long, std::numeric_limits<long>::max()> {};

template <class Kernel>
struct kernel_max_dimension<Kernel, std::void_t<decltype(Kernel::max_dimension)>>
    : std::integral_constant<long, static_cast<long>(Kernel::max_dimension)> {};

}  // namespace kernelsolve
