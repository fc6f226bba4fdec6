"""Independent dense references for the tests: the kernel matrix from kernelsolve.evaluate_profile (checked
against closed forms in test_solver.py) and LAPACK solves through NumPy."""

import numpy as np

import kernelsolve


def squared_distances(x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


def kernel_matrix(family, g, x, y=None):
    return kernelsolve.evaluate_profile(family, g * squared_distances(x, x if y is None else y))


def dense_solve(family, g, alpha, x, b):
    a = kernel_matrix(family, g, x) + alpha * np.eye(len(x))
    return np.linalg.solve(a, np.asarray(b, dtype=np.float64))


def relative_error(a, b):
    return np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b))


def max_relative_error(actual, expected):
    """The largest difference relative to the largest value (as SciPy / scikit-learn comparisons are read)."""
    return np.abs(np.asarray(actual) - expected).max() / np.abs(expected).max()


def points(n, d=2, seed=0):
    return np.random.default_rng(seed).random((n, d))
