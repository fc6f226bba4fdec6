"""kernelsolve.torch.KernelSolve: a drop-in for pykeops.torch.KernelSolve, differentiable by torch.autograd.

    from kernelsolve.torch import KernelSolve            # was: from pykeops.torch import KernelSolve
    Kinv = KernelSolve("Exp(- g * SqDist(x,y)) * b", ["x = Vi(2)", "y = Vj(2)", "b = Vj(2)", "g = Pm(1)"], "b", axis=1)
    c = Kinv(x, x, b, g, alpha=0.01)
    (u,) = torch.autograd.grad(c, x, e)                  # one adjoint solve

Backward is one adjoint solve with the forward's preconditioner, then the pair sums: gradients for the points in
each role (x passed twice gets the sum of both from autograd), the inverted variable b, every Pm parameter such as g,
and alpha when it is a tensor. float32 inputs are solved in mixed precision (float32 kernels, float64 refinement and
verdicts) and returned in float32. Each column is solved to a true relative residual of 1e-10 (float64 inputs) or 1e-7
(float32 inputs) unless eps= (KeOps' absolute rule), rtol= or atol= say otherwise. Double backward is not supported (it raises).
"""

import numpy as np
import torch

from ._keops import keops_plan
from ._results import report_failure

__all__ = ["KernelSolve"]


def _numpy(tensor):
    return tensor.detach().cpu().contiguous().numpy()


class _Call:
    """One forward solve's state, kept for its backward: the solver (its preconditioner is reused), the float64
    solution, and which argument plays which role."""

    def __init__(self, owner, arrays, alpha, criteria):
        plan = owner.plan
        self.owner, self.plan, self.criteria = owner, plan, criteria
        self.solver, self.target, self.source, self.weight = plan.build(arrays, alpha)
        self.arrays = arrays
        self.solution = None

    def solve(self):
        c, result = self.solver.solve(self.arrays[self.plan.inverted], on_failure="ignore", **self.criteria)
        self.owner.last_result = result
        report_failure(result, self.plan.on_failure)
        self.solution = c
        return c

    def gradient(self, cotangent):
        g = self.solver.gradient(self.solution, cotangent, on_failure="ignore", **self.criteria)
        self.owner.last_adjoint_result = g.adjoint
        report_failure(g.adjoint, self.plan.on_failure, "adjoint solve")
        return g

    def close(self):
        self.solver.close()


class _KernelSolveFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, call, alpha_tensor, *args):
        c = call.solve()
        ctx.call = call
        ctx.alpha_shape = None if alpha_tensor is None else alpha_tensor.shape
        reference = args[call.plan.inverted]
        out = torch.from_numpy(c).to(dtype=reference.dtype, device=reference.device)
        ctx.save_for_backward(out)  # an in-place change of the output then fails the backward, as it should
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        ctx.saved_tensors  # the version check
        call = ctx.call
        needs = ctx.needs_input_grad  # (call, alpha, *args)
        if not any(needs):
            return (None,) * len(needs)
        g = call.gradient(np.ascontiguousarray(_numpy(grad_output), dtype=np.float64))
        dtype, device = grad_output.dtype, grad_output.device

        def tensor(array):
            return torch.from_numpy(np.ascontiguousarray(array)).to(dtype=dtype, device=device)

        grads = [None] * (len(needs) - 2)
        derivatives = None
        for alias in call.plan.aliases:
            p = alias.position
            if not needs[p + 2]:
                continue
            if p == call.target.position:
                grads[p] = tensor(g.points_as_targets)
            elif p == call.source.position:
                grads[p] = tensor(g.points_as_sources)
            elif p == call.weight.position:
                grads[p] = tensor(g.right_hand_sides)
            elif alias.category == 2:
                if derivatives is None:
                    derivatives = call.plan.parameter_derivatives(call.arrays)
                grads[p] = tensor(np.array([g.kernel_parameter * derivatives[alias.name]]))
        alpha_grad = None
        if needs[1]:
            alpha_grad = torch.full(ctx.alpha_shape, g.ridge, dtype=dtype, device=device)
        return (None, alpha_grad, *grads)


class KernelSolve:
    """pykeops.torch.KernelSolve's signature; keyword-only kernelsolve extensions after it: precision (None: mixed
    for float32 inputs, float64 for float64), preconditioner, nystrom, schwarz, truncation, comm (None: this process
    alone; "world": every rank passes the same tensors and gets the same result), on_failure ("warn", "raise",
    "ignore"). last_result / last_adjoint_result: the SolveResult of the latest forward / backward solve."""

    def __init__(self, formula, aliases, varinvalias, axis=0, dtype_acc="auto", use_double_acc=False,
                 sum_scheme="auto", enable_chunks=True, rec_multVar_highdim=None, dtype=None, cuda_type=None,
                 use_fast_math=True, *, precision=None, preconditioner="auto", nystrom=None, schwarz=None,
                 truncation=None, comm=None, on_failure="warn"):
        ignored = {"dtype": (dtype, None), "cuda_type": (cuda_type, None), "sum_scheme": (sum_scheme, "auto"),
                   "rec_multVar_highdim": (rec_multVar_highdim, None)}
        self.plan = keops_plan(formula, aliases, varinvalias, axis, ignored, precision=precision,
                               preconditioner=preconditioner, nystrom=nystrom, schwarz=schwarz, truncation=truncation,
                               comm=comm, on_failure=on_failure)
        self.last_result = None
        self.last_adjoint_result = None

    def __call__(self, *args, backend="auto", device_id=-1, alpha=1e-10, eps=None, ranges=None, rtol=None,
                 atol=None, max_iter=10000):
        plan = self.plan
        if not all(isinstance(a, torch.Tensor) for a in args):
            raise TypeError("kernelsolve.torch.KernelSolve takes torch tensors (kernelsolve.numpy.KernelSolve takes "
                            "NumPy arrays)")
        devices = {a.device for a in args}
        if len(devices) != 1:
            raise InvalidDevice(f"all arguments must be on one device, got {sorted(map(str, devices))}")
        plan.check_call(args, backend, ranges, lambda a: tuple(a.shape), lambda a: str(a.dtype).split(".")[-1])
        alpha_tensor = alpha if isinstance(alpha, torch.Tensor) else None
        if alpha_tensor is not None and alpha_tensor.numel() != 1:
            raise ValueError(f"alpha must be a number or a one-element tensor, got shape {tuple(alpha.shape)}")
        alpha_value = float(alpha_tensor.detach().reshape(-1)[0]) if alpha_tensor is not None else float(alpha)
        arrays = [_numpy(a) for a in args]
        dtype = str(args[plan.inverted].dtype).split(".")[-1]
        criteria = plan.criteria(arrays[plan.inverted].shape[0], dtype, eps, rtol, atol, max_iter)
        call = _Call(self, arrays, alpha_value, criteria)
        needs_graph = torch.is_grad_enabled() and (any(a.requires_grad for a in args) or
                                                   (alpha_tensor is not None and alpha_tensor.requires_grad))
        if not needs_graph:
            try:
                c = call.solve()
            finally:
                call.close()
            reference = args[plan.inverted]
            return torch.from_numpy(c).to(dtype=reference.dtype, device=reference.device)
        return _KernelSolveFunction.apply(call, alpha_tensor, *args)


class InvalidDevice(ValueError):
    """Arguments on different devices."""
