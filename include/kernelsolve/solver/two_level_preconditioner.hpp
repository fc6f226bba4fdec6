// The two-level preconditioner: overlapping Schwarz blocks for the local (fine) scales plus a coarse correction on
// the span of the Nystrom factor for the global ones. Additive, so symmetric positive definite: CG stays valid.
#pragma once

#include <kernelsolve/core/collective_errors.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/detail/reproducible_gram.hpp>
#include <kernelsolve/operator/kernel_operator.hpp>
#include <kernelsolve/solver/detail/host_cholesky.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>
#include <kernelsolve/solver/preconditioner_kind.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kernelsolve {

/// \brief M^{-1} = M_S^{-1} + U (Lambda + shift I)^{-1} U^T: the Schwarz preconditioner M_S (SchwarzPreconditioner:
/// exact solves of overlapping local blocks) plus the Galerkin coarse correction on the span of the Nystrom factor
/// F = U Lambda^{1/2} V^T (NystromPreconditioner, its shift: alpha, or its floor without a ridge), with the coarse
/// operator U^T (K + shift I) U taken from K ~ F F^T on that span: Lambda + shift I.
///
/// One-level Schwarz leaves the smooth, global modes of a wide kernel to CG (its blocks see only local couplings);
/// the Nystrom factor holds exactly those modes, the top of K's spectrum. Both terms are symmetric positive
/// (semi)definite, so M^{-1} is SPD and CG stays valid. Setup: both levels (see their classes), then F^T F (k x k,
/// summed reproducibly) and its eigendecomposition on every rank. Apply: one Schwarz apply, F^T r (one reduction of
/// k Dv values), a k x k product on the host and out += F z: about 2 N k Dv flops more than Schwarz alone.
template <class Operator>
class TwoLevelPreconditioner {
 public:
  using scalar_type = typename Operator::scalar_type;
  using block_type = typename Operator::block_type;
  using execution_space = typename Operator::execution_space;
  using memory_space = typename Operator::memory_space;

  /// \brief Builds both levels and the coarse space (collective).
  /// \throws InvalidArgument (on every rank) for invalid options of either level.
  TwoLevelPreconditioner(Operator const& op, SchwarzOptions const& schwarz = {}, NystromOptions const& nystrom = {},
                         NystromRoundMonitor const& on_round = {})
      : op_(&op), schwarz_(op, schwarz), nystrom_(op, nystrom, on_round) {
    detail::check_kernel_operator<Operator>();
    detail::ProfilingRegion region("kernelsolve::TwoLevelPreconditioner::setup");
    Kokkos::Timer timer;
    auto const& factor = nystrom_.factor();
    auto const rank = static_cast<int>(factor.extent(1));
    // F^T F = V Sigma^2 V^T; U = F V Sigma^{-1}; the coarse correction U (Sigma^2 + s)^{-1} U^T is then
    // F W F^T with W = V diag(1 / (sigma^2 (sigma^2 + s))) V^T, over the directions above F's rounding.
    auto gram = detail::reproducible_gram(op.space(), op.communicator(), factor);
    std::vector<double> eigenvalues;
    int const info = detail::symmetric_eigen_in_place(gram, rank, eigenvalues);
    detail::throw_on_every_rank_if<InvalidArgument>(
        op.communicator(),
        info == 0
            ? std::nullopt
            : std::optional<std::string>(detail::concatenate("the eigendecomposition of F^T F failed (", info, ")")),
        "TwoLevelPreconditioner");
    double const largest = rank > 0 ? eigenvalues.back() : 0.0;
    double const shift = nystrom_.summary().shift;
    weights_.assign(static_cast<std::size_t>(rank) * static_cast<std::size_t>(rank), 0.0);
    for (int j = 0; j < rank; ++j) {
      double const lambda = eigenvalues[static_cast<std::size_t>(j)];
      if (!(lambda > 1e-12 * largest)) {
        ++summary_.coarse_dropped;
        continue;
      }
      ++summary_.coarse_dimension;
      double const weight = 1.0 / (lambda * (lambda + shift));
      for (int a = 0; a < rank; ++a)
        for (int b = 0; b < rank; ++b)
          weights_[static_cast<std::size_t>(b) * rank + a] +=
              weight * gram[static_cast<std::size_t>(j) * rank + a] * gram[static_cast<std::size_t>(j) * rank + b];
    }
    summary_.setup_seconds = timer.seconds();
  }

  /// out = M^{-1} residual on this rank's rows (collective); not thread-safe (scratch kept between calls).
  void apply(block_type const& residual, block_type const& out) const {
    detail::ProfilingRegion region("kernelsolve::TwoLevelPreconditioner::apply");
    schwarz_.apply(residual, out);  // checks the blocks on every rank
    auto const& space = op_->space();
    auto const& factor = nystrom_.factor();
    auto const rank = static_cast<int>(factor.extent(1));
    auto const columns = static_cast<int>(residual.extent(1));
    if (rank == 0 || columns == 0) return;
    // z = W F^T r on every rank (the same bits everywhere), then out += F z on this rank's rows.
    auto const projections =
        detail::reproducible_cross_products(space, op_->communicator(), factor, residual, &scratch_);
    std::vector<double> coefficients(static_cast<std::size_t>(rank) * static_cast<std::size_t>(columns), 0.0);
    for (int c = 0; c < columns; ++c)
      for (int b = 0; b < rank; ++b) {
        double const p = projections[static_cast<std::size_t>(c) * rank + b];
        for (int a = 0; a < rank; ++a)
          coefficients[static_cast<std::size_t>(c) * rank + a] += weights_[static_cast<std::size_t>(b) * rank + a] * p;
      }
    if (device_coefficients_.extent(1) != static_cast<std::size_t>(columns))
      device_coefficients_ = Kokkos::View<double**, Kokkos::LayoutLeft, memory_space>(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::two_level::coefficients"), rank, columns);
    Kokkos::deep_copy(
        space, device_coefficients_,
        Kokkos::View<double const**, Kokkos::LayoutLeft, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
            coefficients.data(), rank, columns));
    auto const z = device_coefficients_;
    Kokkos::parallel_for(
        "kernelsolve::TwoLevelPreconditioner::coarse",
        Kokkos::RangePolicy<execution_space>(space, 0, static_cast<std::int64_t>(out.extent(0))),
        KOKKOS_LAMBDA(std::int64_t i) {
          for (int c = 0; c < columns; ++c) {
            double sum = 0;
            for (int j = 0; j < rank; ++j) sum += static_cast<double>(factor(i, j)) * z(j, c);
            out(i, c) += static_cast<scalar_type>(sum);
          }
        });
    space.fence();  // the host coefficients are released after this
  }

  [[nodiscard]] SchwarzPreconditioner<Operator> const& schwarz() const { return schwarz_; }
  [[nodiscard]] NystromPreconditioner<Operator> const& nystrom() const { return nystrom_; }
  [[nodiscard]] TwoLevelSummary const& summary() const { return summary_; }

 private:
  Operator const* op_;
  SchwarzPreconditioner<Operator> schwarz_;
  NystromPreconditioner<Operator> nystrom_;
  std::vector<double> weights_;  ///< W, k x k column-major, on every rank
  TwoLevelSummary summary_;
  mutable detail::ReductionScratch<memory_space> scratch_;
  mutable Kokkos::View<double**, Kokkos::LayoutLeft, memory_space> device_coefficients_;
};

}  // namespace kernelsolve
