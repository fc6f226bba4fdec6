// A run-time facade over the templates: the kernel family, the precision and the preconditioner chosen by values
// (a command line, a config file, a language binding), with host rows in and out. The library compiles every
// family x precision once (src/runtime/), so applications that choose at run time need no template dispatch.
#pragma once

#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>
#include <kernelsolve/product/cutoff_summary.hpp>
#include <kernelsolve/solver/convergence.hpp>
#include <kernelsolve/solver/monitor.hpp>
#include <kernelsolve/solver/nystrom_options.hpp>
#include <kernelsolve/solver/preconditioner_kind.hpp>
#include <kernelsolve/solver/refinement_options.hpp>
#include <kernelsolve/solver/schwarz_options.hpp>
#include <kernelsolve/solver/solve_result.hpp>

#include <mpi.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace kernelsolve {

/// The scalar type of the points, the vectors and the kernel evaluations. mixed: the solution, its residual and
/// the gradient sums in float64, the kernel evaluations of the inner solves in float32 (iterative refinement,
/// solver/iterative_refinement.hpp): float64 accuracy for little more than the float32 cost.
enum class Precision { float32, float64, mixed };

/// Every name precision_from_name takes: the canonical ones (to_string), then the C spellings.
inline constexpr std::array<std::string_view, 5> precision_names = {"float32", "float64", "mixed", "float", "double"};

/// "float" (or "float32"), "double" (or "float64"), "mixed" -> the precision. \throws InvalidArgument otherwise.
Precision precision_from_name(std::string_view name);
/// "float32", "float64", "mixed".
std::string_view to_string(Precision precision);

/// \brief What a KernelSolver is built with.
struct KernelSolverOptions {
  KernelSpec kernel{};                       ///< family and g > 0
  Precision precision = Precision::float64;  ///< float32, float64 or mixed
  double alpha = 0.01;                       ///< ridge >= 0 in K + alpha I
  PreconditionerKind preconditioner = PreconditionerKind::automatic;
  NystromOptions nystrom{};  ///< for PreconditionerKind::nystrom (of the float32 operator in mixed)
  SchwarzOptions schwarz{};  ///< for PreconditionerKind::schwarz (of the float32 operator in mixed)
  /// automatic: Schwarz when the points within a cell's overlap average at most this fraction of N and at most half
  /// the blocks are capped at SchwarzOptions::max_block_points (docs/design/schwarz.md: where Schwarz stops paying
  /// off).
  double schwarz_reach_fraction = default_schwarz_reach_fraction;
  /// The solver's rows in the points' spatial order (geometry/spatial_order.hpp): each rank then works on a compact
  /// region (Schwarz blocks factored once, not on every rank that holds a few of their points). Arrays in and out
  /// stay in the caller's order and split; results are the same on every rank count either way.
  bool spatial_order = true;
  /// Cutoff products (product/cutoff_pattern.hpp) in the solves: each tile of 64 sorted points skips the tiles the
  /// kernel reaches only below truncation k(0), in (0, 1). Off by default. The solves are then iterative
  /// refinement: inner PCG with the cutoff product (float32 in mixed precision, else the precision's own), the
  /// residual and every verdict from the full product, so a converged column meets its tolerance for the untruncated
  /// system. Predictions and the gradient's pair sums use the cutoff at the same truncation.
  std::optional<double> truncation;
  /// For Precision::mixed; with a truncation in float64, inner solves to truncated_inner_relative_tolerance.
  RefinementOptions refinement{};
  NystromRoundMonitor on_nystrom_round{};  ///< optional: progress of the setup
};

/// \brief The gradients of L = <e, c> from KernelSolver::gradient, this rank's rows, row-major.
struct KernelSolverGradient {
  std::vector<double> right_hand_sides;   ///< dL/db = a = (K + alpha I)^{-1} e, local_rows() x Dv
  std::vector<double> points;             ///< dL/dx, local_rows() x D: points_as_targets + points_as_sources
  std::vector<double> points_as_targets;  ///< dL/dx as the i-points alone (SolveGradient::points_as_targets)
  std::vector<double> points_as_sources;  ///< dL/dx as the j-points alone
  double ridge = 0;                       ///< dL/dalpha
  double kernel_parameter = 0;            ///< dL/dg
  SolveResult adjoint;                    ///< how the adjoint solve went
  /// With KernelSolverOptions::truncation: the cutoff of the pair sums and the bounds on what they drop
  /// (SolveGradient::cutoff); nothing otherwise.
  std::optional<CutoffSummary> cutoff;
};

/// \brief (K + alpha I) c = b for a kernel, precision and preconditioner chosen at run time, on this rank's rows
/// (collective: every rank constructs it and calls the same members in the same order).
///
/// Wraps DistributedOperator, NystromPreconditioner or SchwarzPreconditioner, ConjugateGradient (one workspace for
/// every solve) and solve_gradient / predict for the default execution space; arrays are this rank's rows, row-major
/// doubles (rounded to the precision on the way in).
class KernelSolver {
 public:
  /// \param local_points this rank's rows of the N x D points, row-major (local_points.size() = rows x D).
  /// \throws InvalidArgument (on every rank) as DistributedOperator does, and for g <= 0.
  KernelSolver(MPI_Comm comm, KernelSolverOptions const& options, std::vector<double> const& local_points,
               int dimension);
  ~KernelSolver();
  KernelSolver(KernelSolver&&) noexcept;
  KernelSolver& operator=(KernelSolver&&) noexcept;

  /// \brief Builds the preconditioner of the options (collective); solve() does it on first use otherwise.
  /// \throws InvalidArgument (on every rank) for invalid Nystrom or Schwarz options.
  void setup_preconditioner();
  /// The preconditioner set up (automatic resolved) and why; nothing before the setup.
  [[nodiscard]] std::optional<PreconditionerChoice> preconditioner_choice() const;
  /// What the Nystrom setup chose; nothing when no Nystrom preconditioner was set up.
  [[nodiscard]] std::optional<NystromSummary> preconditioner_summary() const;
  /// What the Schwarz setup built; nothing when no Schwarz preconditioner was set up.
  [[nodiscard]] std::optional<SchwarzSummary> schwarz_summary() const;
  /// The coarse space of the two-level preconditioner (its levels: schwarz_summary, preconditioner_summary).
  [[nodiscard]] std::optional<TwoLevelSummary> two_level_summary() const;
  /// What the cutoff product of the inner solves keeps and the bound on what it drops; nothing without truncation.
  [[nodiscard]] std::optional<CutoffSummary> cutoff_summary() const;

  /// \brief c = (K + alpha I)^{-1} b for `columns` right-hand sides (this rank's rows x columns, row-major).
  SolveResult solve(std::vector<double> const& right_hand_sides, int columns, std::vector<double>& coefficients,
                    StoppingCriteria const& criteria = {}, SolveMonitor* monitor = nullptr);

  /// \brief The gradients of L = <cotangent, coefficients> through one adjoint solve (same preconditioner).
  KernelSolverGradient gradient(std::vector<double> const& coefficients, std::vector<double> const& cotangent,
                                int columns, StoppingCriteria const& criteria = {}, SolveMonitor* monitor = nullptr);

  /// \brief K(new points, points) c at this rank's new points (M_r x D row-major, any split); M_r x columns.
  std::vector<double> predict(std::vector<double> const& coefficients, int columns,
                              std::vector<double> const& new_points);

  /// Every rank's rows of a local_rows() x columns array, in rank order, on every rank (row-major).
  [[nodiscard]] std::vector<double> gather_rows(std::vector<double> const& local, int columns) const;

  [[nodiscard]] std::int64_t global_rows() const;
  [[nodiscard]] std::int64_t local_rows() const;
  [[nodiscard]] std::int64_t first_row() const;
  [[nodiscard]] KernelSolverOptions const& options() const { return options_; }

  /// \brief This rank's seconds per phase of everything done since construction (or the last reset()): the
  /// preconditioner setup, the solves, gradients and predictions (core/phase_timings.hpp;
  /// statistics_over_ranks gives the load imbalance).
  [[nodiscard]] PhaseTimings const& phase_timings() const;
  [[nodiscard]] PhaseTimings& phase_timings();

  /// The precision-specific model behind the facade (src/runtime/kernel_solver_model.hpp).
  class Model;

 private:
  KernelSolverOptions options_;
  std::unique_ptr<Model> model_;
};

}  // namespace kernelsolve
