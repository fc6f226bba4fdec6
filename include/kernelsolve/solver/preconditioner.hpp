// What a preconditioner provides to the preconditioned conjugate gradient (set up once, applied collectively to
// blocks of this rank's rows), and the identity, the default that makes it plain CG.
#pragma once

#include <kernelsolve/operator/linear_operator.hpp>

#include <Kokkos_Core.hpp>

#include <type_traits>
#include <utility>

namespace kernelsolve {

/// \brief True when Preconditioner can precondition solves with Operator: it provides
/// `void apply(block_type const& residual, block_type const& out) const`, out = M^{-1} residual on this rank's rows
/// (collective), M symmetric positive definite and the same linear map on every call.
template <class Preconditioner, class Operator, class = void>
struct is_preconditioner_for : std::false_type {};

template <class Preconditioner, class Operator>
struct is_preconditioner_for<
    Preconditioner, Operator,
    std::void_t<decltype(std::declval<Preconditioner const&>().apply(
        std::declval<typename Operator::block_type const&>(), std::declval<typename Operator::block_type const&>()))>>
    : std::true_type {};

/// \brief M = I: no preconditioning. The solver recognizes it and skips the copy z = r and the extra dot product.
struct IdentityPreconditioner {
  /// out = residual (any two blocks of the same shape and memory space).
  template <class Block>
  void apply(Block const& residual, Block const& out) const {
    Kokkos::deep_copy(typename Block::execution_space{}, out, residual);
  }
};

/// True for the identity preconditioner.
template <class Preconditioner>
inline constexpr bool is_identity_preconditioner_v =
    std::is_same_v<std::decay_t<Preconditioner>, IdentityPreconditioner>;

}  // namespace kernelsolve
