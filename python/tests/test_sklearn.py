"""kernelsolve.sklearn against scikit-learn's own dense implementations and dense NumPy solves."""

import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.gaussian_process import GaussianProcessRegressor as SkGPR  # noqa: E402
from sklearn.gaussian_process import kernels as K  # noqa: E402
from sklearn.kernel_ridge import KernelRidge as SkKernelRidge  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

import kernelsolve  # noqa: E402
from dense import max_relative_error as relative_error  # noqa: E402
from kernelsolve.sklearn import GaussianProcessRegressor, KernelRidge  # noqa: E402


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    X = rng.uniform(-2, 2, size=(250, 3))
    y = np.sin(X).sum(axis=1) + 0.1 * rng.normal(size=250)
    Y = np.column_stack([y, np.cos(X[:, 0]) * 3 - 1, X[:, 1] ** 2])
    X_test = rng.uniform(-2, 2, size=(60, 3))
    return X, y, Y, X_test


def dense_profile(family, g, A, B):
    squared = ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=2)
    return kernelsolve.evaluate_profile(family, g * squared)


# -- check_estimator ------------------------------------------------------------------------------------------------
def test_kernel_ridge_passes_check_estimator():
    check_estimator(KernelRidge())


def test_gaussian_process_passes_check_estimator():
    with warnings.catch_warnings():
        # the default alpha=1e-10 makes the RBF system nearly singular: some checks' solves stop short and say so
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_estimator(GaussianProcessRegressor())


# -- KernelRidge: results ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [1.0, 0.01, [0.1, 1.0, 0.1]])
def test_kernel_ridge_rbf_matches_sklearn(data, alpha):
    X, y, Y, X_test = data
    ours = KernelRidge(alpha=alpha, kernel="rbf", gamma=0.3, tol=1e-12).fit(X, Y)
    reference = SkKernelRidge(alpha=alpha, kernel="rbf", gamma=0.3).fit(X, Y)
    assert ours.dual_coef_.shape == reference.dual_coef_.shape == Y.shape
    assert relative_error(ours.dual_coef_, reference.dual_coef_) < 1e-8
    assert relative_error(ours.predict(X_test), reference.predict(X_test)) < 1e-9
    assert ours.n_iter_.shape == (3,) and np.all(ours.n_iter_ >= 1)
    assert len(ours.solve_result_) == len(np.unique(alpha)) and all(r.converged for r in ours.solve_result_)
    assert ours.kernel_family_ == "gaussian" and ours.gamma_ == 0.3


def test_kernel_ridge_default_gamma_and_single_target(data):
    X, y, _, X_test = data
    ours = KernelRidge(alpha=0.1, tol=1e-12).fit(X, y)
    reference = SkKernelRidge(alpha=0.1, kernel="rbf").fit(X, y)
    assert ours.gamma_ == pytest.approx(1 / 3)
    assert ours.dual_coef_.shape == (250,) and ours.predict(X_test).shape == (60,)
    assert relative_error(ours.predict(X_test), reference.predict(X_test)) < 1e-9
    assert ours.score(X, y) == pytest.approx(reference.score(X, y), rel=1e-10)


@pytest.mark.parametrize("kernel,family", [("exponential", "laplacian"), ("matern32", "matern32"),
                                           ("matern52", "matern52"), ("cauchy", "cauchy"),
                                           ("inverse_multiquadric", "inverse_multiquadric"),
                                           ("gaussian", "gaussian")])
def test_kernel_ridge_families_match_a_dense_solve(data, kernel, family):
    X, _, Y, X_test = data
    ours = KernelRidge(alpha=0.05, kernel=kernel, gamma=0.7, tol=1e-12).fit(X, Y)
    dual = np.linalg.solve(dense_profile(family, 0.7, X, X) + 0.05 * np.eye(len(X)), Y)
    assert ours.kernel_family_ == family
    assert relative_error(ours.dual_coef_, dual) < 1e-8
    assert relative_error(ours.predict(X_test), dense_profile(family, 0.7, X_test, X) @ dual) < 1e-9


@pytest.mark.parametrize("kernel", [K.ConstantKernel(2.5) * K.RBF(0.8), K.RBF([0.5, 1.0, 2.0]),
                                    K.Matern(0.9, nu=1.5) * K.ConstantKernel(0.5), K.Matern(1.2, nu=0.5),
                                    K.RationalQuadratic(length_scale=0.7, alpha=1.0),
                                    K.RationalQuadratic(length_scale=0.7, alpha=0.5)])
def test_kernel_ridge_gaussian_process_kernels_match_sklearn(data, kernel):
    X, _, Y, X_test = data
    ours = KernelRidge(alpha=0.05, kernel=kernel, tol=1e-12).fit(X, Y)
    reference = SkKernelRidge(alpha=0.05, kernel=kernel).fit(X, Y)
    assert relative_error(ours.dual_coef_, reference.dual_coef_) < 1e-8
    assert relative_error(ours.predict(X_test), reference.predict(X_test)) < 1e-9


# -- KernelRidge: behaviour ----------------------------------------------------------------------------------------
def test_kernel_ridge_is_reproducible_and_pickles(data):
    X, _, Y, X_test = data
    first = KernelRidge(alpha=0.01, preconditioner="nystrom", random_state=3).fit(X, Y)
    second = KernelRidge(alpha=0.01, preconditioner="nystrom", random_state=3).fit(X, Y)
    np.testing.assert_array_equal(first.dual_coef_, second.dual_coef_)
    assert first.preconditioner_[0].startswith("nystrom")
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict(X_test), first.predict(X_test))
    before = dict(first.__dict__)
    first.predict(X_test)
    assert first.__dict__.keys() == before.keys() and all(first.__dict__[k] is before[k] for k in before)


def test_kernel_ridge_accepts_read_only_memmaps(data, tmp_path):
    X, y, _, X_test = data
    path = tmp_path / "X.npy"
    np.save(path, X)
    X_map = np.load(path, mmap_mode="r")
    y_read_only = y.copy()
    y_read_only.setflags(write=False)
    ours = KernelRidge(alpha=0.1, gamma=0.5).fit(X_map, y_read_only)
    reference = KernelRidge(alpha=0.1, gamma=0.5).fit(X, y)
    np.testing.assert_array_equal(ours.predict(np.load(path, mmap_mode="r")[:7]), reference.predict(X[:7]))


def test_kernel_ridge_warns_sklearn_convergence_warning(data):
    X, y, _, _ = data
    with pytest.warns(ConvergenceWarning, match="did not reach tol"):
        model = KernelRidge(alpha=1e-6, preconditioner="none", max_iter=2).fit(X, y)
    assert not model.solve_result_[0].converged and model.n_iter_[0] == 2


def test_kernel_ridge_alpha_zero_with_duplicates_stops(data):
    X, y, _, _ = data
    doubled, targets = np.vstack([X[:40], X[:40]]), np.concatenate([y[:40], y[:40] + 1])
    with pytest.warns(ConvergenceWarning):
        model = KernelRidge(alpha=0.0, preconditioner="none", max_iter=50).fit(doubled, targets)
    assert model.n_iter_[0] <= 50


def test_kernel_ridge_communicators(data):
    X, y, _, X_test = data
    expected = KernelRidge(alpha=0.1).fit(X, y).predict(X_test)
    for comm in ("self", "world", kernelsolve.Communicator("self")):
        np.testing.assert_array_equal(KernelRidge(alpha=0.1, comm=comm).fit(X, y).predict(X_test), expected)

    class FakeMpi4pyComm:  # what identifies an mpi4py communicator
        def py2f(self):
            return 0

        def Get_rank(self):
            return 0

    with pytest.raises(TypeError, match=r"kernelsolve\.Communicator\(comm\)"):
        KernelRidge(comm=FakeMpi4pyComm()).fit(X, y)
    with pytest.raises(TypeError, match="comm must be"):
        KernelRidge(comm=3).fit(X, y)
    with pytest.raises(ValueError, match="unknown communicator"):
        KernelRidge(comm="everyone").fit(X, y)


# -- KernelRidge: errors -------------------------------------------------------------------------------------------
def test_kernel_ridge_refuses_sklearns_l1_laplacian(data):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="L1.*kernel='exponential'"):
        KernelRidge(kernel="laplacian").fit(X, y)


@pytest.mark.parametrize("kernel", ["linear", "poly", "polynomial", "sigmoid", "cosine", "chi2", "additive_chi2",
                                    "precomputed", "nonsense", np.dot])
def test_kernel_ridge_refuses_kernels_that_are_not_radial(data, kernel):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="not supported.*'rbf'.*'exponential'.*'inverse_multiquadric'"):
        KernelRidge(kernel=kernel).fit(X, y)


@pytest.mark.parametrize("kernel,message", [
    (K.RBF(1.0) + K.WhiteKernel(0.1), "WhiteKernel: give the noise as alpha"),
    (K.DotProduct(), "not supported"),
    (K.Matern(1.0, nu=2.0), r"Matern\(nu=2.0\) is not supported"),
    (K.RationalQuadratic(alpha=2.0), r"RationalQuadratic\(alpha=2.0\) is not supported"),
    (K.ConstantKernel(1.0) + K.RBF(1.0), "not supported"),
    (K.RBF([1.0, 2.0]), "ARD length scale has 2 entries but X has 3 features"),
])
def test_kernel_ridge_refuses_unsupported_kernel_objects(data, kernel, message):
    X, y, _, _ = data
    with pytest.raises(ValueError, match=message):
        KernelRidge(kernel=kernel).fit(X, y)


@pytest.mark.parametrize("params,message", [
    ({"alpha": -1.0}, "alpha must be finite and >= 0"),
    ({"alpha": [1.0, 2.0]}, "number of penalties"),
    ({"alpha": "big"}, "alpha must be a float"),
    ({"gamma": 0.0}, "gamma must be a finite float > 0"),
    ({"gamma": -2.0}, "gamma must be a finite float > 0"),
    ({"kernel_params": {"gamma": 1.0}}, "kernel_params must be None"),
    ({"tol": 0.0}, "tol must be"),
    ({"max_iter": 0}, "max_iter must be"),
    ({"precision": "half"}, "unknown precision 'half'"),
    ({"preconditioner": "ilu"}, "unknown preconditioner 'ilu'"),
    ({"truncation": 2.0}, "truncation must be in"),
])
def test_kernel_ridge_refuses_bad_parameters(data, params, message):
    X, y, _, _ = data
    with pytest.raises(ValueError, match=message):
        KernelRidge(**params).fit(X, y)


def test_kernel_ridge_refuses_bad_data(data):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="Complex data not supported"):
        KernelRidge().fit(X + 1j, y)
    with pytest.raises(ValueError, match="NaN"):
        KernelRidge().fit(np.where(X > 1.9, np.nan, X), y)
    bad_objects = X.astype(object)
    bad_objects[0, 0] = "a"
    with pytest.raises(ValueError, match="could not convert"):
        KernelRidge().fit(bad_objects, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        KernelRidge().fit(X, y[:-1])
    with pytest.raises(NotFittedError):
        KernelRidge().predict(X)
    model = KernelRidge().fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but KernelRidge is expecting 3"):
        model.predict(X[:, :2])
    with pytest.raises(ValueError, match="Expected 2D array"):
        model.predict(X[0])


# -- GaussianProcessRegressor --------------------------------------------------------------------------------------
GP_KERNELS = [
    K.RBF(0.8, "fixed"),
    K.ConstantKernel(2.0, "fixed") * K.RBF(0.8, "fixed") + K.WhiteKernel(0.05, "fixed"),
    K.Matern(0.7, "fixed", nu=1.5),
    K.ConstantKernel(0.5, "fixed") * K.Matern(0.7, "fixed", nu=1.5) + K.WhiteKernel(0.1, "fixed"),
    K.RationalQuadratic(0.9, 1.0, "fixed", "fixed"),
    K.ConstantKernel(1.5, "fixed") * K.RationalQuadratic(0.9, 1.0, "fixed", "fixed") + K.WhiteKernel(0.02, "fixed"),
    K.ConstantKernel(1.5, "fixed") * K.RBF([0.5, 1.0, 2.0], "fixed") + K.WhiteKernel(0.1, "fixed"),
    K.Matern([0.5, 1.0, 2.0], "fixed", nu=2.5),
]


@pytest.mark.parametrize("kernel", GP_KERNELS, ids=[str(k) for k in GP_KERNELS])
@pytest.mark.parametrize("normalize_y", [False, True])
def test_gaussian_process_matches_sklearn(data, kernel, normalize_y):
    X, y, Y, X_test = data
    targets = Y if normalize_y else y
    ours = GaussianProcessRegressor(kernel, alpha=1e-2, normalize_y=normalize_y, tol=1e-12,
                                    predict_batch_size=25).fit(X, targets)
    reference = SkGPR(kernel, alpha=1e-2, normalize_y=normalize_y, optimizer=None).fit(X, targets)
    assert relative_error(ours.alpha_, reference.alpha_) < 1e-8
    mean, std = ours.predict(X_test, return_std=True)
    reference_mean, reference_std = reference.predict(X_test, return_std=True)
    assert mean.shape == reference_mean.shape and std.shape == reference_std.shape
    assert relative_error(mean, reference_mean) < 1e-8
    np.testing.assert_allclose(std, reference_std, rtol=1e-8)
    mean, cov = ours.predict(X_test[:30], return_cov=True)
    reference_mean, reference_cov = reference.predict(X_test[:30], return_cov=True)
    assert cov.shape == reference_cov.shape
    assert relative_error(cov, reference_cov) < 1e-8
    assert relative_error(ours.predict(X_test), reference.predict(X_test)) < 1e-8


def test_gaussian_process_default_kernel_and_prior(data):
    X, y, _, X_test = data
    prior_kernel = K.ConstantKernel(2.0) * K.Matern(0.5, nu=1.5) + K.WhiteKernel(0.3)
    for kernel in (None, prior_kernel):
        mean, std = GaussianProcessRegressor(kernel).predict(X_test, return_std=True)
        reference_mean, reference_std = SkGPR(kernel).predict(X_test, return_std=True)
        np.testing.assert_array_equal(mean, reference_mean)
        np.testing.assert_allclose(std, reference_std, rtol=1e-14)
        cov = GaussianProcessRegressor(kernel).predict(X_test, return_cov=True)[1]
        np.testing.assert_allclose(cov, SkGPR(kernel).predict(X_test, return_cov=True)[1], rtol=1e-12, atol=1e-14)
    # the default kernel is fixed, so the default optimizer does not run
    model = GaussianProcessRegressor(alpha=1e-2, tol=1e-12).fit(X, y)
    reference = SkGPR(alpha=1e-2).fit(X, y)
    assert str(model.kernel_) == str(reference.kernel_)
    assert relative_error(model.predict(X_test), reference.predict(X_test)) < 1e-8
    assert not hasattr(model, "L_") and not hasattr(model, "log_marginal_likelihood_value_")


def test_gaussian_process_sample_y_shapes(data):
    X, y, Y, X_test = data
    model = GaussianProcessRegressor(K.RBF(1.0, "fixed") + K.WhiteKernel(0.1, "fixed"), alpha=1e-2).fit(X, Y)
    samples = model.sample_y(X_test[:10], n_samples=4)
    assert samples.shape == (10, 3, 4) and np.isfinite(samples).all()


def test_gaussian_process_refuses_free_hyperparameters(data):
    X, y, _, X_test = data
    with pytest.raises(NotImplementedError, match="bounds='fixed'.*optimizer=None"):
        GaussianProcessRegressor(K.RBF(1.0)).fit(X, y)
    # without an optimizer the given values are used, as in sklearn
    ours = GaussianProcessRegressor(K.RBF(1.0), optimizer=None, alpha=0.1, tol=1e-12).fit(X, y)
    reference = SkGPR(K.RBF(1.0), optimizer=None, alpha=0.1).fit(X, y)
    assert relative_error(ours.predict(X_test), reference.predict(X_test)) < 1e-8
    with pytest.raises(NotImplementedError, match="log-determinant"):
        ours.log_marginal_likelihood()


@pytest.mark.parametrize("kernel,message", [
    (K.DotProduct(sigma_0_bounds="fixed"), "not supported"),
    (K.ExpSineSquared(length_scale_bounds="fixed", periodicity_bounds="fixed"), "not supported"),
    (K.Matern(1.0, "fixed", nu=2.0), r"Matern\(nu=2.0\)"),
    (K.RBF(1.0, "fixed") + K.RBF(2.0, "fixed"), "a sum must be base \\+ WhiteKernel"),
    (K.RBF(1.0, "fixed") * K.RBF(2.0, "fixed"), "not supported"),
])
def test_gaussian_process_refuses_unsupported_kernels(data, kernel, message):
    X, y, _, _ = data
    with pytest.raises(ValueError, match=message):
        GaussianProcessRegressor(kernel).fit(X, y)


def test_gaussian_process_refuses_bad_arguments(data):
    X, y, _, X_test = data
    with pytest.raises(ValueError, match="per-sample values"):
        GaussianProcessRegressor(alpha=np.full(len(X), 0.1)).fit(X, y)
    model = GaussianProcessRegressor(alpha=np.array([0.1]), tol=1e-12).fit(X, y)
    assert model.alpha.shape == (1,)  # never rewritten
    with pytest.raises(ValueError, match="alpha must be finite and >= 0"):
        GaussianProcessRegressor(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="predict_batch_size"):
        GaussianProcessRegressor(predict_batch_size=0).fit(X, y)
    with pytest.raises(RuntimeError, match="At most one"):
        model.predict(X_test, return_std=True, return_cov=True)
    with pytest.raises(ValueError, match="return_cov is limited to 2000"):
        model.predict(np.zeros((2001, 3)), return_cov=True)
    with pytest.raises(ValueError, match="Complex data not supported"):
        GaussianProcessRegressor().fit(X + 1j, y)
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.full((2, 3), np.nan))
