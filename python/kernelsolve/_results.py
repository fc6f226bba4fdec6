"""What a solve and a gradient return: per column why it stopped, after how many iterations, how good it is."""

import warnings

from ._errors import ConvergenceError, ConvergenceWarning, InvalidArgument

__all__ = ["SolveResult", "Gradient"]

ON_FAILURE = ("warn", "raise", "ignore")


class SolveResult:
    """The outcome of a solve with Dv right-hand sides (the C++ SolveResult).

    ``reasons``: per column, PETSc-style names (``converged_rtol``, ``converged_atol``,
    ``diverged_max_iterations``, ``diverged_breakdown``, ``diverged_nan_or_inf``, ``diverged_stagnation``,
    ``interrupted``);
    ``relative_residuals``: the true ``||b_k - A c_k|| / ||b_k||``; ``converged``: every column met its tolerance
    on its true residual. ``seconds``: this rank's seconds per phase of the call that returned it (kernel_product,
    gather, reductions, preconditioner_setup, preconditioner_apply, vector_updates) and its ``wall`` time.
    """

    __slots__ = ("iterations", "column_iterations", "reasons", "reason_codes", "relative_residuals",
                 "recursive_residuals", "true_residual_checks", "residual_replacements", "refinement_steps",
                 "seconds")

    def __init__(self, fields, seconds=None):
        for name in self.__slots__[:-1]:
            setattr(self, name, fields[name])
        self.seconds = seconds or {}

    @property
    def converged(self):
        return all(code > 0 for code in self.reason_codes)

    def __repr__(self):
        return (f"SolveResult(converged={self.converged}, iterations={self.iterations}, reasons={self.reasons}, "
                f"relative_residuals={list(self.relative_residuals)})")


class Gradient:
    """The gradients of L = <e, c> for c = (K + alpha I)^-1 b (KernelSolver.gradient), this rank's rows.

    ``right_hand_sides`` dL/db; ``points`` dL/dx with x as both the i- and the j-points, the sum of
    ``points_as_targets`` (x_i alone) and ``points_as_sources`` (x_j alone); ``ridge`` dL/dalpha;
    ``kernel_parameter`` dL/dg; ``sigma`` dL/dsigma; ``adjoint`` the adjoint solve's SolveResult; ``cutoff`` with a
    truncation, what the pair sums dropped and its bounds.
    """

    __slots__ = ("right_hand_sides", "points", "points_as_targets", "points_as_sources", "ridge",
                 "kernel_parameter", "sigma", "adjoint", "cutoff")

    def __init__(self, **fields):
        for name in self.__slots__:
            setattr(self, name, fields[name])

    def __repr__(self):
        return (f"Gradient(ridge={self.ridge}, kernel_parameter={self.kernel_parameter}, sigma={self.sigma}, "
                f"adjoint={self.adjoint!r})")


def check_on_failure(value):
    if value not in ON_FAILURE:
        raise InvalidArgument(f"on_failure must be one of {ON_FAILURE}, got {value!r}")
    return value


def report_failure(result, on_failure, what="solve"):
    """Warns, raises or says nothing (on_failure) when a column did not converge; the result tells the truth."""
    if result.converged or on_failure == "ignore":
        return
    failed = [(k, result.reasons[k], float(result.relative_residuals[k]))
              for k in range(len(result.reasons)) if result.reason_codes[k] <= 0]
    described = ", ".join(f"column {k}: {reason} at relative residual {residual:.3g}"
                          for k, reason, residual in failed[:5])
    more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
    message = f"kernelsolve: the {what} did not converge ({described}{more}) after {result.iterations} iterations"
    if on_failure == "raise":
        raise ConvergenceError(message, result)
    warnings.warn(message, ConvergenceWarning, stacklevel=3)
