"""README's Python quick start, run by ctest (python_example_quickstart): solve, predict and differentiate with
kernelsolve.KernelSolver on NumPy arrays, checked against a dense solve."""
import numpy as np

import kernelsolve

rng = np.random.default_rng(0)
x = rng.random((5000, 2))  # N x D points (under mpirun: this rank's rows)
b = rng.random((5000, 2))  # N x Dv right-hand sides
solver = kernelsolve.KernelSolver(x, kernel="gaussian", sigma=0.1, alpha=0.01, precision="mixed")
c, result = solver.solve(b, rtol=1e-10)  # (K + alpha I) c = b; a ConvergenceWarning if a column fails
print(result.reasons, result.iterations, solver.preconditioner_choice[0])
values = solver.predict(c, rng.random((10, 2)))  # K(new points, x) c
grad = solver.gradient(c, e=np.ones_like(c))  # of L = <e, c>: grad.points, .right_hand_sides, .ridge, .sigma

# The check (not part of the README excerpt): against LAPACK on the whole matrix.
r2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
dense = np.linalg.solve(np.exp(-50.0 * r2) + 0.01 * np.eye(len(x)), b)
error = np.linalg.norm(c - dense) / np.linalg.norm(dense)
print(f"relative error against the dense solve: {error:.1e}")
assert result.converged and error < 1e-8, error
