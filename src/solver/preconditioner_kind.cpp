// The names of the preconditioner kinds (solver/preconditioner_kind.hpp).
#include <kernelsolve/error.hpp>
#include <kernelsolve/solver/preconditioner_kind.hpp>

namespace kernelsolve {

PreconditionerKind preconditioner_kind_from_name(std::string_view name) {
  if (name == "none") return PreconditionerKind::none;
  if (name == "nystrom") return PreconditionerKind::nystrom;
  if (name == "schwarz") return PreconditionerKind::schwarz;
  if (name == "auto") return PreconditionerKind::automatic;
  if (name == "two_level") return PreconditionerKind::two_level;
  detail::throw_error<InvalidArgument>("preconditioner_kind_from_name", "unknown preconditioner '", name,
                                       "' (known: none, nystrom, schwarz, auto, two_level)");
}

std::string_view to_string(PreconditionerKind kind) {
  switch (kind) {
    case PreconditionerKind::none:
      return "none";
    case PreconditionerKind::nystrom:
      return "nystrom";
    case PreconditionerKind::schwarz:
      return "schwarz";
    case PreconditionerKind::automatic:
      return "auto";
    case PreconditionerKind::two_level:
      return "two_level";
  }
  return "unknown";
}

}  // namespace kernelsolve
