"""kernelsolve.numpy.KernelSolve: a drop-in for pykeops.numpy.KernelSolve (same constructor and call).

    from kernelsolve.numpy import KernelSolve
    Kinv = KernelSolve("Exp(-g*SqDist(x,y))*b", ["x = Vi(2)", "y = Vj(2)", "b = Vj(1)", "g = Pm(1)"], "b", axis=1)
    c = Kinv(x, x, b, np.array([50.0]), alpha=0.01)          # (K(x, x) + alpha I) c = b

The formula is identified among kernelsolve's families (a KeOps formula that is none of them raises FormulaError);
the solve is preconditioned CG with true-residual verdicts, by default to a relative residual of 1e-10 for float64
inputs, 1e-7 for float32 ones (eps=None; an explicit eps is KeOps' absolute rule: docs/python.md).
"""

import numpy as np

from ._keops import keops_plan
from ._results import report_failure

__all__ = ["KernelSolve"]


class KernelSolve:
    """pykeops.numpy.KernelSolve's signature (dtype 5th, as there); keyword-only kernelsolve extensions after it:
    precision (None: mixed for float32 inputs, float64 for float64), preconditioner, nystrom, schwarz, truncation,
    comm (None: this process alone; "world": every rank passes the same arrays and gets the same result),
    on_failure ("warn", "raise", "ignore")."""

    def __init__(self, formula, aliases, varinvalias, axis=0, dtype=None, opt_arg=None, dtype_acc="auto",
                 use_double_acc=False, sum_scheme="auto", enable_chunks=True, rec_multVar_highdim=None,
                 use_fast_math=True, *, precision=None, preconditioner="auto", nystrom=None, schwarz=None,
                 truncation=None, comm=None, on_failure="warn"):
        ignored = {"dtype": (dtype, None), "sum_scheme": (sum_scheme, "auto"), "opt_arg": (opt_arg, None),
                   "rec_multVar_highdim": (rec_multVar_highdim, None)}
        self.plan = keops_plan(formula, aliases, varinvalias, axis, ignored, precision=precision,
                               preconditioner=preconditioner, nystrom=nystrom, schwarz=schwarz, truncation=truncation,
                               comm=comm, on_failure=on_failure)
        self.last_result = None

    def __call__(self, *args, backend="auto", device_id=-1, alpha=1e-10, eps=None, ranges=None, rtol=None,
                 atol=None, max_iter=10000):
        plan = self.plan
        arrays = [np.asarray(a) for a in args]
        dtype = plan.check_call(arrays, backend, ranges, lambda a: a.shape, lambda a: str(a.dtype))
        b = arrays[plan.inverted]
        criteria = plan.criteria(b.shape[0], dtype, eps, rtol, atol, max_iter)
        solver, _, _, _ = plan.build(arrays, alpha)
        with solver:
            c, result = solver.solve(b, on_failure="ignore", **criteria)
        self.last_result = result
        report_failure(result, plan.on_failure)
        return c.astype(dtype, copy=False)
