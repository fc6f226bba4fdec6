"""Run under mpiexec -n 2 and 3 (python/tests.cmake): every rank runs every test collectively. Rank-local rows on
MPI_COMM_WORLD give the same bits as all rows on one process; a bad input on one rank raises the same error on
every rank; the replicated layers give every rank the same results."""

import numpy as np
import pytest

import kernelsolve
from dense import dense_solve, points, relative_error

MPI_SIZE = kernelsolve.Communicator("world").size


def _split(rows, rank, size):
    # An uneven split on purpose: the solver accepts any.
    cuts = [0] + [rows * (r + 1) // (size + 1) + (r + 1) * 3 for r in range(size - 1)] + [rows]
    return cuts[rank], cuts[rank + 1]


@pytest.mark.parametrize("precision", ["float64", "mixed", "float32"])
@pytest.mark.parametrize("preconditioner", ["nystrom", "schwarz"])
def test_rank_local_rows_give_the_bits_of_one_process(precision, preconditioner):
    world = kernelsolve.Communicator("world")
    assert world.size == MPI_SIZE and MPI_SIZE > 1
    x = points(600)
    b = np.random.default_rng(1).standard_normal((600, 2))
    e = np.random.default_rng(2).standard_normal((600, 2))
    first, last = _split(600, world.rank, world.size)
    options = dict(sigma=0.05, alpha=0.01, precision=precision, preconditioner=preconditioner)
    local = kernelsolve.KernelSolver(x[first:last], comm=world, **options)
    c_local, result = local.solve(b[first:last])
    grad = local.gradient(c_local, e[first:last])
    whole = kernelsolve.KernelSolver(x, comm="self", **options)
    c_whole, result_whole = whole.solve(b)
    grad_whole = whole.gradient(c_whole, e)
    assert result.converged and result.iterations == result_whole.iterations
    np.testing.assert_array_equal(local.gather(c_local), c_whole)
    np.testing.assert_array_equal(local.gather(grad.points), grad_whole.points)
    assert grad.ridge == grad_whole.ridge and grad.kernel_parameter == grad_whole.kernel_parameter
    new = points(50, seed=7)
    lo, hi = _split(50, world.rank, world.size)
    np.testing.assert_array_equal(local.predict(c_local, new[lo:hi]), whole.predict(c_whole, new)[lo:hi])


def test_empty_rank_is_fine():
    world = kernelsolve.Communicator("world")
    x = points(200)
    mine = x if world.rank == 0 else x[:0]
    solver = kernelsolve.KernelSolver(mine, sigma=0.1, comm=world)
    c, result = solver.solve(np.ones(len(mine)))
    assert result.converged and solver.global_rows == 200
    assert relative_error(solver.gather(c), dense_solve("gaussian", 50.0, 0.01, x, np.ones(200))) < 1e-8


def test_bad_rows_on_one_rank_raise_the_same_error_everywhere():
    world = kernelsolve.Communicator("world")
    x = points(100)
    first, last = _split(100, world.rank, world.size)
    mine = x[first:last].copy()
    if world.rank == world.size - 1:
        mine[0, 0] = np.nan
    with pytest.raises(kernelsolve.InvalidArgument, match=f"rank {world.size - 1}: points holds NaN or Inf"):
        kernelsolve.KernelSolver(mine, sigma=0.1, comm=world)
    solver = kernelsolve.KernelSolver(x[first:last], sigma=0.1, comm=world)
    b = np.ones(last - first + (1 if world.rank == 0 else 0))
    with pytest.raises(kernelsolve.InvalidArgument, match="rank 0: b has"):
        solver.solve(b)
    dimension = 3 if world.rank == 1 else 2
    with pytest.raises(kernelsolve.InvalidArgument):  # the C++ library agrees on a D mismatch
        kernelsolve.KernelSolver(points(10, d=dimension), sigma=0.1, comm=world)


def test_replicated_keops_drop_in_gives_every_rank_the_result_of_one_process():
    from kernelsolve.numpy import KernelSolve

    x = points(400)
    b = np.random.default_rng(3).random((400, 2))
    aliases = ["x = Vi(2)", "y = Vj(2)", "b = Vj(2)", "g = Pm(1)"]
    on_world = KernelSolve("Exp(-g*SqDist(x,y))*b", aliases, "b", axis=1, comm="world")
    alone = KernelSolve("Exp(-g*SqDist(x,y))*b", aliases, "b", axis=1)
    c_world = on_world(x, x, b, np.array([50.0]), alpha=0.01, eps=1e-10)
    c_alone = alone(x, x, b, np.array([50.0]), alpha=0.01, eps=1e-10)
    np.testing.assert_array_equal(c_world, c_alone)


def test_mpi4py_split_communicator():
    MPI = pytest.importorskip("mpi4py.MPI")
    world = MPI.COMM_WORLD
    half = world.Split(world.Get_rank() % 2, world.Get_rank())
    comm = kernelsolve.Communicator(half)
    x = points(300, seed=world.Get_rank() % 2)
    first, last = _split(300, comm.rank, comm.size) if comm.size > 1 else (0, 300)
    solver = kernelsolve.KernelSolver(x[first:last], sigma=0.1, comm=comm)
    c, result = solver.solve(np.ones(last - first))
    assert relative_error(solver.gather(c), dense_solve("gaussian", 50.0, 0.01, x, np.ones(300))) < 1e-8
    solver.close()
    half.Free()


def test_replicated_estimators_give_every_rank_the_bits_of_one_process():
    pytest.importorskip("sklearn")
    pytest.importorskip("scipy")
    from kernelsolve.interpolate import RBFInterpolator
    from kernelsolve.sklearn import GaussianProcessRegressor, KernelRidge

    X = points(300, d=3)
    y = np.sin(X).sum(axis=1)
    X_new = points(40, d=3, seed=8)
    world = kernelsolve.Communicator("world")
    ridge_world = KernelRidge(alpha=1e-2, gamma=2.0, comm=world).fit(X, y)
    ridge_self = KernelRidge(alpha=1e-2, gamma=2.0).fit(X, y)
    np.testing.assert_array_equal(ridge_world.dual_coef_, ridge_self.dual_coef_)
    np.testing.assert_array_equal(ridge_world.predict(X_new), ridge_self.predict(X_new))
    gp_world = GaussianProcessRegressor(alpha=1e-2, comm=world).fit(X, y)
    gp_self = GaussianProcessRegressor(alpha=1e-2).fit(X, y)
    for a, b in zip(gp_world.predict(X_new, return_std=True), gp_self.predict(X_new, return_std=True)):
        np.testing.assert_array_equal(a, b)
    interpolant_world = RBFInterpolator(X, y, kernel="gaussian", epsilon=2.0, smoothing=1e-3, comm=world)
    interpolant_self = RBFInterpolator(X, y, kernel="gaussian", epsilon=2.0, smoothing=1e-3)
    np.testing.assert_array_equal(interpolant_world(X_new), interpolant_self(X_new))
