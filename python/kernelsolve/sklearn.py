"""Layer 3: scikit-learn drop-ins, KernelRidge and GaussianProcessRegressor, solved by kernelsolve.

Both follow scikit-learn's conventions (docs/python.md, design B4):
- ``__init__`` only stores its arguments; every check happens in ``fit`` (``check_estimator`` requires it).
- The fitted state is NumPy arrays only. ``predict`` builds a short-lived solver per call and keeps nothing, so
  estimators pickle and ``predict`` leaves ``__dict__`` unchanged.
- ``comm``: None (one process, MPI_COMM_SELF), ``"self"``, ``"world"`` or a ``kernelsolve.Communicator``. With
  several ranks every rank passes the same full arrays and gets the same fitted arrays and predictions.
- ``random_state`` is the Nystrom seed (None: 0), so fits are bit-reproducible.
- A solve that misses its tolerance issues ``sklearn.exceptions.ConvergenceWarning``.

Only positive definite radial kernels k(x, y) = phi(g |x - y|^2) are solvable (kernelsolve.FAMILIES); the others
raise ValueError rather than being replaced by something else.
"""

import numbers
import warnings

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import kernels as gp_kernels
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._replicated import ReplicatedSolver
from ._runtime import clonable_communicator as _communicator
from ._solver import evaluate_profile

__all__ = ["KernelRidge", "GaussianProcessRegressor"]

# kernel= names KernelRidge accepts: name -> kernelsolve family (g = gamma).
_KRR_KERNELS = {"rbf": "gaussian", "gaussian": "gaussian", "exponential": "laplacian", "matern32": "matern32",
                "matern52": "matern52", "cauchy": "cauchy", "inverse_multiquadric": "inverse_multiquadric"}
_SUPPORTED_KRR = ("'rbf' (= 'gaussian'), 'exponential', 'matern32', 'matern52', 'cauchy', 'inverse_multiquadric', "
                  "or a sklearn.gaussian_process.kernels object [ConstantKernel(c) *] RBF | Matern(nu=0.5, 1.5, "
                  "2.5) | RationalQuadratic(alpha=0.5, 1)")
_LAPLACIAN_MESSAGE = ("kernel='laplacian': scikit-learn's 'laplacian' is exp(-gamma |x-y|_1) on the L1 (Manhattan) "
                      "distance, which kernelsolve does not solve; kernelsolve's L2 kernel exp(-sqrt(gamma) |x-y|_2) "
                      "is kernel='exponential'")
_SUPPORTED_GP = ("[ConstantKernel(c) *] base [+ WhiteKernel(n)] with base RBF, Matern(nu=0.5, 1.5, 2.5 or inf) or "
                 "RationalQuadratic(alpha=0.5 or 1), isotropic or ARD length scale")


# -- what the estimators share --------------------------------------------------------------------------------------
def _validate_data(estimator, X, y="no_validation", reset=True, **kwargs):
    """sklearn's data validation (a method before 1.6, a function since)."""
    try:
        from sklearn.utils.validation import validate_data
    except ImportError:
        return estimator._validate_data(X, y, reset=reset, **kwargs)
    return validate_data(estimator, X, y, reset=reset, **kwargs)


def _seed(random_state):
    """The Nystrom seed: an int as is, None as 0, a RandomState draws one int."""
    if random_state is None:
        return 0
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state!r}")
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _check_solver_options(owner, tol, max_iter):
    if not isinstance(tol, numbers.Real) or not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"{owner}: tol must be a finite float > 0, got {tol!r}")
    if not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"{owner}: max_iter must be an int >= 1, got {max_iter!r}")


def _warn_not_converged(owner, result, columns, alpha, tol):
    """sklearn's ConvergenceWarning for the columns of `result` that missed their tolerance."""
    if result.converged:
        return
    failed = [f"target {columns[k]}: {result.reasons[k]} at relative residual {result.relative_residuals[k]:.3g}"
              for k in range(len(result.reasons)) if result.reason_codes[k] <= 0]
    more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
    warnings.warn(f"{owner}: the solve with ridge {alpha:.6g} did not reach tol={tol:g} ({', '.join(failed[:5])}"
                  f"{more}) after {result.iterations} iterations; raise max_iter or the ridge (alpha), or choose "
                  "another preconditioner", ConvergenceWarning, stacklevel=3)


class _RadialKernel:
    """A kernel amplitude * phi(g |S x - S y|^2) + white [x == y] as kernelsolve solves it.

    family, g: the kernelsolve family and its parameter; column_scale: None, or the per-feature factors 1/l of an
    ARD length scale (g then belongs to l = 1); amplitude: ConstantKernel's c (1 without); white: WhiteKernel's
    noise level (0 without).
    """

    __slots__ = ("family", "g", "column_scale", "amplitude", "white")

    def __init__(self, family, g, column_scale=None, amplitude=1.0, white=0.0):
        self.family, self.g, self.column_scale = family, float(g), column_scale
        self.amplitude, self.white = float(amplitude), float(white)

    def scaled(self, X):
        """X in the coordinates the solver sees (columns divided by the ARD length scales)."""
        X = np.asarray(X, dtype=np.float64)
        return X if self.column_scale is None else X * self.column_scale

    def profile(self, A, B):
        """phi(g |a - b|^2) for the rows of A and B (already scaled): the kernel without amplitude and white."""
        return evaluate_profile(self.family, self.g * cdist(A, B, "sqeuclidean"))

    def diagonal(self):
        """k(x, x) = amplitude * phi(0) + white."""
        return self.amplitude * float(evaluate_profile(self.family, np.zeros(1))[0]) + self.white


def _base_kernel(base, n_features):
    """(family, g for the scaled coordinates, column_scale) of RBF, Matern or RationalQuadratic."""
    if type(base) is gp_kernels.Matern:
        families = {0.5: "laplacian", 1.5: "matern32", 2.5: "matern52", np.inf: "gaussian"}
        if base.nu not in families:
            raise ValueError(f"Matern(nu={base.nu!r}) is not supported: kernelsolve solves nu = 0.5, 1.5, 2.5 and "
                             "inf (= RBF)")
        family = families[base.nu]
        half = family == "gaussian"
    elif type(base) is gp_kernels.RBF:
        family, half = "gaussian", True
    elif type(base) is gp_kernels.RationalQuadratic:
        if base.alpha == 1:
            family, half = "cauchy", True
        elif base.alpha == 0.5:
            family, half = "inverse_multiquadric", False
        else:
            raise ValueError(f"RationalQuadratic(alpha={base.alpha!r}) is not supported: kernelsolve solves alpha = "
                             "1 (its cauchy kernel) and alpha = 0.5 (its inverse_multiquadric kernel)")
    else:
        raise ValueError(f"the kernel {base!r} is not supported; kernelsolve solves {_SUPPORTED_GP}")
    length_scale = np.atleast_1d(np.asarray(base.length_scale, dtype=np.float64))
    if length_scale.ndim != 1 or not (np.isfinite(length_scale).all() and (length_scale > 0).all()):
        raise ValueError(f"{base!r}: the length scale must be finite and > 0, got {base.length_scale!r}")
    factor = 0.5 if half else 1.0  # g = 1/(2 l^2) for RBF and RationalQuadratic(alpha=1), 1/l^2 for the others
    if length_scale.size == 1:
        return family, factor / length_scale[0] ** 2, None
    if length_scale.size != n_features:
        raise ValueError(f"{base!r}: the ARD length scale has {length_scale.size} entries but X has {n_features} "
                         "features")
    return family, factor, 1.0 / length_scale


def _from_gp_kernel(kernel, n_features, allow_white):
    """The _RadialKernel of a sklearn.gaussian_process.kernels object [ConstantKernel(c) *] base [+ WhiteKernel]."""
    if not isinstance(kernel, gp_kernels.Kernel):
        raise ValueError(f"the kernel {kernel!r} is not supported; kernelsolve solves {_SUPPORTED_GP}")
    white, terms = 0.0, [kernel]
    if type(kernel) is gp_kernels.Sum:
        terms = [kernel.k1, kernel.k2]
        whites = [t for t in terms if type(t) is gp_kernels.WhiteKernel]
        if len(whites) != 1:
            raise ValueError(f"the kernel {kernel!r} is not supported: a sum must be base + WhiteKernel; kernelsolve "
                             f"solves {_SUPPORTED_GP}")
        if not allow_white:
            raise ValueError(f"the kernel {kernel!r} holds a WhiteKernel: give the noise as alpha (the ridge) "
                             "instead")
        white = float(whites[0].noise_level)
        terms = [t for t in terms if t is not whites[0]]
        if not (np.isfinite(white) and white >= 0):
            raise ValueError(f"WhiteKernel: the noise level must be finite and >= 0, got {white!r}")
    amplitude, factors = 1.0, [terms[0]]
    if type(terms[0]) is gp_kernels.Product:
        factors = [terms[0].k1, terms[0].k2]
    bases = []
    for factor in factors:
        if type(factor) is gp_kernels.ConstantKernel:
            amplitude *= float(factor.constant_value)
        else:
            bases.append(factor)
    if len(bases) != 1:
        raise ValueError(f"the kernel {kernel!r} is not supported; kernelsolve solves {_SUPPORTED_GP}")
    if not (np.isfinite(amplitude) and amplitude > 0):
        raise ValueError(f"ConstantKernel: the constant value must be finite and > 0, got {amplitude!r}")
    family, g, column_scale = _base_kernel(bases[0], n_features)
    return _RadialKernel(family, g, column_scale, amplitude, white)


def _fixed_kernel_solver(points, kernel, alpha, estimator, comm, seed=None):
    """A ReplicatedSolver of phi(g |.|^2) + alpha I on the scaled points: with the estimator's solver options and
    Nystrom `seed` for solves, or (seed None) a light one with no preconditioner, as a kernel product needs none."""
    solving = seed is not None
    return ReplicatedSolver(kernel.scaled(points), comm=comm, kernel=kernel.family, gamma=kernel.g, alpha=alpha,
                            precision=estimator.precision,
                            preconditioner=estimator.preconditioner if solving else "none",
                            nystrom={"seed": seed if solving else 0}, truncation=estimator.truncation)


# -- KernelRidge ----------------------------------------------------------------------------------------------------
class KernelRidge(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Kernel ridge regression, sklearn.kernel_ridge.KernelRidge's interface, solved iteratively by kernelsolve.

    fit solves (K + alpha I) dual_coef_ = y with a preconditioned CG to the relative residual ``tol``; predict is
    the kernel product K(X, X_fit_) dual_coef_. Matrix-free: the n x n kernel matrix is never stored.

    Parameters
    ----------
    alpha : float >= 0 or array-like (n_targets,)
        The ridge; one value per target is allowed (targets sharing a value are solved together).
    kernel : str or sklearn.gaussian_process.kernels.Kernel, default "rbf"
        "rbf" / "gaussian" exp(-gamma |x-y|^2), "exponential" exp(-sqrt(gamma) |x-y|), "matern32", "matern52",
        "cauchy", "inverse_multiquadric" (all phi(gamma |x-y|^2), see kernelsolve.evaluate_profile), or a
        Gaussian-process kernel [ConstantKernel(c) *] RBF | Matern | RationalQuadratic. The default differs from
        scikit-learn's "linear", which is not a positive definite radial kernel and is refused, as are "poly",
        "sigmoid", "cosine", "chi2", "precomputed", callables, and scikit-learn's L1 "laplacian".
    gamma : float > 0 or None
        The kernel parameter g; None means 1 / n_features, as in scikit-learn.
    degree, coef0 : accepted and ignored (scikit-learn ignores them for radial kernels).
    kernel_params : must be None.
    precision : "float64", "float32" or "mixed"
    preconditioner : "auto", "none", "nystrom" or "schwarz"
    tol : float > 0, the relative true residual ||y_k - A c_k|| / ||y_k|| each target must reach.
    max_iter : int >= 1, the most CG iterations (inner iterations in mixed precision).
    truncation : None or a float in (0, 1), the kernel cutoff (kernelsolve.KernelSolver).
    random_state : int, RandomState or None (0): the Nystrom seed.
    comm : None, "self", "world" or kernelsolve.Communicator.

    Attributes
    ----------
    dual_coef_ : ndarray (n_samples,) or (n_samples, n_targets), float64, as scikit-learn's.
    X_fit_ : the training inputs.  n_features_in_, feature_names_in_ : as scikit-learn sets them.
    n_iter_ : ndarray (n_targets,), CG iterations per target (0 only for a target that is all zeros).
    solve_result_ : list of kernelsolve.SolveResult, one per distinct alpha in increasing order.
    preconditioner_ : list of "kind: reason", one per distinct alpha (what "auto" chose, and why).
    kernel_family_ : the kernelsolve family.  gamma_ : the g used (for an ARD kernel, after scaling X by 1/l).
    """

    def __init__(self, alpha=1.0, *, kernel="rbf", gamma=None, degree=3, coef0=1, kernel_params=None,
                 precision="float64", preconditioner="auto", tol=1e-10, max_iter=10000, truncation=None,
                 random_state=None, comm=None):
        self.alpha = alpha
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.precision = precision
        self.preconditioner = preconditioner
        self.tol = tol
        self.max_iter = max_iter
        self.truncation = truncation
        self.random_state = random_state
        self.comm = comm

    def _radial_kernel(self, n_features):
        """The _RadialKernel that kernel= and gamma= stand for (ValueError naming the bad value)."""
        if self.kernel_params is not None:
            raise ValueError(f"KernelRidge: kernel_params must be None, got {self.kernel_params!r}")
        if isinstance(self.kernel, gp_kernels.Kernel):
            return _from_gp_kernel(self.kernel, n_features, allow_white=False)
        if isinstance(self.kernel, str) and self.kernel == "laplacian":
            raise ValueError(f"KernelRidge: {_LAPLACIAN_MESSAGE}")
        if not isinstance(self.kernel, str) or self.kernel not in _KRR_KERNELS:
            raise ValueError(f"KernelRidge: kernel={self.kernel!r} is not supported (kernelsolve solves positive "
                             f"definite radial kernels only): use {_SUPPORTED_KRR}")
        if self.gamma is None:
            g = 1.0 / n_features
        elif isinstance(self.gamma, numbers.Real) and np.isfinite(self.gamma) and self.gamma > 0:
            g = float(self.gamma)
        else:
            raise ValueError(f"KernelRidge: gamma must be a finite float > 0 or None, got {self.gamma!r}")
        return _RadialKernel(_KRR_KERNELS[self.kernel], g)

    def _alphas(self, n_targets):
        alpha = np.atleast_1d(np.asarray(self.alpha))
        if alpha.ndim != 1 or alpha.dtype.kind not in "iuf":
            raise ValueError(f"KernelRidge: alpha must be a float >= 0 or one per target, got {self.alpha!r}")
        alpha = alpha.astype(np.float64)
        if not (np.isfinite(alpha).all() and (alpha >= 0).all()):
            raise ValueError(f"KernelRidge: alpha must be finite and >= 0, got {self.alpha!r}")
        if alpha.size == 1:
            return np.full(n_targets, alpha[0])
        if alpha.size != n_targets:
            raise ValueError(f"KernelRidge: number of targets and number of penalties do not correspond: "
                             f"{n_targets} != {alpha.size}")
        return alpha

    def fit(self, X, y):
        """Solves (K + alpha I) dual_coef_ = y; one solver per distinct alpha. No sample_weight (a weighted ridge
        is diagonal, which the solver does not take)."""
        comm = _communicator(self.comm, "KernelRidge")
        _check_solver_options("KernelRidge", self.tol, self.max_iter)
        X, y = _validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=[np.float64, np.float32])
        kernel = self._radial_kernel(X.shape[1])
        seed = _seed(self.random_state)
        targets = np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)
        alphas = self._alphas(targets.shape[1])
        dual = np.empty_like(targets)
        n_iter = np.zeros(targets.shape[1], dtype=np.int64)
        results, choices = [], []
        for alpha in np.unique(alphas):
            columns = np.flatnonzero(alphas == alpha)
            # (c K + alpha I) d = y  <=>  (K + alpha/c I)(c d) = y
            with _fixed_kernel_solver(X, kernel, alpha / kernel.amplitude, self, comm, seed) as solver:
                c, result = solver.solve(np.ascontiguousarray(targets[:, columns]), rtol=self.tol,
                                         max_iter=self.max_iter, on_failure="ignore")
                choice = solver.solver.preconditioner_choice
            _warn_not_converged("KernelRidge", result, columns, alpha, self.tol)
            dual[:, columns] = c / kernel.amplitude
            n_iter[columns] = result.column_iterations
            results.append(result)
            choices.append(None if choice is None else f"{choice[0]}: {choice[1]}")
        self.dual_coef_ = dual.reshape(-1) if y.ndim == 1 else dual
        self.X_fit_ = X
        self.n_iter_ = n_iter
        self.solve_result_ = results
        self.preconditioner_ = choices
        self.kernel_family_ = kernel.family
        self.gamma_ = kernel.g
        self._kernel = kernel
        return self

    def predict(self, X):
        """K(X, X_fit_) dual_coef_: a kernel product, no solve."""
        check_is_fitted(self)
        X = _validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        kernel = self._kernel
        with _fixed_kernel_solver(self.X_fit_, kernel, 0.0, self,
                                  _communicator(self.comm, "KernelRidge")) as solver:
            return solver.predict(kernel.amplitude * self.dual_coef_, kernel.scaled(X))


# -- GaussianProcessRegressor ---------------------------------------------------------------------------------------
class GaussianProcessRegressor(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Gaussian-process regression with fixed hyper-parameters, sklearn's GaussianProcessRegressor interface.

    fit solves (K + alpha I) alpha_ = y iteratively; predict's mean is the kernel product, its standard deviation
    and covariance take extra solves with right-hand sides K(X_train, X) in batches of ``predict_batch_size``.

    kernel: [ConstantKernel(c) *] base [+ WhiteKernel(n)] with base RBF, Matern(nu = 0.5, 1.5, 2.5) or
    RationalQuadratic(alpha = 0.5, 1), isotropic or ARD; None means ConstantKernel(1, "fixed") * RBF(1, "fixed").
    Hyper-parameters are not fitted (that needs a log-determinant, which kernelsolve does not have yet): a kernel
    with free hyper-parameters and an optimizer raises NotImplementedError. alpha: a float >= 0 (or shape (1,)).
    The solver options are KernelRidge's. Fitted: X_train_, y_train_, kernel_, alpha_ (the dual coefficients, as
    scikit-learn's), n_features_in_, n_iter_, solve_result_; there is no L_ and no
    log_marginal_likelihood_value_.
    """

    def __init__(self, kernel=None, *, alpha=1e-10, optimizer="fmin_l_bfgs_b", n_restarts_optimizer=0,
                 normalize_y=False, copy_X_train=True, random_state=None, precision="float64",
                 preconditioner="auto", tol=1e-10, max_iter=10000, truncation=None, predict_batch_size=256,
                 comm=None):
        self.kernel = kernel
        self.alpha = alpha
        self.optimizer = optimizer
        self.n_restarts_optimizer = n_restarts_optimizer
        self.normalize_y = normalize_y
        self.copy_X_train = copy_X_train
        self.random_state = random_state
        self.precision = precision
        self.preconditioner = preconditioner
        self.tol = tol
        self.max_iter = max_iter
        self.truncation = truncation
        self.predict_batch_size = predict_batch_size
        self.comm = comm

    def _kernel_object(self):
        if self.kernel is None:
            return gp_kernels.ConstantKernel(1.0, constant_value_bounds="fixed") * gp_kernels.RBF(
                1.0, length_scale_bounds="fixed")
        return self.kernel

    def _ridge(self):
        alpha = np.asarray(self.alpha)
        if alpha.ndim > 1 or (alpha.ndim == 1 and alpha.size != 1) or alpha.dtype.kind not in "iuf":
            raise ValueError(f"GaussianProcessRegressor: alpha must be a float >= 0 (or an array of shape (1,)); "
                             f"per-sample values (a diagonal ridge) are not supported, got alpha of shape "
                             f"{alpha.shape} and dtype {alpha.dtype}")
        alpha = float(alpha.reshape(-1)[0])
        if not (np.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"GaussianProcessRegressor: alpha must be finite and >= 0, got {self.alpha!r}")
        return alpha

    def _solver(self, kernel, ridge, seed=None):
        return _fixed_kernel_solver(self.X_train_, kernel, ridge / kernel.amplitude, self,
                                    _communicator(self.comm, "GaussianProcessRegressor"), seed)

    def fit(self, X, y):
        """Solves (K + alpha I) alpha_ = y (normalised if normalize_y) with the kernel's fixed hyper-parameters."""
        comm = _communicator(self.comm, "GaussianProcessRegressor")
        _check_solver_options("GaussianProcessRegressor", self.tol, self.max_iter)
        if not isinstance(self.predict_batch_size, numbers.Integral) or self.predict_batch_size < 1:
            raise ValueError(f"GaussianProcessRegressor: predict_batch_size must be an int >= 1, got "
                             f"{self.predict_batch_size!r}")
        if not isinstance(self.n_restarts_optimizer, numbers.Integral) or self.n_restarts_optimizer < 0:
            raise ValueError(f"GaussianProcessRegressor: n_restarts_optimizer must be an int >= 0, got "
                             f"{self.n_restarts_optimizer!r}")
        kernel_object = clone(self._kernel_object())
        if self.optimizer is not None and kernel_object.n_dims > 0:
            free = [h.name for h in kernel_object.hyperparameters if not h.fixed]
            raise NotImplementedError(
                f"GaussianProcessRegressor: the kernel {kernel_object} has free hyper-parameters {free}, which "
                "kernelsolve cannot fit yet (it needs a log-determinant): fix the hyperparameters "
                "(bounds='fixed') or pass optimizer=None; fitting is issue 36")
        ridge = self._ridge()
        X, y = _validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        kernel = _from_gp_kernel(kernel_object, X.shape[1], allow_white=True)
        y = np.asarray(y, dtype=np.float64)
        if self.normalize_y:
            self._y_train_mean = np.mean(y, axis=0)
            std = np.std(y, axis=0)  # zeros (or, per target, below 10 eps) become 1, as sklearn does
            if y.ndim == 1:
                self._y_train_std = std if std != 0 else 1.0
            else:
                self._y_train_std = np.where(std < 10 * np.finfo(std.dtype).eps, 1.0, std)
            y = (y - self._y_train_mean) / self._y_train_std
        else:
            shape = (y.shape[1],) if y.ndim == 2 else 1
            self._y_train_mean = np.zeros(shape)
            self._y_train_std = np.ones(shape)
        self.kernel_ = kernel_object
        self.X_train_ = np.copy(X) if self.copy_X_train else X
        self.y_train_ = np.copy(y) if self.copy_X_train else y
        targets = y.reshape(y.shape[0], -1)
        # (c K + (white + alpha) I) w = y  <=>  (K + (white + alpha)/c I)(c w) = y
        seed = _seed(self.random_state)
        with _fixed_kernel_solver(X, kernel, (kernel.white + ridge) / kernel.amplitude, self, comm,
                                  seed) as solver:
            c, result = solver.solve(np.ascontiguousarray(targets), rtol=self.tol, max_iter=self.max_iter,
                                     on_failure="ignore")
        _warn_not_converged("GaussianProcessRegressor", result, list(range(targets.shape[1])),
                            kernel.white + ridge, self.tol)
        dual = c / kernel.amplitude
        self.alpha_ = dual.reshape(-1) if y.ndim == 1 else dual
        self.n_iter_ = np.asarray(result.column_iterations, dtype=np.int64)
        self.solve_result_ = result
        self._kernel = kernel
        self._nystrom_seed = seed
        self._fitted_ridge = ridge
        return self

    def predict(self, X, return_std=False, return_cov=False):
        """The posterior mean at X, with its standard deviation (return_std) or covariance (return_cov, at most
        2000 points); from the prior before fit. As scikit-learn: normalisation undone, a target axis of size 1
        squeezed, negative variances set to 0 with a warning."""
        if return_std and return_cov:
            raise RuntimeError("At most one of return_std or return_cov can be requested.")
        X = _validate_data(self, X, reset=False, dtype=np.float64)
        if return_cov and X.shape[0] > 2000:
            raise ValueError(f"GaussianProcessRegressor: return_cov is limited to 2000 query points (it is an M x M "
                             f"array and M dense solves), got {X.shape[0]}; use return_std")
        if not hasattr(self, "X_train_"):
            return self._predict_prior(X, return_std, return_cov)
        kernel = self._kernel
        coefficients = kernel.amplitude * self.alpha_
        if not (return_std or return_cov):
            with self._solver(kernel, 0.0) as solver:
                mean = solver.predict(coefficients, kernel.scaled(X))
            return self._undo_normalisation(mean)
        ridge = kernel.white + self._fitted_ridge
        train, query = kernel.scaled(self.X_train_), kernel.scaled(X)
        # colsum(K* . A^-1 K*) / c for std, or all of K*^T A^-1 K* / c for cov, with K* = c phi(X_train, X)
        quadratic = np.empty((X.shape[0], X.shape[0]) if return_cov else X.shape[0])
        query_rows = kernel.profile(query, train) if return_cov else None
        with self._solver(kernel, ridge, self._nystrom_seed) as solver:
            mean = solver.predict(coefficients, query)
            batch = int(self.predict_batch_size)
            for first in range(0, X.shape[0], batch):
                last = min(first + batch, X.shape[0])
                cross = (np.ascontiguousarray(query_rows[first:last].T) if return_cov
                         else kernel.profile(train, query[first:last]))
                z, result = solver.solve(cross, rtol=self.tol, max_iter=self.max_iter, on_failure="ignore")
                _warn_not_converged("GaussianProcessRegressor.predict", result, list(range(first, last)),
                                    ridge, self.tol)
                if return_cov:
                    quadratic[:, first:last] = query_rows @ z
                else:
                    quadratic[first:last] = np.einsum("ij,ij->j", cross, z)
        mean = self._undo_normalisation(mean)
        if return_cov:
            cov = kernel.amplitude * (kernel.profile(query, query) - quadratic)
            cov[np.diag_indices_from(cov)] += kernel.white
            return mean, self._scale_by_target(cov)
        variance = kernel.diagonal() - kernel.amplitude * quadratic
        negative = variance < 0
        if np.any(negative):
            warnings.warn("Predicted variances smaller than 0. Setting those variances to 0.")
            variance[negative] = 0.0
        return mean, np.sqrt(self._scale_by_target(variance))

    def _predict_prior(self, X, return_std, return_cov):
        kernel = _from_gp_kernel(self._kernel_object(), X.shape[1], allow_white=True)
        mean = np.zeros(X.shape[0])
        if return_cov:
            scaled = kernel.scaled(X)
            cov = kernel.amplitude * kernel.profile(scaled, scaled)
            cov[np.diag_indices_from(cov)] += kernel.white
            return mean, cov
        if return_std:
            return mean, np.sqrt(np.full(X.shape[0], kernel.diagonal()))
        return mean

    def _undo_normalisation(self, mean):
        mean = self._y_train_std * mean.reshape(mean.shape[0], -1) + self._y_train_mean
        if self.y_train_.ndim == 1:
            return mean.reshape(-1)
        return mean[:, 0] if mean.shape[1] == 1 else mean

    def _scale_by_target(self, value):
        """value (M,) or (M, M) times each target's variance scale, a trailing axis of size 1 squeezed."""
        scaled = np.multiply.outer(value, np.atleast_1d(self._y_train_std) ** 2)
        return scaled[..., 0] if scaled.shape[-1] == 1 else scaled

    def sample_y(self, X, n_samples=1, random_state=0):
        """Samples of the posterior (prior before fit) at X, as scikit-learn's: (n_X, n_samples) or
        (n_X, n_targets, n_samples)."""
        rng = check_random_state(random_state)
        mean, cov = self.predict(X, return_cov=True)
        if mean.ndim == 1:
            return rng.multivariate_normal(mean, cov, n_samples).T
        return np.hstack([rng.multivariate_normal(mean[:, t], cov[..., t], n_samples).T[:, np.newaxis]
                          for t in range(mean.shape[1])])

    def log_marginal_likelihood(self, theta=None, eval_gradient=False, clone_kernel=True):
        """Not available: it needs log det(K + alpha I), which kernelsolve does not compute yet (issue 36)."""
        raise NotImplementedError("GaussianProcessRegressor.log_marginal_likelihood needs a log-determinant, which "
                                  "kernelsolve does not compute yet (issue 36)")

    def _more_tags(self):
        return {"requires_fit": False}
