"""Layer 1, kernelsolve.KernelSolver on one process: solutions, gradients and predictions against dense NumPy
references and finite differences; bad input; results; lifecycle helpers."""

import copy
import math
import pickle
import threading
import time
import warnings

import numpy as np
import pytest

import kernelsolve
from dense import dense_solve, kernel_matrix, points, relative_error, squared_distances

CLOSED_FORMS = {
    "gaussian": lambda u: np.exp(-u),
    "laplacian": lambda u: np.exp(-np.sqrt(u)),
    "matern32": lambda u: (1 + np.sqrt(3 * u)) * np.exp(-np.sqrt(3 * u)),
    "matern52": lambda u: (1 + np.sqrt(5 * u) + 5 * u / 3) * np.exp(-np.sqrt(5 * u)),
    "cauchy": lambda u: 1 / (1 + u),
    "inverse_multiquadric": lambda u: 1 / np.sqrt(1 + u),
    "wendland_c2": lambda u: np.where(u < 1, (1 - np.sqrt(np.minimum(u, 1))) ** 4 * (4 * np.sqrt(u) + 1), 0.0),
}


@pytest.mark.parametrize("family", kernelsolve.FAMILIES)
def test_profiles_match_closed_forms(family):
    u = np.linspace(0, 9, 50)
    np.testing.assert_allclose(kernelsolve.evaluate_profile(family, u), CLOSED_FORMS[family](u), rtol=1e-14)


@pytest.mark.parametrize("family", kernelsolve.FAMILIES)
@pytest.mark.parametrize("precision", ["float64", "mixed"])
def test_solve_matches_dense(family, precision):
    x = points(300)
    b = np.random.default_rng(1).standard_normal((300, 2))
    solver = kernelsolve.KernelSolver(x, kernel=family, sigma=0.2, alpha=0.05, precision=precision)
    c, result = solver.solve(b, rtol=1e-11)
    assert result.converged and all(r <= 1e-11 for r in result.relative_residuals)
    assert c.dtype == np.float64 and c.shape == b.shape
    assert relative_error(c, dense_solve(family, solver.g, 0.05, x, b)) < 1e-8
    assert solver.preconditioner_choice[0] in ("nystrom", "schwarz")


def test_float32_meets_its_tolerance():
    x = points(400).astype(np.float32)
    b = np.ones(400, dtype=np.float32)
    solver = kernelsolve.KernelSolver(x, sigma=0.1, alpha=0.01, precision="float32")
    c, result = solver.solve(b)  # default rtol 1e-3 in float32
    assert c.shape == (400,) and result.converged
    assert result.relative_residuals[0] <= 1e-3
    a = kernel_matrix("gaussian", 50.0, x) + 0.01 * np.eye(400)
    assert np.linalg.norm(b - a @ c) / np.linalg.norm(b) < 1.5e-3  # the float32 verdict, checked in float64


def test_kernel_by_gamma_sigma_and_formula_agree():
    x = points(200)
    by_sigma = kernelsolve.KernelSolver(x, kernel="rbf", sigma=0.1)
    by_gamma = kernelsolve.KernelSolver(x, kernel="gaussian", gamma=50.0)
    by_formula = kernelsolve.KernelSolver(x, formula="Exp(-SqDist(x,y)/(2*s*s))*b", parameters={"s": 0.1})
    assert by_sigma.g == pytest.approx(50.0, rel=1e-14) and by_gamma.g == 50.0
    assert by_formula.family == "gaussian" and by_formula.g == pytest.approx(50.0, rel=1e-9)
    b = np.ones(200)
    c1, _ = by_sigma.solve(b)
    c2, _ = by_gamma.solve(b)
    np.testing.assert_allclose(c1, c2, rtol=1e-9, atol=1e-12)  # g = 1/(2 sigma^2) may differ from 50 in its last bit


def test_predict_matches_dense_product():
    x, new = points(250), points(40, seed=5)
    c = np.random.default_rng(2).standard_normal((250, 3))
    solver = kernelsolve.KernelSolver(x, kernel="matern52", sigma=0.3, alpha=0.1)
    values = solver.predict(c, new)
    np.testing.assert_allclose(values, kernel_matrix("matern52", solver.g, new, x) @ c, rtol=1e-12, atol=1e-12)
    assert solver.predict(c[:, 0], new).shape == (40,)


def _loss(family, sigma, alpha, x, b, e):
    g = kernelsolve.g_from_sigma(family, sigma)
    return float(np.sum(e * dense_solve(family, g, alpha, x, b)))


@pytest.mark.parametrize("family", ["gaussian", "matern52", "cauchy"])
def test_gradient_matches_finite_differences(family):
    rng = np.random.default_rng(3)
    x, b, e = points(60), rng.standard_normal((60, 2)), rng.standard_normal((60, 2))
    sigma, alpha = 0.3, 0.05
    solver = kernelsolve.KernelSolver(x, kernel=family, sigma=sigma, alpha=alpha)
    c, _ = solver.solve(b, rtol=1e-13)
    grad = solver.gradient(c, e, rtol=1e-13)
    assert grad.adjoint.converged
    np.testing.assert_allclose(grad.right_hand_sides, dense_solve(family, solver.g, alpha, x, e), rtol=1e-9)
    h = 1e-6
    fd_alpha = (_loss(family, sigma, alpha + h, x, b, e) - _loss(family, sigma, alpha - h, x, b, e)) / (2 * h)
    assert grad.ridge == pytest.approx(fd_alpha, rel=1e-6)
    fd_sigma = (_loss(family, sigma + h, alpha, x, b, e) - _loss(family, sigma - h, alpha, x, b, e)) / (2 * h)
    assert grad.sigma == pytest.approx(fd_sigma, rel=1e-6)
    for i, d in [(0, 0), (17, 1), (59, 0)]:
        up, down = x.copy(), x.copy()
        up[i, d] += h
        down[i, d] -= h
        fd = (_loss(family, sigma, alpha, up, b, e) - _loss(family, sigma, alpha, down, b, e)) / (2 * h)
        assert grad.points[i, d] == pytest.approx(fd, rel=1e-5, abs=1e-8)
    np.testing.assert_array_equal(grad.points, grad.points_as_targets + grad.points_as_sources)


def test_gradient_roles_match_dense_formula():
    # d/dx_i of <e, c> with x only in the i-role: -sum_j a_i . c_j dk(x_i, x_j)/dx_i (gaussian: -2 g k (x_i - x_j)).
    rng = np.random.default_rng(4)
    x, b, e = points(80), rng.standard_normal((80, 1)), rng.standard_normal((80, 1))
    solver = kernelsolve.KernelSolver(x, gamma=8.0, alpha=0.1)
    c, _ = solver.solve(b, rtol=1e-13)
    grad = solver.gradient(c, e, rtol=1e-13)
    a = grad.right_hand_sides
    k = kernel_matrix("gaussian", 8.0, x)
    w = (a @ c.T) * k * (-8.0)  # w_ij = a_i . c_j k'(r2), k = exp(-g r2)
    diff = x[:, None, :] - x[None, :, :]
    as_targets = -np.einsum("ij,ijd->id", w, 2 * diff)  # dk/dx_i = 2 k'(r2) (x_i - x_j)
    np.testing.assert_allclose(grad.points_as_targets, as_targets, rtol=1e-8, atol=1e-10)
    as_sources = -np.einsum("ji,jid->id", w, -2 * diff)  # x_m as the j-point of row i: -2 k'(r2) (x_i - x_m)
    np.testing.assert_allclose(grad.points_as_sources, as_sources, rtol=1e-8, atol=1e-10)


def test_monitor_sees_iterations_and_its_exception_is_raised_after():
    x = points(200)
    seen = []
    solver = kernelsolve.KernelSolver(x, sigma=0.1)
    solver.solve(np.ones(200), monitor=lambda it, res: seen.append((it, res.copy())))
    assert seen[0][0] == 0 and len(seen) >= 2 and seen[-1][1][0] <= 1e-9

    def failing(iteration, residuals):
        raise KeyError("from the monitor")

    with pytest.raises(KeyError, match="from the monitor"):
        solver.solve(np.ones(200), monitor=failing)
    c, result = solver.solve(np.ones(200))  # the solver is still usable
    assert result.converged


def test_non_convergence_warns_raises_or_says_nothing():
    x = points(300)
    solver = kernelsolve.KernelSolver(x, sigma=0.3, alpha=0.0, preconditioner="none")
    b = np.ones(300)
    with pytest.warns(kernelsolve.ConvergenceWarning, match="column 0: diverged_max_iterations"):
        _, result = solver.solve(b, max_iter=3)
    assert not result.converged and result.reasons == ("diverged_max_iterations",)
    with pytest.raises(kernelsolve.ConvergenceError) as caught:
        solver.solve(b, max_iter=3, on_failure="raise")
    assert caught.value.result.iterations == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solver.solve(b, max_iter=3, on_failure="ignore")
    with pytest.raises(kernelsolve.InvalidArgument, match="on_failure"):
        solver.solve(b, on_failure="loud")


def test_non_contiguous_and_read_only_inputs():
    base = points(400, d=4)
    x = base[::2, 1:3]  # strided view
    assert not x.flags.c_contiguous
    b = np.asfortranarray(np.random.default_rng(0).standard_normal((200, 2)))
    b.setflags(write=False)
    solver = kernelsolve.KernelSolver(x, sigma=0.2)
    c, _ = solver.solve(b)
    assert relative_error(c, dense_solve("gaussian", solver.g, 0.01, np.ascontiguousarray(x), b)) < 1e-8


@pytest.mark.parametrize("bad, message", [
    (np.ones((10, 2), dtype=np.int64), "points must be float32 or float64, got int64"),
    (np.ones((10, 2), dtype=np.complex128), "got complex128"),
    (np.array([[1.0, "a"]], dtype=object), "got object"),
    (np.ones((2, 3, 4)), "1-D or 2-D"),
    (np.array([[0.0, 1.0], [np.nan, 0.0]]), "NaN or Inf"),
])
def test_bad_points_are_refused(bad, message):
    with pytest.raises((kernelsolve.InvalidArgument, TypeError), match=message):
        kernelsolve.KernelSolver(bad, sigma=0.1)


def test_bad_options_are_refused():
    x = points(20)
    with pytest.raises(kernelsolve.InvalidArgument, match="exactly one of sigma= or gamma="):
        kernelsolve.KernelSolver(x)
    with pytest.raises(kernelsolve.InvalidArgument, match="unknown kernel family 'thin_plate'|thin_plate"):
        kernelsolve.KernelSolver(x, kernel="thin_plate", sigma=1.0)
    with pytest.raises(kernelsolve.InvalidArgument, match="alpha"):
        kernelsolve.KernelSolver(x, sigma=1.0, alpha=-1.0)
    with pytest.raises(kernelsolve.InvalidArgument, match="precision"):
        kernelsolve.KernelSolver(x, sigma=1.0, precision="half")
    with pytest.raises(kernelsolve.InvalidArgument, match="truncation"):
        kernelsolve.KernelSolver(x, sigma=1.0, truncation=2.0)
    with pytest.raises(kernelsolve.InvalidArgument, match="preconditioner"):
        kernelsolve.KernelSolver(x, sigma=1.0, preconditioner="jacobi")
    with pytest.raises(kernelsolve.FormulaError) as caught:
        kernelsolve.KernelSolver(x, formula="Exp(-g*SqDist(x,y))*Cos(b)", parameters={"g": 1.0})
    assert caught.value.column > 0 and "Cos" in caught.value.formula and "^" in str(caught.value)
    solver = kernelsolve.KernelSolver(x, sigma=1.0)
    with pytest.raises(kernelsolve.InvalidArgument, match="b has 19 rows on this rank, the points 20"):
        solver.solve(np.ones(19))
    with pytest.raises(kernelsolve.InvalidArgument, match="relative|tolerance|rtol"):
        solver.solve(np.ones(20), rtol=-1.0)
    # rtol >= 1 would accept c = 0 for any b: refused, not a "converged" zero.
    with pytest.raises(kernelsolve.InvalidArgument, match=r"rtol\) must be in \[0, 1\)"):
        solver.solve(np.ones(20), rtol=2.0)
    with pytest.raises(kernelsolve.InvalidArgument, match="new_points has 3 columns, expected 2"):
        solver.predict(np.ones(20), np.ones((4, 3)))


def test_results_and_summaries():
    x = points(500)
    solver = kernelsolve.KernelSolver(x, sigma=0.1, preconditioner="nystrom")
    assert solver.preconditioner_choice is None and solver.nystrom_summary is None
    c, result = solver.solve(np.ones((500, 2)))
    assert solver.preconditioner_choice[0] == "nystrom"
    assert solver.nystrom_summary["rank"] > 0 and solver.schwarz_summary is None
    assert result.iterations == max(result.column_iterations) and len(result.reasons) == 2
    assert result.seconds["preconditioner_setup"] > 0 and result.seconds["kernel_product"] > 0
    assert result.seconds["wall"] >= sum(v for k, v in result.seconds.items() if k != "wall")
    _, again = solver.solve(np.ones((500, 2)))
    assert again.seconds["preconditioner_setup"] == 0  # set up once, by the first solve
    assert set(solver.phase_timings) >= {"kernel_product", "preconditioner_setup"}
    assert solver.phase_timings["kernel_product"] > 0
    stats = solver.phase_statistics()
    assert stats["kernel_product"]["max_seconds"] >= stats["kernel_product"]["min_seconds"]
    solver.reset_timings()
    assert solver.phase_timings["kernel_product"] == 0
    assert "converged=True" in repr(result) and "gaussian" in repr(solver)
    truncated = kernelsolve.KernelSolver(x, sigma=0.02, truncation=1e-12, precision="mixed")
    c, result = truncated.solve(np.ones(500))
    assert result.converged and truncated.cutoff_summary["kept_pairs"] < truncated.cutoff_summary["pairs"]


def test_closed_solver_refuses_work_and_context_manager_closes():
    with kernelsolve.KernelSolver(points(50), sigma=0.2) as solver:
        solver.solve(np.ones(50))
    with pytest.raises(RuntimeError, match="closed"):
        solver.solve(np.ones(50))
    solver.close()  # idempotent


def test_calls_from_another_thread_are_refused():
    solver = kernelsolve.KernelSolver(points(50), sigma=0.2)
    errors = []

    def work():
        try:
            solver.solve(np.ones(50))
        except RuntimeError as e:
            errors.append(str(e))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors and "thread" in errors[0]


def test_communicator_copies_and_pickles():
    world = kernelsolve.Communicator("world")
    assert copy.deepcopy(world) is world and copy.copy(world) is world
    assert pickle.loads(pickle.dumps(world)) == world
    assert kernelsolve.Communicator(world) == world and world != kernelsolve.Communicator("self")
    assert kernelsolve.Communicator("self").size == 1
    with pytest.raises(kernelsolve.InvalidArgument, match="unknown communicator"):
        kernelsolve.Communicator("universe")
    with pytest.raises(TypeError):
        kernelsolve.Communicator(3.5)


def test_mpi4py_communicators_are_accepted():
    MPI = pytest.importorskip("mpi4py.MPI")
    comm = kernelsolve.Communicator(MPI.COMM_SELF.Dup())
    assert comm.size == 1
    solver = kernelsolve.KernelSolver(points(100), sigma=0.2, comm=comm)
    c, result = solver.solve(np.ones(100))
    assert result.converged
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(comm)


def test_helpers():
    assert kernelsolve.family_from_name("RBF") == "gaussian"
    assert kernelsolve.family_from_name("exponential") == "laplacian"
    assert kernelsolve.g_from_sigma("gaussian", 0.1) == pytest.approx(50.0)
    assert kernelsolve.sigma_from_g("cauchy", 4.0) == pytest.approx(0.5)
    parsed = kernelsolve.parse_formula("Inv(1+g*SqDist(p,q))*w", {"g": 3.0})
    assert (parsed.family, parsed.i_variable, parsed.j_variable, parsed.weight_variable) == ("cauchy", "p", "q", "w")
    assert parsed.g == pytest.approx(3.0, rel=1e-12)
    info = kernelsolve.build_info()
    assert info["version"] == kernelsolve.__version__ and info["families"] == kernelsolve.FAMILIES
    assert kernelsolve.is_initialized()


def test_the_gil_is_released_during_a_solve():
    x = points(3000)
    solver = kernelsolve.KernelSolver(x, sigma=0.1, preconditioner="none")
    progress = [0]
    stop = threading.Event()

    def count():  # pure Python: it advances only while no other thread holds the GIL
        while not stop.is_set():
            progress[0] += 1

    thread = threading.Thread(target=count)
    thread.start()
    try:
        start = progress[0]
        time.sleep(0.1)  # sleeping releases the GIL: the counter's rate
        rate = (progress[0] - start) / 0.1
        start, started = progress[0], time.perf_counter()
        solver.solve(np.ones(3000), rtol=1e-12, max_iter=100, on_failure="ignore")
        seconds, counted = time.perf_counter() - started, progress[0] - start
    finally:
        stop.set()
        thread.join()
    # Holding the GIL, the solve would leave the counter a switch interval (5 ms) at each end, not a third of the solve.
    assert seconds > 0.1 and counted > 0.3 * rate * seconds, (seconds, counted, rate)


def test_nystrom_cost_rule_option_and_summary():
    # Without the trace rule (trace_factor 0) the factor grows to max_rank unless the cost rule stops it where a round
    # of pivots costs more than the products it saves (docs/design/nystrom.md).
    x = points(600, d=3)
    common = dict(sigma=0.3, alpha=1e-2, preconditioner="nystrom")
    options = {"trace_factor": 0.0, "max_rank": 300, "block_size": 16}
    ruled = kernelsolve.KernelSolver(x, nystrom=options, **common)
    _, result = ruled.solve(np.ones(600))
    summary = ruled.nystrom_summary
    assert result.converged
    assert "costs more than the products it saves" in summary["rank_reason"] and summary["rank"] < 300
    assert summary["estimated_iterations"] > 5 and 0 < summary["residual_norm_estimate_rank"] < summary["rank"]
    assert summary["residual_norm_estimate"] > 0
    plain = kernelsolve.KernelSolver(x, nystrom=dict(options, cost_rule=False), **common)
    plain.solve(np.ones(600))
    assert plain.nystrom_summary["rank"] == 300 and plain.nystrom_summary["estimated_iterations"] == 0
    with pytest.raises(kernelsolve.InvalidArgument, match="auto_iteration_constant must be finite and > 0, got -1"):
        kernelsolve.KernelSolver(x, nystrom={"iteration_constant": -1.0}, **common).solve(np.ones(600))
