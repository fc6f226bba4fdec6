// What the solvers need from an operator, checked at compile time with messages in words: a symmetric linear map
// A applied collectively to blocks of this rank's rows, and the communicator and execution space it runs on.
// DistributedOperator is one model; a user's own operator (a different kernel evaluation, a shifted or composed
// operator) is another.
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/core/phase_timings.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <type_traits>
#include <utility>

namespace kernelsolve {

/// \brief True when Operator models a distributed linear operator:
///   - types `scalar_type` (float or double), `execution_space`, `memory_space`, and `block_type`, a rank-2 View of
///     scalar_type (local rows x columns);
///   - `void apply(block_type const& in, block_type const& out) const`: out = A in on this rank's rows (collective);
///   - `local_rows()`, `global_rows()`, `communicator()` (a kernelsolve::Communicator const&) and `space()` (an
///     execution_space const&).
/// Optional: `PhaseTimings* timings() const`, where the solvers and preconditioners working on the operator charge
/// their phases (phase_timings.hpp); without it they are not timed.
template <class Operator, class = void>
struct is_linear_operator : std::false_type {};

template <class Operator>
struct is_linear_operator<
    Operator,
    std::void_t<typename Operator::scalar_type, typename Operator::execution_space, typename Operator::memory_space,
                typename Operator::block_type,
                decltype(std::declval<Operator const&>().apply(std::declval<typename Operator::block_type const&>(),
                                                               std::declval<typename Operator::block_type const&>())),
                decltype(static_cast<std::int64_t>(std::declval<Operator const&>().local_rows())),
                decltype(static_cast<std::int64_t>(std::declval<Operator const&>().global_rows()))>>
    : std::bool_constant<
          std::is_floating_point_v<typename Operator::scalar_type> &&
          Kokkos::is_view<typename Operator::block_type>::value && Operator::block_type::rank == 2 &&
          std::is_same_v<typename Operator::block_type::non_const_value_type, typename Operator::scalar_type> &&
          std::is_convertible_v<decltype(std::declval<Operator const&>().communicator()), Communicator const&> &&
          std::is_convertible_v<decltype(std::declval<Operator const&>().space()),
                                typename Operator::execution_space const&>> {};

namespace detail {

/// A static_assert with the rule in words, for the first line of every solver.
template <class Operator>
constexpr void check_linear_operator() {
  static_assert(is_linear_operator<Operator>::value,
                "kernelsolve solvers: the operator must provide scalar_type, execution_space, memory_space, "
                "block_type (a rank-2 View of scalar_type), apply(block_type const& in, block_type const& out) const, "
                "local_rows(), global_rows(), communicator() and space() (see operator/linear_operator.hpp)");
}

template <class Operator, class = void>
struct has_phase_timings : std::false_type {};
template <class Operator>
struct has_phase_timings<Operator, std::void_t<decltype(std::declval<Operator const&>().timings())>>
    : std::is_convertible<decltype(std::declval<Operator const&>().timings()), PhaseTimings*> {};

/// Where the work on `op` is timed: its timings() if it has them, else nullptr (not timed).
template <class Operator>
PhaseTimings* operator_timings(Operator const& op) {
  if constexpr (has_phase_timings<Operator>::value) {
    return op.timings();
  } else {
    (void)op;
    return nullptr;
  }
}

}  // namespace detail
}  // namespace kernelsolve
