"""kernelsolve.interpolate.RBFInterpolator against SciPy's RBFInterpolator (a dense LU solve of the saddle system)."""

import warnings

import numpy as np
import pytest

pytest.importorskip("scipy")

from scipy.interpolate import RBFInterpolator as ScipyRBF  # noqa: E402

import kernelsolve  # noqa: E402
from dense import max_relative_error as relative_error  # noqa: E402
from kernelsolve.interpolate import RBFInterpolator  # noqa: E402

KERNELS = ["gaussian", "inverse_quadratic", "inverse_multiquadric"]


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(11)
    y = rng.uniform(-1, 1, size=(150, 2))
    x = rng.uniform(-1.1, 1.1, size=(40, 2))
    values = np.sin(3 * y[:, 0]) * np.cos(2 * y[:, 1]) + y[:, 0] + 2
    return y, x, values


def interpolators(y, d, kernel, degree, smoothing, epsilon=12.0):
    """Ours (default preconditioner) and SciPy's."""
    ours = RBFInterpolator(y, d, smoothing=smoothing, kernel=kernel, epsilon=epsilon, degree=degree, tol=1e-13)
    reference = ScipyRBF(y, d, smoothing=smoothing, kernel=kernel, epsilon=epsilon, degree=degree)
    return ours, reference


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("degree", [-1, 0, 1])
@pytest.mark.parametrize("smoothing", [0.0, 1e-3])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
def test_matches_scipy(points, kernel, degree, smoothing, trailing):
    y, x, values = points
    d = values if not trailing else values[:, None, None] * np.arange(1, 7).reshape(trailing) - np.arange(6).reshape(
        trailing)
    ours, reference = interpolators(y, d, kernel, degree, smoothing)
    assert ours.solve_result.converged
    predicted, expected = ours(x), reference(x)
    assert predicted.shape == expected.shape == (len(x),) + trailing
    assert predicted.dtype == expected.dtype
    assert relative_error(predicted, expected) < 1e-8
    # the same coefficients in SciPy's layout: [kernel coefficients; polynomial coefficients of the shifted and
    # scaled coordinates], which checks SciPy's shift, scale and monomial order too
    np.testing.assert_allclose(ours._shift, reference._shift, rtol=1e-15)
    np.testing.assert_allclose(ours._scale, reference._scale, rtol=1e-15)
    np.testing.assert_array_equal(ours.powers, reference.powers)
    assert relative_error(ours._coeffs, reference._coeffs) < 1e-7
    if smoothing == 0:  # an interpolant: it reproduces the data
        assert relative_error(ours(y), d) < 1e-8


def test_degree_two_in_three_dimensions_and_default_degree():
    rng = np.random.default_rng(5)
    y, x = rng.uniform(0, 2, size=(120, 3)), rng.uniform(0, 2, size=(30, 3))
    d = np.exp(-y.sum(axis=1)) + y[:, 0] * y[:, 2]
    ours = RBFInterpolator(y, d, kernel="gaussian", epsilon=3.0, degree=2, smoothing=1e-4, tol=1e-13)
    reference = ScipyRBF(y, d, kernel="gaussian", epsilon=3.0, degree=2, smoothing=1e-4)
    assert ours.powers.shape == (10, 3)
    np.testing.assert_array_equal(ours.powers, reference.powers)
    assert relative_error(ours(x), reference(x)) < 1e-8
    default = RBFInterpolator(y, d, kernel="gaussian", epsilon=3.0, smoothing=1e-4, tol=1e-13)
    assert default.powers.shape == (1, 3)  # degree None is 0, SciPy's default for positive definite kernels
    assert relative_error(default(x), ScipyRBF(y, d, kernel="gaussian", epsilon=3.0, smoothing=1e-4)(x)) < 1e-8


def test_complex_data_as_scipy(points):
    y, x, values = points
    d = values + 1j * np.cos(y[:, 1])
    ours, reference = interpolators(y, d, "inverse_multiquadric", 1, 1e-3)
    assert ours(x).dtype == np.complex128
    assert relative_error(ours(x), reference(x)) < 1e-8


def test_matches_a_dense_numpy_solve(points):
    """An independent reference: the saddle system [K + sI, P; P^T, 0] solved densely with the profile."""
    y, x, values = points
    epsilon, smoothing = 12.0, 1e-3
    ours = RBFInterpolator(y, values, kernel="inverse_quadratic", epsilon=epsilon, smoothing=smoothing, degree=1,
                           tol=1e-13)

    def kernel(a, b):
        return kernelsolve.evaluate_profile("cauchy", epsilon ** 2 * ((a[:, None] - b[None]) ** 2).sum(axis=2))

    P = np.column_stack([np.ones(len(y)), y])  # any basis of the linear polynomials gives the same interpolant
    n = len(y)
    saddle = np.block([[kernel(y, y) + smoothing * np.eye(n), P], [P.T, np.zeros((3, 3))]])
    coefficients = np.linalg.solve(saddle, np.concatenate([values, np.zeros(3)]))
    expected = kernel(x, y) @ coefficients[:n] + np.column_stack([np.ones(len(x)), x]) @ coefficients[n:]
    assert relative_error(ours(x), expected) < 1e-8


def test_no_preconditioner_without_ridge(points):
    """The contrast to the next test: the same system without a preconditioner converges."""
    y, x, values = points
    ours = RBFInterpolator(y, values, kernel="inverse_multiquadric", epsilon=8.0, tol=1e-12, preconditioner="none")
    reference = ScipyRBF(y, values, kernel="inverse_multiquadric", epsilon=8.0)
    assert ours.solve_result.converged
    assert relative_error(ours(x), reference(x)) < 1e-8


def test_auto_preconditioner_without_ridge(points):
    # The Nystrom factor reaches full rank here: its shift must stay above the factor's rounding noise
    # (docs/design/nystrom.md), or the default path breaks down at smoothing = 0.
    y, x, values = points
    with warnings.catch_warnings():
        warnings.simplefilter("error", kernelsolve.ConvergenceWarning)
        ours = RBFInterpolator(y, values, kernel="inverse_multiquadric", epsilon=8.0, tol=1e-12)
    reference = ScipyRBF(y, values, kernel="inverse_multiquadric", epsilon=8.0)
    assert relative_error(ours(x), reference(x)) < 1e-8


def test_not_converging_warns(points):
    y, _, values = points
    with pytest.warns(kernelsolve.ConvergenceWarning, match="did not converge"):
        ours = RBFInterpolator(y, values, kernel="gaussian", epsilon=2.0, preconditioner="none", max_iter=3)
    assert not ours.solve_result.converged


# -- errors --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", ["thin_plate_spline", "linear", "cubic", "quintic", "multiquadric",
                                    "THIN_PLATE_SPLINE"])
def test_refuses_conditionally_positive_definite_kernels(points, kernel):
    y, _, values = points
    with pytest.raises(ValueError, match="not positive definite.*'gaussian', 'inverse_quadratic', "
                                         "'inverse_multiquadric'"):
        RBFInterpolator(y, values, kernel=kernel, epsilon=1.0)


def test_default_kernel_is_refused(points):
    y, _, values = points
    with pytest.raises(ValueError, match="kernel='thin_plate_spline' is not positive definite"):
        RBFInterpolator(y, values)


@pytest.mark.parametrize("arguments,exception,message", [
    ({"kernel": "wendland", "epsilon": 1.0}, ValueError, "unknown kernel 'wendland'"),
    ({"kernel": "gaussian"}, ValueError, "epsilon must be specified"),
    ({"kernel": "gaussian", "epsilon": 0.0}, ValueError, "epsilon must be a finite, non-zero"),
    ({"kernel": "gaussian", "epsilon": np.inf}, ValueError, "epsilon must be a finite, non-zero"),
    ({"kernel": "gaussian", "epsilon": 1.0, "neighbors": 20}, NotImplementedError, "truncation="),
    ({"kernel": "gaussian", "epsilon": 1.0, "smoothing": np.full(150, 0.1)}, ValueError,
     "per-point smoothing of shape \\(150,\\)"),
    ({"kernel": "gaussian", "epsilon": 1.0, "smoothing": -1.0}, ValueError, "smoothing must be a finite float >= 0"),
    ({"kernel": "gaussian", "epsilon": 1.0, "degree": -2}, ValueError, "degree must be an int >= -1"),
    ({"kernel": "gaussian", "epsilon": 1.0, "degree": 1.5}, ValueError, "degree must be an int >= -1"),
    ({"kernel": "gaussian", "epsilon": 1.0, "tol": 0.0}, ValueError, "tol must be"),
    ({"kernel": "gaussian", "epsilon": 1.0, "max_iter": 0}, ValueError, "max_iter must be"),
    ({"kernel": "gaussian", "epsilon": 1.0, "precision": "half"}, ValueError, "unknown precision 'half'"),
    ({"kernel": "gaussian", "epsilon": 1.0, "preconditioner": "ilu"}, ValueError, "unknown preconditioner 'ilu'"),
])
def test_refuses_bad_parameters(points, arguments, exception, message):
    y, _, values = points
    with pytest.raises(exception, match=message):
        RBFInterpolator(y, values, **arguments)


def test_refuses_bad_data(points):
    y, x, values = points
    options = {"kernel": "gaussian", "epsilon": 5.0}
    with pytest.raises(ValueError, match="y must hold real numbers.*complex128"):
        RBFInterpolator(y + 0j, values, **options)
    with pytest.raises(ValueError, match="y must hold real numbers.*object"):
        RBFInterpolator(y.astype(object), values, **options)
    with pytest.raises(ValueError, match="d must hold real or complex numbers.*<U"):
        RBFInterpolator(y, values.astype(str), **options)
    with pytest.raises(ValueError, match="y holds NaN or Inf"):
        RBFInterpolator(np.where(y > 0.9, np.nan, y), values, **options)
    with pytest.raises(ValueError, match="d holds NaN or Inf"):
        RBFInterpolator(y, np.where(values > 2.5, np.inf, values), **options)
    with pytest.raises(ValueError, match="y must be a 2-dimensional array"):
        RBFInterpolator(y[:, 0], values, **options)
    with pytest.raises(ValueError, match="first axis of d to have length 150"):
        RBFInterpolator(y, values[:-1], **options)
    with pytest.raises(ValueError, match="at least 6 data points are required when degree is 2"):
        RBFInterpolator(y[:5], values[:5], degree=2, **options)
    line = np.column_stack([np.linspace(0, 1, 20), np.linspace(0, 2, 20)])
    with pytest.raises(np.linalg.LinAlgError, match="full column rank \\(2/3\\)"):
        RBFInterpolator(line, line[:, 0], degree=1, **options)
    interpolator = RBFInterpolator(y, values, smoothing=1e-3, **options)
    with pytest.raises(ValueError, match="second axis of x to have length 2"):
        interpolator(x[:, :1])
    with pytest.raises(ValueError, match="x must be a 2-dimensional array"):
        interpolator(x[0])
    with pytest.raises(ValueError, match="x holds NaN or Inf"):
        interpolator(np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="x must hold real numbers.*complex"):
        interpolator(x + 1j)
