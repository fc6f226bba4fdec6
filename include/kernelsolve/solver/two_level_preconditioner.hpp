// The two-level preconditioner: overlapping Schwarz blocks for the local (fine) scales, the span of the Nystrom factor
// for the global ones; symmetric positive definite, so CG stays valid.
#pragma once

#include <kernelsolve/core/collective_errors.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/operator/kernel_operator.hpp>
#include <kernelsolve/solver/detail/host_cholesky.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>
#include <kernelsolve/solver/preconditioner_kind.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace kernelsolve {

namespace detail {
/// out(i, c) = in(i, c) + sum_j factor(i, j) z(j, c) on this rank's rows, summed in double (in may be out). A free
/// function: nvcc's extended lambdas may not be defined in a private member function.
template <class ExecutionSpace, class Factor, class Coefficients, class In, class Out>
void add_factor_product(ExecutionSpace const& space, Factor const& factor, Coefficients const& z, In const& in,
                        Out const& out) {
  using scalar_type = typename Out::non_const_value_type;
  auto const columns = static_cast<int>(in.extent(1));
  auto const rank = static_cast<int>(z.extent(0));
  Kokkos::parallel_for(
      "kernelsolve::TwoLevelPreconditioner::coarse",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, static_cast<std::int64_t>(out.extent(0))),
      KOKKOS_LAMBDA(std::int64_t i) {
        for (int c = 0; c < columns; ++c) {
          double sum = static_cast<double>(in(i, c));
          for (int j = 0; j < rank; ++j) sum += static_cast<double>(factor(i, j)) * z(j, c);
          out(i, c) = static_cast<scalar_type>(sum);
        }
      });
}
}  // namespace detail

/// \brief M^{-1} = (I - U U^T) M_S^{-1} (I - U U^T) + U (Lambda + shift I)^{-1} U^T: the Schwarz preconditioner M_S
/// (SchwarzPreconditioner: exact solves of overlapping local blocks) on the complement of a coarse space, and on the
/// coarse space, the span of the Nystrom factor F = U Lambda^{1/2} V^T (NystromPreconditioner), the inverse of the
/// Nystrom approximation K ~ F F^T there: (Lambda + shift)^{-1}, shift = alpha (or the Nystrom floor without a ridge).
///
/// One-level Schwarz leaves the smooth, global modes of a wide kernel to CG (its blocks see only local couplings);
/// the Nystrom factor holds exactly those modes, the top of K's spectrum. This is the balancing (deflated) form of a
/// two-level method with the coarse operator taken from the Nystrom approximation, so it needs no operator apply.
/// It is symmetric for any U, and positive definite (B M_S^{-1} B with B = I - U U^T is semidefinite, and positive on
/// the vectors U^T x = 0, where the coarse term vanishes): CG stays valid. Setup: both levels (see their classes),
/// then F^T F (k x k, from the Nystrom core's Cholesky factor: L L^T - shift I) and its eigendecomposition on every
/// rank; directions whose sigma^2 is below the factor's rounding (64 eps sigma_max^2 in its precision, or that of
/// the core in double) are left to Schwarz. Apply: one Schwarz apply,
/// two reductions of k Dv values, and four passes of N k Dv multiply-adds over F.
template <class Operator>
class TwoLevelPreconditioner {
 public:
  using scalar_type = typename Operator::scalar_type;
  using block_type = typename Operator::block_type;
  using execution_space = typename Operator::execution_space;
  using memory_space = typename Operator::memory_space;

  /// The most columns of the coarse space when the Nystrom rank is automatic: a coarse space is small.
  static constexpr std::int64_t default_max_coarse_rank = 512;

  /// \brief Builds both levels and the coarse space (collective). Without a given Nystrom rank the automatic one
  /// stops at default_max_coarse_rank (or the options' auto_max_rank, when smaller).
  /// \throws InvalidArgument (on every rank) for invalid options of either level.
  TwoLevelPreconditioner(Operator const& op, SchwarzOptions const& schwarz = {}, NystromOptions const& nystrom = {},
                         NystromRoundMonitor const& on_round = {})
      : op_(&op), schwarz_(op, schwarz), nystrom_(op, coarse_options(nystrom), on_round) {
    detail::check_kernel_operator<Operator>();
    detail::ProfilingRegion region("kernelsolve::TwoLevelPreconditioner::setup");
    Kokkos::Timer timer;
    auto const& factor = nystrom_.factor();
    rank_ = static_cast<int>(factor.extent(1));
    // F^T F = V Sigma^2 V^T, U = F V Sigma^{-1} = F T over the kept directions: U^T r = T^T (F^T r), U c = F (T c).
    // F^T F is the Nystrom core's L L^T - shift I (k^3 / 3 flops, where summing it again would cost N k^2 / 2);
    // directions at its rounding (eps (lambda_max + shift)) fall below the floor and are dropped.
    double const shift = nystrom_.summary().shift;
    auto vectors = detail::factor_times_transpose(nystrom_.core_factor(), rank_);
    for (int j = 0; j < rank_; ++j) vectors[static_cast<std::size_t>(j) * rank_ + j] -= shift;
    std::vector<double> eigenvalues;
    int const info = detail::symmetric_eigen_in_place(vectors, rank_, eigenvalues);
    detail::throw_on_every_rank_if<InvalidArgument>(
        op.communicator(),
        info == 0
            ? std::nullopt
            : std::optional<std::string>(detail::concatenate("the eigendecomposition of F^T F failed (", info, ")")),
        "TwoLevelPreconditioner");
    double const largest = rank_ > 0 ? eigenvalues.back() : 0.0;
    double const floor = 64 * std::max<double>(std::numeric_limits<scalar_type>::epsilon() * largest,
                                               std::numeric_limits<double>::epsilon() * (largest + shift));
    for (int j = 0; j < rank_; ++j) {
      double const lambda = eigenvalues[static_cast<std::size_t>(j)];
      if (!(lambda > floor)) {
        ++summary_.coarse_dropped;
        continue;
      }
      double const inverse_sigma = 1.0 / std::sqrt(lambda);
      for (int a = 0; a < rank_; ++a)
        transform_.push_back(vectors[static_cast<std::size_t>(j) * rank_ + a] * inverse_sigma);
      coarse_inverse_.push_back(1.0 / (lambda + shift));
    }
    summary_.coarse_dimension = static_cast<std::int64_t>(coarse_inverse_.size());
    summary_.setup_seconds = timer.seconds();
  }

  /// out = M^{-1} residual on this rank's rows (collective); not thread-safe (scratch kept between calls).
  void apply(block_type const& residual, block_type const& out) const {
    detail::ProfilingRegion region("kernelsolve::TwoLevelPreconditioner::apply");
    auto const columns = static_cast<int>(residual.extent(1));
    auto const m = static_cast<int>(coarse_inverse_.size());
    if (m == 0 || columns == 0) {
      schwarz_.apply(residual, out);
      return;
    }
    if (complement_.extent(0) != residual.extent(0) || complement_.extent(1) != residual.extent(1))
      complement_ = block_type(Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::two_level::complement"),
                               residual.extent(0), residual.extent(1));
    // p = U^T r;  r_perp = r - U p;  y = M_S^{-1} r_perp;  q = U^T y;  out = y + U ((Lambda + s)^{-1} p - q)
    auto const p = coarse_coordinates(residual);
    add_coarse_vector(p, -1.0, residual, complement_);
    schwarz_.apply(complement_, out);
    auto const q = coarse_coordinates(out);
    std::vector<double> correction(p.size());
    for (int c = 0; c < columns; ++c)
      for (int j = 0; j < m; ++j) {
        auto const k = static_cast<std::size_t>(c) * m + j;
        correction[k] = coarse_inverse_[static_cast<std::size_t>(j)] * p[k] - q[k];
      }
    add_coarse_vector(correction, 1.0, out, out);
  }

  [[nodiscard]] SchwarzPreconditioner<Operator> const& schwarz() const { return schwarz_; }
  [[nodiscard]] NystromPreconditioner<Operator> const& nystrom() const { return nystrom_; }
  [[nodiscard]] TwoLevelSummary const& summary() const { return summary_; }

 private:
  static NystromOptions coarse_options(NystromOptions options) {
    if (!options.rank) options.auto_max_rank = std::min(options.auto_max_rank, default_max_coarse_rank);
    return options;
  }

  /// U^T block (m x Dv, column-major, the same bits on every rank): T^T (F^T block).
  std::vector<double> coarse_coordinates(block_type const& block) const {
    auto const m = static_cast<int>(coarse_inverse_.size());
    auto const columns = static_cast<int>(block.extent(1));
    auto const projections = detail::reproducible_cross_products(op_->space(), op_->communicator(), nystrom_.factor(),
                                                                 block, &scratch_, detail::operator_timings(*op_));
    std::vector<double> coordinates(static_cast<std::size_t>(m) * columns, 0.0);
    for (int c = 0; c < columns; ++c)
      for (int j = 0; j < m; ++j) {
        double sum = 0;
        for (int a = 0; a < rank_; ++a)
          sum += transform_[static_cast<std::size_t>(j) * rank_ + a] *
                 projections[static_cast<std::size_t>(c) * rank_ + a];
        coordinates[static_cast<std::size_t>(c) * m + j] = sum;
      }
    return coordinates;
  }

  /// out = in + sign U coordinates on this rank's rows (in may be out): F (T coordinates), T applied on the host.
  void add_coarse_vector(std::vector<double> const& coordinates, double sign, block_type const& in,
                         block_type const& out) const {
    auto const m = static_cast<int>(coarse_inverse_.size());
    auto const columns = static_cast<int>(in.extent(1));
    std::vector<double> coefficients(static_cast<std::size_t>(rank_) * columns, 0.0);
    for (int c = 0; c < columns; ++c)
      for (int j = 0; j < m; ++j) {
        double const value = sign * coordinates[static_cast<std::size_t>(c) * m + j];
        for (int a = 0; a < rank_; ++a)
          coefficients[static_cast<std::size_t>(c) * rank_ + a] +=
              transform_[static_cast<std::size_t>(j) * rank_ + a] * value;
      }
    auto const& space = op_->space();
    if (device_coefficients_.extent(1) != static_cast<std::size_t>(columns))
      device_coefficients_ = Kokkos::View<double**, Kokkos::LayoutLeft, memory_space>(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::two_level::coefficients"), rank_, columns);
    Kokkos::deep_copy(
        space, device_coefficients_,
        Kokkos::View<double const**, Kokkos::LayoutLeft, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(
            coefficients.data(), rank_, columns));
    detail::add_factor_product(space, nystrom_.factor(), device_coefficients_, in, out);
    space.fence();  // the host coefficients are released after this
  }

  Operator const* op_;
  SchwarzPreconditioner<Operator> schwarz_;
  NystromPreconditioner<Operator> nystrom_;
  int rank_ = 0;                        ///< columns of F
  std::vector<double> transform_;       ///< T = V Sigma^{-1} over the kept directions: rank_ x m column-major
  std::vector<double> coarse_inverse_;  ///< (lambda_j + shift)^{-1}, j < m
  TwoLevelSummary summary_;
  mutable block_type complement_;  ///< r - U U^T r
  mutable detail::ReductionScratch<memory_space> scratch_;
  mutable Kokkos::View<double**, Kokkos::LayoutLeft, memory_space> device_coefficients_;
};

}  // namespace kernelsolve
