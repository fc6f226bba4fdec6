"""The scikit-learn and SciPy drop-ins on one data set, each beside its original (run by ctest:
python_example_drop_ins). Only the import changes; kernelsolve solves matrix-free with a preconditioned CG."""
import numpy as np
from scipy.interpolate import RBFInterpolator as ScipyRBFInterpolator
from sklearn.kernel_ridge import KernelRidge as SklearnKernelRidge

from kernelsolve.interpolate import RBFInterpolator
from kernelsolve.sklearn import GaussianProcessRegressor, KernelRidge

rng = np.random.default_rng(1)
X = rng.uniform(-1, 1, (2000, 2))
y = np.sin(3 * X[:, 0]) * np.cos(2 * X[:, 1])
X_new = rng.uniform(-1, 1, (500, 2))

ridge = KernelRidge(alpha=1e-3, kernel="rbf", gamma=10.0).fit(X, y)
reference = SklearnKernelRidge(alpha=1e-3, kernel="rbf", gamma=10.0).fit(X, y)
print("KernelRidge:", ridge.preconditioner_[0].split(":")[0], "preconditioner,", ridge.n_iter_[0], "iterations")

gp = GaussianProcessRegressor(alpha=1e-4).fit(X, y)  # the fixed default kernel 1.0 * RBF(1.0)
mean, std = gp.predict(X_new[:20], return_std=True)

interpolant = RBFInterpolator(X, y, kernel="gaussian", epsilon=3.0, smoothing=1e-6)  # SciPy's kernel= must be given
scipy_interpolant = ScipyRBFInterpolator(X, y, kernel="gaussian", epsilon=3.0, smoothing=1e-6)

for name, ours, theirs in [("KernelRidge", ridge.predict(X_new), reference.predict(X_new)),
                           ("RBFInterpolator", interpolant(X_new), scipy_interpolant(X_new))]:
    difference = np.abs(ours - theirs).max() / np.abs(theirs).max()
    print(f"{name}: largest difference to the original, relative: {difference:.1e}")
    assert difference < 1e-7, (name, difference)
assert std.shape == (20,) and np.all(std >= 0)
