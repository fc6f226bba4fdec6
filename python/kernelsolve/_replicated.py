"""Whole arrays on every rank: the layers that mirror KeOps, scikit-learn and SciPy hold full arrays (one process,
or the same arrays on every rank of a communicator). Each rank gives the solver its balanced block of rows and
every rank gets the full results back: the same numbers on any rank count."""

import numpy as np

from . import _core
from ._results import Gradient
from ._runtime import as_communicator
from ._solver import KernelSolver

__all__ = ["ReplicatedSolver", "block_of"]


def block_of(rows, comm):
    """[first, last) of this rank's balanced block of `rows` rows."""
    rank, size = comm.rank, comm.size
    return rows * rank // size, rows * (rank + 1) // size


class ReplicatedSolver:
    """A KernelSolver over full arrays replicated on every rank of `comm` (None: "self").

    points: (N, D) float32/float64; options: KernelSolver's keywords (kernel, sigma, gamma, alpha, precision, ...).
    """

    def __init__(self, points, comm=None, **options):
        self.comm = as_communicator(comm, "self")
        points = np.asarray(points)
        self.rows = points.shape[0]
        self.first, self.last = block_of(self.rows, self.comm)
        self.solver = KernelSolver(points[self.first:self.last], comm=self.comm, **options)

    def _block(self, array):
        return None if array is None else np.asarray(array)[self.first:self.last]

    def solve(self, b, **criteria):
        """(c, SolveResult) for the full b ((N,) or (N, Dv)); c float64, b's shape, on every rank."""
        c, result = self.solver.solve(self._block(b), **criteria)
        return self.solver.gather(c), result

    def gradient(self, c, e, **criteria):
        """The gradients of <e, c> as full arrays on every rank (Gradient)."""
        g = self.solver.gradient(self._block(c), self._block(e), **criteria)
        for name in ("right_hand_sides", "points", "points_as_targets", "points_as_sources"):
            setattr(g, name, self.solver.gather(getattr(g, name)))
        return g

    def predict(self, c, new_points):
        """K(new_points, points) c for full c and new points ((M, D)); (M,) or (M, Dv) like c, on every rank."""
        new_points = np.asarray(new_points)
        first, last = block_of(new_points.shape[0], self.comm)
        local = self.solver.predict(self._block(c), new_points[first:last])
        values = local.reshape(local.shape[0], -1)
        if self.comm.size > 1:
            values = _core.allgather(self.comm.handle, np.ascontiguousarray(values, dtype=np.float64))
        return values.reshape(-1) if np.ndim(c) == 1 else values

    def close(self):
        self.solver.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
