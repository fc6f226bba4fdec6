"""Layer 1: kernelsolve.KernelSolver, the run-time facade over NumPy arrays of this rank's rows."""

import time

import numpy as np

from . import _core
from ._errors import InvalidArgument
from ._results import Gradient, SolveResult, check_on_failure, report_failure
from ._runtime import agree, as_communicator, initialize

__all__ = ["KernelSolver", "family_from_name", "g_from_sigma", "sigma_from_g", "parse_formula", "KernelFormula",
           "FAMILIES", "PRECISIONS", "PRECONDITIONERS", "default_rtol"]

# The library's vocabulary (the app speaks the same): canonical names first.
FAMILIES = _core.families
PRECISIONS = _core.build_info()["precisions"]
PRECONDITIONERS = _core.preconditioner_names


def family_from_name(name):
    """The family named `name` (also "rbf", "exponential", "imq", "matern3/2", "matern5/2")."""
    return _core.family_from_name(name)


def g_from_sigma(family, sigma):
    """g for the length scale sigma: 1/(2 sigma^2) for the Gaussian, 1/sigma^2 for the other families."""
    return _core.g_from_sigma(family, float(sigma))


def sigma_from_g(family, g):
    return _core.sigma_from_g(family, float(g))


def evaluate_profile(family, u):
    """phi(u) of the family, k(x, y) = phi(g |x - y|^2), element-wise over an array of u >= 0."""
    return _core.evaluate_profile(family, np.asarray(u, dtype=np.float64))


class KernelFormula:
    """What a KeOps formula "<kernel>(x, y) * b" stands for: family, g and the names of its three variables."""

    __slots__ = ("family", "g", "i_variable", "j_variable", "weight_variable")

    def __init__(self, fields):
        for name in self.__slots__:
            setattr(self, name, fields[name])

    def __repr__(self):
        return (f"KernelFormula(family={self.family!r}, g={self.g!r}, i_variable={self.i_variable!r}, "
                f"j_variable={self.j_variable!r}, weight_variable={self.weight_variable!r})")


def parse_formula(formula, parameters=None):
    """Identifies a KeOps formula such as ``"Exp(-g*SqDist(x,y))*b"`` among the built-in families.

    ``parameters``: the values of its scalar parameters, e.g. ``{"g": 50.0}``.
    Raises FormulaError pointing at the offending part.
    """
    if not isinstance(formula, str):
        raise TypeError(f"the formula must be a str, got {type(formula).__name__}")
    values = {str(k): float(v) for k, v in (parameters or {}).items()}
    return KernelFormula(_core.parse_formula(formula, values))


def default_rtol(precision):
    """The app's default relative tolerance: 1e-3 in float32, 1e-10 in float64 and mixed."""
    return 1e-3 if precision == "float32" else 1e-10


def precision_name(precision):
    """The canonical name ("float32", "float64", "mixed") of any name the library takes ("float", "double", ...)."""
    if not isinstance(precision, str):
        raise InvalidArgument(f"the precision must be a name ({', '.join(_core.precision_names)}), got {precision!r}")
    return _core.precision_from_name(precision)


def _floating_dtype(array, name):
    """The problem with an array's dtype (None: float32 or float64). No silent conversion from other types."""
    dtype = np.asarray(array).dtype if not hasattr(array, "dtype") else np.dtype(array.dtype)
    if dtype not in (np.float32, np.float64):
        return f"{name} must be float32 or float64, got {dtype}"
    return None


def _rows(array, name, columns=None):
    """(problem, 2-D float64 C-contiguous array) of a (rows,) or (rows, columns) array-like."""
    problem = _floating_dtype(array, name)
    if problem:
        return problem, None
    a = np.asarray(array)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        return f"{name} must be 1-D or 2-D, got shape {a.shape}", None
    if columns is not None and a.shape[1] != columns:
        return f"{name} has {a.shape[1]} columns, expected {columns}", None
    if not np.isfinite(a).all():
        return f"{name} holds NaN or Inf", None
    return None, np.ascontiguousarray(a, dtype=np.float64)


def _options(cls, value, name):
    if value is None:
        return getattr(_core, cls.__name__)()
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        options = cls()
        for key, v in value.items():
            if not hasattr(options, key):
                raise InvalidArgument(f"{name}: unknown option {key!r}")
            setattr(options, key, v)
        return options
    raise TypeError(f"{name} must be a {cls.__name__} or a dict, got {type(value).__name__}")


class KernelSolver:
    """(K + alpha I) c = b for this rank's rows of the points (collective: every rank of `comm` builds it and calls
    the same methods in the same order).

    points: (n_local, D) float32 or float64 array, this rank's rows in any split (n_local may be 0; (n,) means
    D = 1). Without mpirun, that is all the points. The kernel: a family name with exactly one of ``sigma`` or
    ``gamma`` (g), or a KeOps ``formula`` with its ``parameters``. comm: None (MPI_COMM_WORLD), "world", "self",
    an mpi4py communicator or a Communicator. The rest as the C++ KernelSolverOptions (docs/python.md).
    """

    def __init__(self, points, *, kernel="gaussian", sigma=None, gamma=None, formula=None, parameters=None,
                 alpha=0.01, precision="float64", preconditioner="auto", nystrom=None, schwarz=None,
                 refinement=None, schwarz_reach_fraction=0.2, truncation=None, spatial_order=True, comm=None):
        self._core = None
        initialize()
        self.comm = as_communicator(comm, "world")
        if formula is not None:
            if sigma is not None or gamma is not None:
                raise InvalidArgument("give either formula= (with parameters=) or sigma=/gamma=, not both")
            parsed = parse_formula(formula, parameters)
            family, g = parsed.family, parsed.g
        else:
            family = family_from_name(kernel)
            if (sigma is None) == (gamma is None):
                raise InvalidArgument(f"give exactly one of sigma= or gamma= for the {family} kernel "
                                      f"(sigma={sigma!r}, gamma={gamma!r})")
            g = g_from_sigma(family, sigma) if sigma is not None else float(gamma)
        if not (np.isfinite(g) and g > 0):
            raise InvalidArgument(f"the kernel parameter g must be finite and > 0, got {g!r}")
        if not (np.isfinite(alpha) and alpha >= 0):
            raise InvalidArgument(f"alpha must be finite and >= 0, got {alpha!r}")
        if not isinstance(preconditioner, str):
            raise InvalidArgument(f"the preconditioner must be a name ({', '.join(PRECONDITIONERS)}), got "
                                  f"{preconditioner!r}")
        preconditioner = _core.preconditioner_from_name(preconditioner)
        if truncation is not None and not (0 < truncation < 1):
            raise InvalidArgument(f"the truncation must be in (0, 1), got {truncation!r}")
        self.family, self.g, self.alpha = family, float(g), float(alpha)
        self.precision = precision_name(precision)
        self.truncation = truncation
        problem, rows = _rows(points, "points")
        agree(self.comm, problem)
        self.dimension = int(rows.shape[1])
        self._core = _core.Solver(self.comm.handle, rows, self.dimension, family, self.g, self.precision, self.alpha,
                                  preconditioner, _options(_core.NystromOptions, nystrom, "nystrom"),
                                  _options(_core.SchwarzOptions, schwarz, "schwarz"),
                                  _options(_core.RefinementOptions, refinement, "refinement"),
                                  float(schwarz_reach_fraction), truncation, bool(spatial_order))

    # -- the work ------------------------------------------------------------------------------------------------
    def setup_preconditioner(self):
        """Builds the preconditioner now (collective); the first solve does it otherwise."""
        self._solver().setup_preconditioner()

    def solve(self, b, *, rtol=None, atol=0.0, max_iter=10000, monitor=None, on_failure="warn"):
        """c = (K + alpha I)^-1 b for this rank's rows of b ((n_local,) or (n_local, Dv)); returns (c, SolveResult),
        c float64 in b's shape. rtol None: 1e-3 in float32, 1e-10 otherwise. A column converges when its true
        residual meets max(rtol ||b_k||, atol). monitor(iteration, relative_residuals) is called on every rank."""
        check_on_failure(on_failure)
        rtol = default_rtol(self.precision) if rtol is None else rtol
        problem, rhs = _rows(b, "b")
        if problem is None and rhs.shape[0] != self.local_rows:
            problem = f"b has {rhs.shape[0]} rows on this rank, the points {self.local_rows}"
        agree(self.comm, problem)
        before, started = self._solver().phase_timings(), time.perf_counter()
        c, fields = self._solver().solve(rhs, rhs.shape[1], float(rtol), float(atol), int(max_iter), monitor)
        result = SolveResult(fields, self._seconds_since(before, started))
        report_failure(result, on_failure)
        return (c.reshape(np.shape(b)) if np.ndim(b) == 1 else c), result

    def gradient(self, c, e, *, rtol=None, atol=0.0, max_iter=10000, monitor=None, on_failure="warn"):
        """The gradients of L = <e, c> (c from solve) through one adjoint solve with the same preconditioner."""
        check_on_failure(on_failure)
        rtol = default_rtol(self.precision) if rtol is None else rtol
        problem, coefficients = _rows(c, "c")
        if problem is None:
            problem, cotangent = _rows(e, "e", coefficients.shape[1])
        if problem is None and coefficients.shape[0] != self.local_rows:
            problem = f"c has {coefficients.shape[0]} rows on this rank, the points {self.local_rows}"
        if problem is None and np.shape(e) != np.shape(c):
            problem = f"e {np.shape(e)} and c {np.shape(c)} must have the same shape"
        agree(self.comm, problem)
        before, started = self._solver().phase_timings(), time.perf_counter()
        fields = self._solver().gradient(coefficients, cotangent, coefficients.shape[1], float(rtol), float(atol),
                                         int(max_iter), monitor)
        adjoint = SolveResult(fields["adjoint"], self._seconds_since(before, started))
        report_failure(adjoint, on_failure, "adjoint solve")
        b_shape = np.shape(c)
        dg_dsigma = (-1.0 if self.family == "gaussian" else -2.0) / self.sigma ** 3
        return Gradient(right_hand_sides=fields["right_hand_sides"].reshape(b_shape), points=fields["points"],
                        points_as_targets=fields["points_as_targets"], points_as_sources=fields["points_as_sources"],
                        ridge=fields["ridge"], kernel_parameter=fields["kernel_parameter"],
                        sigma=fields["kernel_parameter"] * dg_dsigma, adjoint=adjoint, cutoff=fields["cutoff"])

    def predict(self, c, new_points):
        """K(new_points, points) c at this rank's new points ((m_local, D), any split); (m_local,) or
        (m_local, Dv) like c."""
        problem, coefficients = _rows(c, "c")
        if problem is None and coefficients.shape[0] != self.local_rows:
            problem = f"c has {coefficients.shape[0]} rows on this rank, the points {self.local_rows}"
        if problem is None:
            new = np.asarray(new_points)
            if new.ndim == 1 and self.dimension != 1:
                new = new.reshape(1, -1) if new.size == self.dimension else new
            problem, at = _rows(new, "new_points", self.dimension)
        agree(self.comm, problem)
        values = self._solver().predict(coefficients, coefficients.shape[1], at)
        return values.reshape(-1) if np.ndim(c) == 1 else values

    def gather(self, local):
        """Every rank's rows of a (local_rows,) or (local_rows, k) array, in rank order, on every rank."""
        problem, rows = _rows(local, "local")
        if problem is None and rows.shape[0] != self.local_rows:
            problem = f"the array has {rows.shape[0]} rows on this rank, the points {self.local_rows}"
        agree(self.comm, problem)
        all_rows = self._solver().gather(rows, rows.shape[1])
        return all_rows.reshape(-1) if np.ndim(local) == 1 else all_rows

    def close(self):
        """Frees the solver's memory and communicator now (collective; idempotent)."""
        if self._core is not None:
            self._core.release()
            self._core = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        core = getattr(self, "_core", None)
        if core is not None:
            core.release()

    # -- what it is and what it did ------------------------------------------------------------------------------
    def _seconds_since(self, before, started):
        """Per phase, the seconds charged since `before` (phase_timings then), and the wall time since `started`."""
        after = self._solver().phase_timings()
        seconds = {phase: after[phase] - before[phase] for phase in after}
        seconds["wall"] = time.perf_counter() - started
        return seconds

    def _solver(self):
        if self._core is None:
            raise RuntimeError("kernelsolve.KernelSolver: the solver was closed")
        return self._core

    @property
    def sigma(self):
        return sigma_from_g(self.family, self.g)

    @property
    def global_rows(self):
        return self._solver().global_rows

    @property
    def local_rows(self):
        return self._solver().local_rows

    @property
    def first_row(self):
        return self._solver().first_row

    @property
    def preconditioner_choice(self):
        """(kind, reason) of the preconditioner set up; None before the first solve or setup."""
        return self._solver().preconditioner_choice()

    @property
    def nystrom_summary(self):
        return self._solver().nystrom_summary()

    @property
    def schwarz_summary(self):
        return self._solver().schwarz_summary()

    @property
    def cutoff_summary(self):
        return self._solver().cutoff_summary()

    @property
    def phase_timings(self):
        """This rank's seconds per phase since construction (or reset_timings())."""
        return self._solver().phase_timings()

    def reset_timings(self):
        self._solver().reset_timings()

    def phase_statistics(self):
        """Per phase: calls and min/mean/max seconds over the ranks (collective)."""
        return self._solver().phase_statistics(self.comm.handle)

    def __repr__(self):
        state = "closed" if self._core is None else f"N={self.global_rows}"
        return (f"KernelSolver({state}, D={self.dimension}, family={self.family!r}, g={self.g!r}, "
                f"alpha={self.alpha!r}, precision={self.precision!r})")
