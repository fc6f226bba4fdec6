#!/usr/bin/python3
"""The Python package side by side with its peers and with the app, in one run on one machine.

  seed      KeOps' KernelSolve example (Gaussian, sigma 0.1, alpha 0.01, Dv = 2, float32 torch tensors in [0, 1]^2):
            kernelsolve.torch.KernelSolve (solve, then torch.autograd.grad through it; default tolerance) against
            torch's dense solve and its autograd, relative differences as the example prints them, and (N <= 5000)
            both against a float64 dense solve.
  terrain   kernelsolve.interpolate.RBFInterpolator against SciPy's dense RBFInterpolator, wall to wall (fit and
            predict at the held-out points) on perf/interpolation.py's terrain (Jacksboro DEM, Gaussian of width 3
            sample spacings, smoothing 1e-3, SciPy's default degree 0 for both), and the largest difference of the
            predictions relative to their largest value.
  overhead  (first, on a quiet process) the same solve (the seed's problem in mixed precision to a true relative residual of 1e-10) through
            kernelsolve.KernelSolver in this process and through the app (`kernelsolve solve`, 1 rank), both with
            --threads OpenMP threads: the app's own setup + preconditioner + solve seconds from its JSON report
            against the Python wall time of construction + solve (what the Python layer adds: array conversion,
            checks, result objects).

  PYTHONPATH=build/python perf/python_layer.py --points 5000 20000 --threads 2
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def seed_rows(n, dense_limit):
    import torch

    from kernelsolve.torch import KernelSolve

    torch.manual_seed(0)
    x = torch.rand(n, 2, requires_grad=True)
    b = torch.rand(n, 2)
    g = torch.Tensor([0.5 / 0.1**2])
    e = torch.randn(n, 2)
    kinv = KernelSolve("Exp(- g * SqDist(x,y)) * b", ["x = Vi(2)", "y = Vj(2)", "b = Vj(2)", "g = Pm(1)"], "b",
                       axis=1)
    started = time.perf_counter()
    c = kinv(x, x, b, g, alpha=0.01)
    solved = time.perf_counter()
    (u,) = torch.autograd.grad(c, x, e)
    differentiated = time.perf_counter()
    rows = [{"N": n, "method": "kernelsolve.torch.KernelSolve (mixed)", "solve": solved - started,
             "gradient": differentiated - solved,
             "iterations": f"{kinv.last_result.iterations} + {kinv.last_adjoint_result.iterations} (adjoint)",
             "c error": "", "gradient error": ""}]
    if n <= dense_limit:
        started = time.perf_counter()
        k = 0.01 * torch.eye(n) + torch.exp(-torch.sum((x[:, None, :] - x[None, :, :]) ** 2, dim=2) / (2 * 0.1**2))
        c_py = torch.linalg.solve(k, b)
        solved = time.perf_counter()
        (u_py,) = torch.autograd.grad(c_py, x, e)
        differentiated = time.perf_counter()
        del k
        rows.append({"N": n, "method": "torch dense (float32 LU + autograd)", "solve": solved - started,
                     "gradient": differentiated - solved, "iterations": "", "c error": "", "gradient error": ""})
        rows[0]["c error"] = (torch.norm(c - c_py) / torch.norm(c_py)).item()
        rows[0]["gradient error"] = (torch.norm(u - u_py) / torch.norm(u_py)).item()
        if n <= 5000:  # both against float64 (dense autograd in float64: N^2 D doubles)
            x64 = x.detach().double().requires_grad_(True)
            k64 = 0.01 * torch.eye(n, dtype=torch.float64) + torch.exp(
                -torch.sum((x64[:, None, :] - x64[None, :, :]) ** 2, dim=2) / (2 * 0.1**2))
            c64 = torch.linalg.solve(k64, b.double())
            (u64,) = torch.autograd.grad(c64, x64, e.double())
            for row, (c_, u_) in zip(rows, [(c, u), (c_py, u_py)]):
                row["c error vs float64"] = (torch.norm(c_.double() - c64) / torch.norm(c64)).item()
                row["gradient error vs float64"] = (torch.norm(u_.double() - u64) / torch.norm(u64)).item()
    return rows


def terrain_rows(n, dense_limit, held_out=2000):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from interpolation import terrain_samples
    from scipy.interpolate import RBFInterpolator as ScipyRBF

    from kernelsolve.interpolate import RBFInterpolator

    points, values, held_points, held_values, spacing = terrain_samples(n, held_out, 0)
    epsilon = 1.0 / (3.0 * spacing)
    started = time.perf_counter()
    ours = RBFInterpolator(points, values[:, 0], kernel="gaussian", epsilon=epsilon, smoothing=1e-3)
    fitted = time.perf_counter()
    predicted = ours(held_points)
    done = time.perf_counter()
    rms = float(np.sqrt(np.mean((predicted - held_values[:, 0]) ** 2)))
    rows = [{"N": n, "method": "kernelsolve.interpolate.RBFInterpolator", "fit": fitted - started,
             "predict": done - fitted, "total": done - started, "rms": rms, "difference": ""}]
    if n <= dense_limit:
        started = time.perf_counter()
        theirs = ScipyRBF(points, values[:, 0], kernel="gaussian", epsilon=epsilon, smoothing=1e-3)
        fitted = time.perf_counter()
        reference = theirs(held_points)
        done = time.perf_counter()
        rows.append({"N": n, "method": "scipy.interpolate.RBFInterpolator (dense)", "fit": fitted - started,
                     "predict": done - fitted, "total": done - started,
                     "rms": float(np.sqrt(np.mean((reference - held_values[:, 0]) ** 2))), "difference": ""})
        rows[0]["difference"] = float(np.max(np.abs(predicted - reference)) / np.max(np.abs(reference)))
    return rows


def overhead_rows(n, threads, app, repeat):
    import kernelsolve

    rng = np.random.default_rng(0)
    x = rng.random((n, 2)).astype(np.float32).astype(np.float64)
    b = rng.random((n, 2))
    options = dict(kernel="gaussian", sigma=0.1, alpha=0.01, precision="mixed")
    app_work, app_wall, python_work = [], [], []
    with tempfile.TemporaryDirectory() as work:
        np.save(f"{work}/x.npy", x)
        np.save(f"{work}/b.npy", b)
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="false", OMPI_ALLOW_RUN_AS_ROOT="1",
                   OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        # --bind-to none: Open MPI binds a lone rank to one core by default, which would put both threads there.
        command = ["mpirun", "-np", "1", "--bind-to", "none", app, "solve", "-x", f"{work}/x.npy", "-b",
                   f"{work}/b.npy", "-o", f"{work}/c.npy", "--kernel", "gaussian", "--sigma", "0.1", "--alpha",
                   "0.01", "--precision", "mixed", "--rtol", "1e-10", "--report", f"{work}/report.json"]
        for _ in range(repeat):  # alternating, so that both see the same machine; the least of each is reported
            started = time.perf_counter()
            subprocess.run(command, check=True, env=env, capture_output=True)
            app_wall.append(time.perf_counter() - started)
            with open(f"{work}/report.json") as stream:
                seconds = json.load(stream)["seconds"]
            app_work.append(sum(seconds.get(k, 0.0) for k in ("setup", "preconditioner", "solve")))
            c_app = np.load(f"{work}/c.npy")
            started = time.perf_counter()
            solver = kernelsolve.KernelSolver(x, comm="self", **options)
            c, result = solver.solve(b, rtol=1e-10)
            python_work.append(time.perf_counter() - started)
            solver.close()
    return [{"N": n, "method": f"app `kernelsolve solve` (1 rank x {threads} threads)", "work": min(app_work),
             "wall": min(app_wall), "detail": "setup + preconditioner + solve from its JSON report; wall: mpirun "
                                              "to exit"},
            {"N": n, "method": f"kernelsolve.KernelSolver (this process, {threads} threads)", "work": min(python_work),
             "overhead": min(python_work) / min(app_work) - 1,
             "detail": f"{result.iterations} iterations, same bits as the app: {np.array_equal(c, c_app)}"}]


def table(title, rows, columns):
    def cell(value):
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 1e-2 and value != 0 else f"{value:.3f}"
        return str(value)

    print(f"\n{title}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--dense-limit", type=int, default=20000)
    parser.add_argument("--parts", nargs="+", default=["overhead", "seed", "terrain"])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side of the overhead part")
    parser.add_argument("--app", default=os.path.join(os.path.dirname(__file__), "..", "build", "apps", "kernelsolve"))
    arguments = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(arguments.threads)  # before kernelsolve starts Kokkos
    os.environ.setdefault("OMP_PROC_BIND", "false")
    import torch

    import kernelsolve

    torch.set_num_threads(arguments.threads)
    kernelsolve.initialize()  # MPI and Kokkos start-up once, outside the timings (as in a long-running session)
    print(f"kernelsolve {kernelsolve.__version__}, {kernelsolve.build_info()['execution_space']}, "
          f"{arguments.threads} threads; torch {torch.__version__}; {os.cpu_count()} cores")
    if "overhead" in arguments.parts:
        rows = [row for n in arguments.points
                for row in overhead_rows(n, arguments.threads, arguments.app, arguments.repeat)]
        table(f"The Python layer against the app (seconds; the least of {arguments.repeat} alternating runs each)",
              rows, ["N", "method", "work", "wall", "overhead", "detail"])
    if "seed" in arguments.parts:
        rows = [row for n in arguments.points for row in seed_rows(n, arguments.dense_limit)]
        table("KeOps' KernelSolve example (seconds; errors relative to torch's dense float32 solve)", rows,
              ["N", "method", "solve", "gradient", "iterations", "c error", "gradient error", "c error vs float64",
               "gradient error vs float64"])
    if "terrain" in arguments.parts:
        rows = [row for n in arguments.points for row in terrain_rows(n, arguments.dense_limit)]
        table("Terrain RBF interpolation (seconds; max |ours - SciPy| / max |SciPy| over 2000 held-out points)",
              rows, ["N", "method", "fit", "predict", "total", "rms", "difference"])


if __name__ == "__main__":
    main()
