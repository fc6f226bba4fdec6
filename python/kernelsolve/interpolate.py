"""Layer 3: scipy.interpolate.RBFInterpolator's drop-in, solved by kernelsolve (design B4.3).

The signature is SciPy's, so code written for SciPy runs unchanged or fails loudly: kernelsolve solves symmetric
positive definite systems, so only SciPy's positive definite kernels (gaussian, inverse_quadratic,
inverse_multiquadric) are accepted, and SciPy's default kernel, thin_plate_spline, raises ValueError.
"""

import numbers
from itertools import combinations_with_replacement
from math import comb

import numpy as np

from ._replicated import ReplicatedSolver
from ._results import report_failure

__all__ = ["RBFInterpolator"]

# SciPy's positive definite kernels, phi(eps^2 r^2), and the kernelsolve family of each (g = epsilon^2).
_FAMILIES = {"gaussian": "gaussian", "inverse_quadratic": "cauchy", "inverse_multiquadric": "inverse_multiquadric"}
# SciPy's other kernels: only conditionally positive definite, their systems are not SPD.
_CONDITIONALLY_PD = ("linear", "thin_plate_spline", "cubic", "quintic", "multiquadric")


def _monomial_powers(ndim, degree):
    """(C(degree + ndim, ndim), ndim) exponents of the monomials of degree <= `degree`, in SciPy's order."""
    powers = np.zeros((comb(degree + ndim, ndim) if degree >= 0 else 0, ndim), dtype=int)
    count = 0
    for total in range(degree + 1):
        for monomial in combinations_with_replacement(range(ndim), total):
            for variable in monomial:
                powers[count, variable] += 1
            count += 1
    return powers


def _polynomial_matrix(points, powers):
    """The monomials `powers` at the (already shifted and scaled) points: (len(points), len(powers))."""
    return np.prod(points[:, np.newaxis, :] ** powers[np.newaxis, :, :], axis=2)


def _real_array(value, name, kinds="iuf"):
    """value as an ndarray of int/float (or complex, where `kinds` allows it); ValueError naming any other dtype
    and NaN or Inf. No silent conversion of objects, strings or (for coordinates) complex numbers."""
    array = np.asarray(value)
    if array.dtype.kind not in kinds:
        allowed = "real or complex numbers" if "c" in kinds else "real numbers (float or int)"
        raise ValueError(f"RBFInterpolator: {name} must hold {allowed}, got dtype {array.dtype}")
    if array.size and not np.isfinite(array).all():
        raise ValueError(f"RBFInterpolator: {name} holds NaN or Inf")
    return array


class RBFInterpolator:
    """Radial basis function interpolation, SciPy's RBFInterpolator, with the RBF system solved iteratively.

    The interpolant is f(x) = K(x, y) a + P(x) b with (K(y, y) + smoothing I) a + P(y) b = d and P(y)^T a = 0,
    exactly SciPy's; P holds the monomials of degree <= `degree` of the shifted and scaled coordinates. The saddle
    point system is reduced to SPD solves: one multi-column solve A^-1 [d, P] with A = K + smoothing I, then the
    small system (P^T A^-1 P) b = P^T A^-1 d, and a = A^-1 d - (A^-1 P) b.

    Parameters (SciPy's)
    --------------------
    y : (P, N) data point coordinates.  d : (P, ...) data values, real or complex (any trailing shape).
    neighbors : must be None (local interpolants are not supported: ``truncation=`` cuts the kernel off instead).
    smoothing : float >= 0, the ridge (per-point arrays are not supported).
    kernel : "gaussian" exp(-(eps r)^2), "inverse_quadratic" 1/(1 + (eps r)^2) or "inverse_multiquadric"
        1/sqrt(1 + (eps r)^2). SciPy's default "thin_plate_spline" and "linear", "cubic", "quintic",
        "multiquadric" raise ValueError (not positive definite).
    epsilon : the shape parameter, required.
    degree : None (0, SciPy's default for these kernels), -1 (no polynomial) or an int >= 0.

    kernelsolve's options (keyword only)
    ------------------------------------
    precision, preconditioner, truncation : as kernelsolve.KernelSolver.
    tol : the relative true residual every column of A^-1 [d, P] must reach.  max_iter : the most iterations.
    comm : None ("self"), "world", "self", an mpi4py communicator or a kernelsolve.Communicator; with several
        ranks, every rank passes the same full arrays and gets the same values.

    Attributes: SciPy's (y, d, d_shape, d_dtype, neighbors, smoothing, kernel, epsilon, powers) and
    ``solve_result``, the kernelsolve.SolveResult of the solve (a ConvergenceWarning is issued if it fell short).
    """

    def __init__(self, y, d, neighbors=None, smoothing=0.0, kernel="thin_plate_spline", epsilon=None, degree=None,
                 *, precision="float64", preconditioner="auto", tol=1e-10, max_iter=10000, truncation=None,
                 comm=None):
        if not isinstance(kernel, str):
            raise ValueError(f"RBFInterpolator: kernel must be a str, got {type(kernel).__name__}")
        kernel = kernel.lower()
        if kernel in _CONDITIONALLY_PD:
            raise ValueError(f"RBFInterpolator: kernel={kernel!r} is not positive definite; kernelsolve solves SPD "
                             f"systems: use one of {', '.join(map(repr, _FAMILIES))} (with epsilon)")
        if kernel not in _FAMILIES:
            raise ValueError(f"RBFInterpolator: unknown kernel {kernel!r} (kernelsolve supports "
                             f"{', '.join(map(repr, _FAMILIES))})")
        if neighbors is not None:
            raise NotImplementedError(f"RBFInterpolator: neighbors={neighbors!r} (local interpolants) is not "
                                      "supported; pass neighbors=None, and truncation= to cut the kernel off")
        if epsilon is None:
            raise ValueError(f"RBFInterpolator: epsilon must be specified for kernel={kernel!r}")
        if not isinstance(epsilon, numbers.Real) or not np.isfinite(epsilon) or epsilon == 0:
            raise ValueError(f"RBFInterpolator: epsilon must be a finite, non-zero real number, got {epsilon!r}")
        if np.ndim(smoothing) != 0:
            raise ValueError(f"RBFInterpolator: smoothing must be a scalar (per-point smoothing of shape "
                             f"{np.shape(smoothing)} is not supported)")
        if np.asarray(smoothing).dtype.kind not in "iuf" or not (np.isfinite(smoothing) and smoothing >= 0):
            raise ValueError(f"RBFInterpolator: smoothing must be a finite float >= 0, got {smoothing!r}")
        smoothing = float(smoothing)
        if degree is None:
            degree = 0
        elif not isinstance(degree, numbers.Integral) or degree < -1:
            raise ValueError(f"RBFInterpolator: degree must be an int >= -1 (or None), got {degree!r}")
        if not isinstance(tol, numbers.Real) or not (np.isfinite(tol) and tol > 0):
            raise ValueError(f"RBFInterpolator: tol must be a finite float > 0, got {tol!r}")
        if not isinstance(max_iter, numbers.Integral) or max_iter < 1:
            raise ValueError(f"RBFInterpolator: max_iter must be an int >= 1, got {max_iter!r}")

        y = np.ascontiguousarray(_real_array(y, "y"), dtype=np.float64)
        if y.ndim != 2:
            raise ValueError(f"RBFInterpolator: y must be a 2-dimensional array (P, N), got shape {y.shape}")
        ny, ndim = y.shape
        if ny == 0 or ndim == 0:
            raise ValueError(f"RBFInterpolator: y must hold at least one point of dimension >= 1, got shape {y.shape}")
        d = _real_array(d, "d", kinds="iufc")
        if d.ndim == 0 or d.shape[0] != ny:
            raise ValueError(f"RBFInterpolator: expected the first axis of d to have length {ny}, got d of shape "
                             f"{d.shape}")
        d_dtype = complex if np.iscomplexobj(d) else float
        d_shape = d.shape[1:]
        # complex values as twice as many real columns (SciPy's layout): the system is real
        values = np.ascontiguousarray(d, dtype=d_dtype).reshape(ny, -1).view(float)

        powers = _monomial_powers(ndim, int(degree))
        if powers.shape[0] > ny:
            raise ValueError(f"RBFInterpolator: at least {powers.shape[0]} data points are required when degree is "
                             f"{degree} and the number of dimensions is {ndim}")
        # SciPy's polynomial domain: shifted and scaled to [-1, 1] per dimension
        mins, maxs = y.min(axis=0), y.max(axis=0)
        shift = (maxs + mins) / 2
        scale = (maxs - mins) / 2
        scale[scale == 0.0] = 1.0
        polynomial = _polynomial_matrix((y - shift) / scale, powers)
        if powers.shape[0] and np.linalg.matrix_rank(polynomial) < powers.shape[0]:
            raise np.linalg.LinAlgError(
                "Singular matrix. The matrix of monomials evaluated at the data point coordinates does not have "
                f"full column rank ({np.linalg.matrix_rank(polynomial)}/{powers.shape[0]}).")

        self._options = dict(kernel=_FAMILIES[kernel], gamma=float(epsilon) ** 2, precision=precision,
                             truncation=truncation)
        self._comm = comm
        columns = values.shape[1]
        with ReplicatedSolver(y, comm=comm, alpha=smoothing, preconditioner=preconditioner,
                              **self._options) as solver:
            solved, result = solver.solve(np.ascontiguousarray(np.hstack([values, polynomial])), rtol=tol,
                                          max_iter=max_iter, on_failure="ignore")
        report_failure(result, "warn", "RBFInterpolator solve A^-1 [d, P]")
        solved_values, solved_polynomial = solved[:, :columns], solved[:, columns:]
        if powers.shape[0]:
            schur = polynomial.T @ solved_polynomial
            polynomial_coeffs = np.linalg.solve((schur + schur.T) / 2, polynomial.T @ solved_values)
            kernel_coeffs = solved_values - solved_polynomial @ polynomial_coeffs
        else:
            polynomial_coeffs = np.zeros((0, columns))
            kernel_coeffs = solved_values

        self._shift, self._scale = shift, scale
        self._coeffs = np.vstack([kernel_coeffs, polynomial_coeffs])  # (P + R, S), SciPy's layout
        self.solve_result = result
        self.y = y
        self.d = values
        self.d_shape = d_shape
        self.d_dtype = d_dtype
        self.neighbors = None
        self.smoothing = np.full(ny, smoothing)
        self.kernel = kernel
        self.epsilon = float(epsilon)
        self.powers = powers

    def __call__(self, x):
        """The interpolant at x ((Q, N)): (Q, ...) in d's trailing shape and type. A kernel product, no solve."""
        x = np.ascontiguousarray(_real_array(x, "x"), dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"RBFInterpolator: x must be a 2-dimensional array (Q, N), got shape {x.shape}")
        if x.shape[1] != self.y.shape[1]:
            raise ValueError(f"RBFInterpolator: expected the second axis of x to have length {self.y.shape[1]}, "
                             f"got x of shape {x.shape}")
        ny = self.y.shape[0]
        with ReplicatedSolver(self.y, comm=self._comm, alpha=0.0, preconditioner="none",
                              **self._options) as solver:
            out = solver.predict(self._coeffs[:ny], x)
        out = out + _polynomial_matrix((x - self._shift) / self._scale, self.powers) @ self._coeffs[ny:]
        return np.ascontiguousarray(out).view(self.d_dtype).reshape((x.shape[0],) + self.d_shape)
