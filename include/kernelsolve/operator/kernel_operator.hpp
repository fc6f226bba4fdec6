// What the preconditioners, predict and the gradient need from an operator beyond a linear one, checked at compile
// time with messages in words: A = K(x, x) + ridge I for a kernel functor and points that every rank holds whole.
// DistributedOperator is one model; a user's own operator (another gather, another product loop) is another.
#pragma once

#include <kernelsolve/operator/linear_operator.hpp>
#include <kernelsolve/product/cutoff_pattern.hpp>
#include <kernelsolve/product/cutoff_summary.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace kernelsolve {

/// \brief True when Operator models a kernel operator: a linear operator (is_linear_operator) that is
/// A = K(x, x) + ridge I, with
///   - `kernel_type` and `kernel_type const& kernel() const`: the kernel functor k (kernel_traits.hpp);
///   - `points()`: all N points on every rank, a rank-2 View (global_rows() x D) in memory_space;
///     `local_points()`: this rank's rows of them, rows [first_row(), first_row() + local_rows());
///   - `first_row()`, `dimension()` (D) and `ridge()`;
///   - `allgather_rows(local, all)`: every rank's rows of a local_rows() x Dv block into a global_rows() x Dv one, on
///     every rank (collective), for column-major rank-2 Views of one scalar type, float or double, in memory_space
///     or host memory (a template: the Nystrom setup gathers double host columns);
///   - `allocate_block(label, columns)`: a local_rows() x columns block.
/// Optional: `pattern()` and `cutoff_summary()` when the operator computes a cutoff product (DistributedOperator's
/// truncate); without them the gradient and predict sum over all pairs.
template <class Operator, class = void>
struct is_kernel_operator : std::false_type {};

template <class Operator>
struct is_kernel_operator<
    Operator,
    std::void_t<
        typename Operator::kernel_type, decltype(std::declval<Operator const&>().kernel()),
        decltype(std::declval<Operator const&>().points()), decltype(std::declval<Operator const&>().local_points()),
        decltype(static_cast<std::int64_t>(std::declval<Operator const&>().first_row())),
        decltype(static_cast<int>(std::declval<Operator const&>().dimension())),
        decltype(static_cast<double>(std::declval<Operator const&>().ridge())),
        decltype(std::declval<Operator const&>().allgather_rows(std::declval<typename Operator::block_type const&>(),
                                                                std::declval<typename Operator::block_type const&>())),
        decltype(std::declval<Operator const&>().allocate_block(std::string(), 1))>>
    : std::bool_constant<is_linear_operator<Operator>::value &&
                         std::is_same_v<std::decay_t<decltype(std::declval<Operator const&>().kernel())>,
                                        typename Operator::kernel_type> &&
                         Kokkos::is_view<std::decay_t<decltype(std::declval<Operator const&>().points())>>::value> {};

namespace detail {

/// A static_assert with the rule in words, for the preconditioners, predict and the gradient.
template <class Operator>
constexpr void check_kernel_operator() {
  static_assert(is_linear_operator<Operator>::value,
                "kernelsolve: the operator must be a linear operator first (operator/linear_operator.hpp)");
  static_assert(is_kernel_operator<Operator>::value,
                "kernelsolve preconditioners, predict and solve_gradient need a kernel operator: kernel_type, "
                "kernel(), points() (all N points on every rank), local_points(), first_row(), dimension(), ridge(), "
                "allgather_rows(local, all) and allocate_block(label, columns) besides the linear operator's "
                "members (see operator/kernel_operator.hpp)");
}

template <class Operator, class = void>
struct has_cutoff_pattern : std::false_type {};
template <class Operator>
struct has_cutoff_pattern<Operator, std::void_t<decltype(std::declval<Operator const&>().pattern()),
                                                decltype(std::declval<Operator const&>().cutoff_summary())>>
    : std::true_type {};

/// The pairs the operator's product sums over this rank's rows: its cutoff pattern if it has one, else all pairs.
template <class Operator>
auto operator_pattern(Operator const& op) {
  using MemorySpace = typename Operator::memory_space;
  if constexpr (has_cutoff_pattern<Operator>::value) {
    return CutoffPattern<MemorySpace>(op.pattern());
  } else {
    return make_full_pattern<MemorySpace>(op.first_row(), op.local_rows(), op.global_rows());
  }
}

/// The operator's cutoff summary over all ranks (nothing: all pairs).
template <class Operator>
std::optional<CutoffSummary> operator_cutoff_summary(Operator const& op) {
  if constexpr (has_cutoff_pattern<Operator>::value) {
    return op.cutoff_summary();
  } else {
    (void)op;
    return std::nullopt;
  }
}

/// The operator's truncation (nothing: its product sums all pairs).
template <class Operator, class = void>
struct has_truncation : std::false_type {};
template <class Operator>
struct has_truncation<Operator, std::void_t<decltype(std::declval<Operator const&>().truncation())>> : std::true_type {
};

template <class Operator>
std::optional<double> operator_truncation(Operator const& op) {
  if constexpr (has_truncation<Operator>::value) {
    return op.truncation();
  } else {
    (void)op;
    return std::nullopt;
  }
}

}  // namespace detail
}  // namespace kernelsolve
