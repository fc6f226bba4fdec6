#!/usr/bin/python3
"""Scattered-data interpolation with a narrow kernel: kernelsolve against SciPy's RBFInterpolator, side by side.

The surface is a real one: the Jacksboro fault digital elevation model that Debian's python3-matplotlib ships
(344 x 403 samples, 3 arc-seconds). N points are drawn at random grid cells (jittered inside the cell), the
elevations standardized; M other cells are held out to measure the interpolation error. The kernel is the Gaussian
exp(-|x - y|^2 / l^2) with l = --width sample spacings (kernelsolve: --gamma 1 / l^2; SciPy: kernel='gaussian',
epsilon = 1 / l, degree=-1 so that both solve the same system (K + alpha I) c = b).

For each N the script runs, in one go on the same machine:
  kernelsolve solve + predict (mpirun, the given preconditioner and precision, true relative residual --rtol),
  SciPy RBFInterpolator dense (N <= --dense-limit) and with neighbors=64 (local, approximate),
and prints one Markdown table: seconds (fit, predict), iterations, relative residual, RMS error on the held-out
cells, and the largest difference between kernelsolve's and SciPy dense's predictions relative to their scale.

  perf/interpolation.py --points 5000 20000 --ranks 2 --out /tmp/interp
"""
import argparse
import os
import sys
import time

import numpy as np

import app_runs
from app_runs import cell

DEM = "/usr/share/matplotlib/mpl-data/sample_data/jacksboro_fault_dem.npz"


def terrain_samples(n, held_out, seed):
    """n + held_out distinct jittered grid points (scaled so that x spans [0, 1]) and standardized elevations."""
    elevation = np.load(DEM)["elevation"].astype(np.float64)
    rows, columns = elevation.shape
    rng = np.random.default_rng(seed)
    cells = rng.choice(rows * columns, size=n + held_out, replace=False)
    r, c = np.divmod(cells, columns)
    points = np.stack([(c + rng.random(cells.size)) / columns, (r + rng.random(cells.size)) / columns], axis=1)
    values = elevation[r, c]
    values = (values - values.mean()) / values.std()
    spacing = np.sqrt(rows * columns / columns**2 / n)
    return points[:n], values[:n, None], points[n:], values[n:, None], spacing


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--held-out", type=int, default=2000)
    parser.add_argument("--width", type=float, default=3.0, help="kernel length scale l in sample spacings")
    parser.add_argument("--alpha", type=float, default=1e-3)
    parser.add_argument("--rtol", type=float, default=1e-10)
    parser.add_argument("--precision", default="double")
    parser.add_argument("--preconditioner", default="auto")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--threads-per-rank", type=int, default=1)
    parser.add_argument("--dense-limit", type=int, default=20000, help="largest N for SciPy's dense solve")
    parser.add_argument("--app", default=os.path.join(os.path.dirname(__file__), "..", "build", "apps", "kernelsolve"))
    parser.add_argument("--out", default="/tmp/kernelsolve-interpolation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("extra", nargs="*", help="more kernelsolve solve options (after --)")
    arguments = parser.parse_args()
    from scipy.interpolate import RBFInterpolator

    os.makedirs(arguments.out, exist_ok=True)
    env = app_runs.app_environment(arguments.threads_per_rank)
    launcher = app_runs.mpirun(arguments.ranks)
    rows = []
    for n in arguments.points:
        points, values, held_points, held_values, spacing = terrain_samples(n, arguments.held_out, arguments.seed)
        length = arguments.width * spacing
        files = {name: os.path.join(arguments.out, f"{name}_{n}.npy") for name in ("x", "b", "at", "c", "values")}
        np.save(files["x"], points)
        np.save(files["b"], values)
        np.save(files["at"], held_points)
        report = os.path.join(arguments.out, f"report_{n}.json")
        common = ["--kernel", "gaussian", "--gamma", repr(1.0 / length**2), "--precision", arguments.precision]
        fit_seconds, predict_seconds, solved = app_runs.fit_and_predict(
            launcher, arguments.app, files, ["--alpha", repr(arguments.alpha), "--rtol", repr(arguments.rtol),
                                             "--preconditioner", arguments.preconditioner] + common + arguments.extra,
            common, report, env)
        ours = np.load(files["values"])
        solve = solved.get("solve", {})
        iterations = app_runs.iterations_of(solve)
        cutoff = solved.get("cutoff")
        truncated = f", cutoff {cutoff['truncation']:g}: {100 * cutoff['kept_fraction']:.2f}% of pairs" if cutoff else ""
        rows.append({"N": n, "method": f"kernelsolve {arguments.precision} ({arguments.ranks} x "
                                         f"{arguments.threads_per_rank}, {solved['preconditioner']['name']}{truncated})",
                     "fit": fit_seconds, "predict": predict_seconds, "iterations": iterations,
                     "solve": solved["seconds"].get("preconditioner", 0.0) + solved["seconds"].get("solve", 0.0),
                     "residual": max(column["relative_residual"] for column in solve.get("columns", [])),
                     "rms": float(np.sqrt(np.mean((ours - held_values) ** 2))), "agreement": ""})

        def scipy_row(method, **neighbors):
            """Fit and evaluate RBFInterpolator on the same system; its row and its held-out values."""
            started = time.perf_counter()
            interpolator = RBFInterpolator(points, values, kernel="gaussian", epsilon=1.0 / length,
                                           smoothing=arguments.alpha, degree=-1, **neighbors)
            fitted = time.perf_counter()
            predicted_values = interpolator(held_points)
            predicted = time.perf_counter()
            rows.append({"N": n, "method": method, "fit": fitted - started, "solve": "",
                         "predict": predicted - fitted, "iterations": "", "residual": "",
                         "rms": float(np.sqrt(np.mean((predicted_values - held_values) ** 2))), "agreement": ""})
            return predicted_values

        if n <= arguments.dense_limit:
            dense = scipy_row("SciPy RBFInterpolator dense")
            rows[-2]["agreement"] = app_runs.relative_difference(ours, dense)
        scipy_row("SciPy RBFInterpolator neighbors=64", neighbors=64)
        print(f"N = {n} done", file=sys.stderr)

    print(f"Terrain interpolation (Jacksboro DEM), Gaussian of width {arguments.width} sample spacings, "
          f"alpha = {arguments.alpha}, rtol = {arguments.rtol}, {arguments.held_out} held-out points")
    print("| N | method | fit (s) | of which preconditioner + solve (s) | predict (s) | iterations | "
          "true rel. residual | held-out RMS error | max diff. to SciPy dense |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['N']} | {row['method']} | {cell(row['fit'], '{:.3f}')} | {cell(row['solve'], '{:.3f}')} | "
              f"{cell(row['predict'], '{:.3f}')} | {row['iterations']} | {cell(row['residual'], '{:.1e}')} | "
              f"{cell(row['rms'], '{:.4f}')} | {cell(row['agreement'], '{:.1e}')} |")
    print(app_runs.WALL_TIME_NOTE)


if __name__ == "__main__":
    main()
