// The preconditioner kinds by value and by name (the library's vocabulary, which the facade, the app and the Python
// package speak), and the choice a solver made. Light: no Kokkos.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace kernelsolve {

/// The preconditioner of the solves: none (plain CG), NystromPreconditioner (a global low-rank factor: wide kernels),
/// SchwarzPreconditioner (overlapping local blocks: narrow kernels), or automatic (choose_preconditioner).
/// two_level: TwoLevelPreconditioner (Schwarz blocks plus a coarse correction on the Nystrom factor's span).
enum class PreconditionerKind { none, nystrom, schwarz, automatic, two_level };

/// Every kind, in the order of the enumeration.
inline constexpr std::array<PreconditionerKind, 5> all_preconditioner_kinds = {
    PreconditionerKind::none, PreconditionerKind::nystrom, PreconditionerKind::schwarz, PreconditionerKind::automatic,
    PreconditionerKind::two_level};

/// "none", "nystrom", "schwarz", "auto" or "two_level" -> the kind. \throws InvalidArgument naming the value otherwise.
PreconditionerKind preconditioner_kind_from_name(std::string_view name);
/// "none", "nystrom", "schwarz", "auto", "two_level".
std::string_view to_string(PreconditionerKind kind);

/// A preconditioner kind and why (for automatic: the measure it was decided on).
struct PreconditionerChoice {
  PreconditionerKind kind = PreconditionerKind::none;
  std::string reason;
};

/// Schwarz pays off while a cell's overlap holds at most this fraction of the points on average
/// (docs/design/schwarz.md: where Schwarz stops paying off).
inline constexpr double default_schwarz_reach_fraction = 0.2;

/// What a two-level preconditioner (solver/two_level_preconditioner.hpp) kept of its coarse space.
struct TwoLevelSummary {
  std::int64_t coarse_dimension = 0;  ///< directions of the Nystrom factor kept in the coarse space
  std::int64_t coarse_dropped = 0;    ///< directions left to Schwarz: sigma^2 <= 64 eps max, the factor rounding
  double setup_seconds = 0;           ///< of the coarse space (eigendecomposition of F^T F), after the two levels
};

}  // namespace kernelsolve
