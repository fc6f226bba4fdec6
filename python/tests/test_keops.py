"""The KeOps drop-ins: kernelsolve.numpy.KernelSolve and kernelsolve.torch.KernelSolve against dense references,
torch's dense autograd, torch.autograd.gradcheck, and KeOps' argument rules."""

import numpy as np
import pytest

import kernelsolve
from dense import dense_solve, points, relative_error
from kernelsolve._keops import parse_aliases
from kernelsolve.numpy import KernelSolve as NumpyKernelSolve

torch = pytest.importorskip("torch")
from kernelsolve.torch import KernelSolve  # noqa: E402

SEED_FORMULA = "Exp(- g * SqDist(x,y)) * b"
SEED_ALIASES = ["x = Vi(2)", "y = Vj(2)", "b = Vj(2)", "g = Pm(1)"]


def test_alias_grammar():
    aliases = parse_aliases(["x = Vi(2)", "y = Vj(1,2)", "Vj(2,3)", "Var(3,1,2)", "s = Vx(4)"])
    assert [(a.name, a.position, a.dimension, a.category) for a in aliases] == [
        ("x", 0, 2, 0), ("y", 1, 2, 1), (None, 2, 3, 1), (None, 3, 1, 2), ("s", 4, 4, 0)]
    with pytest.raises(kernelsolve.InvalidArgument, match="is not one of"):
        parse_aliases(["x = Vk(2)"])
    with pytest.raises(kernelsolve.InvalidArgument, match="positions"):
        parse_aliases(["x = Vi(0,2)", "y = Vj(0,2)"])


def test_numpy_drop_in_matches_dense():
    x = points(300)
    b = np.random.default_rng(1).random((300, 2))
    kinv = NumpyKernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1)
    c = kinv(x, x, b, np.array([50.0]), alpha=0.01, eps=1e-10)
    assert c.dtype == np.float64 and kinv.last_result.converged
    assert relative_error(c, dense_solve("gaussian", 50.0, 0.01, x, b)) < 1e-9
    c32 = kinv(x.astype(np.float32), x.astype(np.float32), b.astype(np.float32), np.array([50.0], np.float32),
               alpha=0.01)
    assert c32.dtype == np.float32
    assert relative_error(c32, dense_solve("gaussian", 50.0, 0.01, x.astype(np.float32), b)) < 1e-4


def test_axis_0_and_var_aliases():
    x = points(200)
    b = np.random.default_rng(2).random((200, 1))
    kinv = NumpyKernelSolve("Inv(1 + g*SqDist(x,y)) * b", ["Var(0,2,0)", "Var(1,2,1)", "Var(2,1,0)", "Var(3,1,2)"],
                            "Var(2,1,0)", axis=0)
    with pytest.raises(kernelsolve.FormulaError):  # Var(...) names are not the formula's x, y, b
        kinv(x, x, b, np.array([4.0]), alpha=0.1)
    kinv = NumpyKernelSolve("Inv(1 + g*SqDist(x,y)) * b", ["x = Vi(2)", "y = Vj(2)", "b = Vi(1)", "g = Pm(1)"], "b",
                            axis=0)
    c = kinv(x, x, b, np.array([4.0]), alpha=0.1, eps=1e-10)
    assert relative_error(c, dense_solve("cauchy", 4.0, 0.1, x, b)) < 1e-9


def test_keops_argument_rules():
    x = points(50)
    b = np.ones((50, 2))
    g = np.array([50.0])
    kinv = NumpyKernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1)
    with pytest.raises(kernelsolve.InvalidArgument, match="must be the same points"):
        kinv(x, points(50, seed=9), b, g)
    with pytest.raises(kernelsolve.InvalidArgument, match="takes 4 arguments"):
        kinv(x, x, b)
    with pytest.raises(TypeError, match="same dtype"):
        kinv(x, x, b.astype(np.float32), g)
    with pytest.raises(kernelsolve.InvalidArgument, match=r"shape \(rows, 2\)"):
        kinv(x, x, np.ones((50, 3)), g)
    with pytest.raises(NotImplementedError, match="truncation"):
        kinv(x, x, b, g, ranges=(1, 2))
    with pytest.raises(kernelsolve.InvalidArgument, match="axis=1 the weight"):
        NumpyKernelSolve(SEED_FORMULA, ["x = Vi(2)", "y = Vj(2)", "b = Vi(2)", "g = Pm(1)"], "b", axis=1)(x, x, b, g)
    with pytest.raises(kernelsolve.InvalidArgument, match="not used"):
        NumpyKernelSolve(SEED_FORMULA, SEED_ALIASES + ["z = Vj(3)"], "b", axis=1)(x, x, b, g, np.ones((50, 3)))
    with pytest.raises(kernelsolve.InvalidArgument, match="names none of the aliases"):
        NumpyKernelSolve(SEED_FORMULA, SEED_ALIASES, "w", axis=1)
    with pytest.raises(kernelsolve.FormulaError, match="Cos"):
        NumpyKernelSolve("Cos(g*SqDist(x,y))*b", SEED_ALIASES, "b", axis=1)(x, x, b, g)


def _dense_torch(x, y, b, g, alpha):
    k = torch.exp(-g * ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1))
    return torch.linalg.solve(k + alpha * torch.eye(len(x), dtype=x.dtype), b)


def test_torch_solution_and_gradient_match_dense_autograd():
    torch.manual_seed(0)
    x = torch.rand(300, 2, dtype=torch.float64, requires_grad=True)
    b = torch.rand(300, 2, dtype=torch.float64, requires_grad=True)
    g = torch.tensor([50.0], dtype=torch.float64, requires_grad=True)
    alpha = torch.tensor(0.01, dtype=torch.float64, requires_grad=True)
    kinv = KernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1)
    c = kinv(x, x, b, g, alpha=alpha, eps=1e-12)
    c_dense = _dense_torch(x, x, b, g, alpha)
    assert relative_error(c.detach(), c_dense.detach()) < 1e-9
    e = torch.randn(300, 2, dtype=torch.float64)
    ours = torch.autograd.grad(c, (x, b, g, alpha), e)
    dense = torch.autograd.grad(c_dense, (x, b, g, alpha), e)
    for name, u, v in zip("x b g alpha".split(), ours, dense):
        assert u.shape == v.shape, name
        assert relative_error(u, v) < 1e-8, name


def test_torch_gradcheck_every_input():
    torch.manual_seed(1)
    x = torch.rand(20, 2, dtype=torch.float64, requires_grad=True)
    y = x.detach().clone().requires_grad_(True)  # the same points, a separate tensor: its own (j-role) gradient
    b = torch.rand(20, 1, dtype=torch.float64, requires_grad=True)
    s = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
    alpha = torch.tensor([0.05], dtype=torch.float64, requires_grad=True)
    kinv = KernelSolve("Exp(-SqDist(x,y) / (2*s*s)) * b", ["x = Vi(2)", "y = Vj(2)", "b = Vj(1)", "s = Pm(1)"], "b",
                       axis=1)

    def both_roles(x_, b_, s_, alpha_):
        return kinv(x_, x_, b_, s_, alpha=alpha_, eps=1e-13)

    def separate_roles(x_, y_):
        return kinv(x_, y_, b, s, alpha=alpha, eps=1e-13)

    assert torch.autograd.gradcheck(both_roles, (x, b, s, alpha), eps=1e-6, atol=1e-6, rtol=1e-5)
    # gradcheck perturbs x and y separately: they are then different points, which kernelsolve refuses. So check the
    # role split against torch's dense autograd instead.
    c = separate_roles(x, y)
    gx, gy = torch.autograd.grad(c.sum(), (x, y))
    k = lambda x_, y_: torch.exp(-((x_[:, None, :] - y_[None, :, :]) ** 2).sum(-1) / (2 * s * s))
    c_dense = torch.linalg.solve(k(x, y) + alpha * torch.eye(20, dtype=torch.float64), b)
    dx, dy = torch.autograd.grad(c_dense.sum(), (x, y))
    assert relative_error(gx, dx) < 1e-8 and relative_error(gy, dy) < 1e-8


def test_torch_float32_in_and_out_through_mixed_precision():
    torch.manual_seed(2)
    x = torch.rand(400, 2, requires_grad=True)
    b = torch.rand(400, 2)
    g = torch.tensor([50.0])
    kinv = KernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1)
    c = kinv(x, x, b, g, alpha=0.01)
    assert c.dtype == torch.float32 and c.requires_grad and kinv.last_result.converged
    assert max(kinv.last_result.relative_residuals) <= 1e-7  # the default for float32 inputs
    exact = dense_solve("gaussian", 50.0, 0.01, x.detach().numpy(), b.numpy())
    assert relative_error(c.detach().numpy(), exact) < 1e-4
    (u,) = torch.autograd.grad(c, x, torch.ones_like(c))
    assert u.dtype == torch.float32 and kinv.last_adjoint_result.converged


def test_torch_no_graph_without_requires_grad_and_no_double_backward():
    x = torch.rand(50, 2, dtype=torch.float64)
    b = torch.rand(50, 2, dtype=torch.float64)
    g = torch.tensor([10.0], dtype=torch.float64)
    kinv = KernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1)
    c = kinv(x, x, b, g, alpha=0.1)
    assert c.grad_fn is None
    x.requires_grad_(True)
    c = kinv(x, x, b, g, alpha=0.1)
    (u,) = torch.autograd.grad(c.sum(), x, create_graph=True)
    with pytest.raises(RuntimeError):
        torch.autograd.grad(u.sum(), x)


def test_torch_in_place_change_of_the_output_fails_backward():
    x = torch.rand(40, 2, dtype=torch.float64, requires_grad=True)
    b = torch.rand(40, 2, dtype=torch.float64)
    kinv = KernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1)
    c = kinv(x, x, b, torch.tensor([10.0], dtype=torch.float64), alpha=0.1)
    c.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_non_convergence_warns_instead_of_hanging():
    torch.manual_seed(3)
    x = torch.rand(300, 2)
    b = torch.rand(300, 2)
    kinv = KernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1, precision="float32", preconditioner="none")
    with pytest.warns(kernelsolve.ConvergenceWarning):
        kinv(x, x, b, torch.tensor([50.0]), alpha=1e-10, eps=1e-9, max_iter=200)
    assert not kinv.last_result.converged
    strict = KernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1, precision="float32", on_failure="raise")
    with pytest.raises(kernelsolve.ConvergenceError):
        strict(x, x, b, torch.tensor([50.0]), alpha=1e-10, eps=1e-9, max_iter=50)


def test_torch_refuses_non_tensors():
    kinv = KernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1)
    with pytest.raises(TypeError, match="torch tensors"):
        kinv(np.ones((5, 2)), np.ones((5, 2)), np.ones((5, 2)), np.ones(1))


def test_default_stopping_is_a_true_relative_residual_and_eps_is_keops_rule():
    x = points(500)
    b = np.random.default_rng(4).random((500, 2))
    kinv = NumpyKernelSolve(SEED_FORMULA, SEED_ALIASES, "b", axis=1)
    exact = dense_solve("gaussian", 50.0, 0.01, x, b)
    c = kinv(x, x, b, np.array([50.0]), alpha=0.01)  # eps=None: kernelsolve's 1e-10
    assert max(kinv.last_result.relative_residuals) <= 1e-10
    assert relative_error(c, exact) < 1e-8
    iterations = kinv.last_result.iterations
    c = kinv(x, x, b, np.array([50.0]), alpha=0.01, eps=1e-6)  # KeOps: ||r_k|| <= eps sqrt(N) on the true residual
    absolute = np.array(kinv.last_result.relative_residuals) * np.linalg.norm(b, axis=0)
    assert np.all(absolute <= 1e-6 * np.sqrt(500)) and kinv.last_result.iterations < iterations
    assert kinv.last_result.converged and relative_error(c, exact) > 1e-8
    kinv(x, x, b, np.array([50.0]), alpha=0.01, rtol=1e-4)
    assert max(kinv.last_result.relative_residuals) <= 1e-4
    with pytest.raises(kernelsolve.InvalidArgument, match="eps must be > 0"):
        kinv(x, x, b, np.array([50.0]), alpha=0.01, eps=-1.0)
