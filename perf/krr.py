#!/usr/bin/python3
"""Kernel ridge regression on tabular data: kernelsolve against scikit-learn's dense KernelRidge, side by side.

    perf/krr.py [--points 5000 20000] [--synthetic-points 5000 20000] [--ranks 2] [--out /tmp/kernelsolve-krr]

Data (both as a new user would prepare them: features standardized, target centred and scaled):
- diamonds (ggplot2's data set, 53940 gems: carat, cut, colour, clarity, depth, table, x, y, z -> log price; the
  ordered factors as their level numbers; D = 9). Debian ships it in r-cran-ggplot2, as R's lazy-load database; the
  script reads it with python3-rdata from the package's files, unpacked without installing R:
      apt-get download r-cran-ggplot2 && dpkg -x r-cran-ggplot2_*.deb DIR   (--ggplot2 DIR, default below)
  N training gems and --held-out others, drawn at random.
- synthetic, D = 100: points N(0, I / D) (so |x - y|^2 is about 2 on average, as for standardized features scaled by
  1 / D), target a sum of 20 random Gaussian bumps plus 1 % noise.

Kernel: the Gaussian exp(-gamma |x - y|^2) with gamma = 1 / D (scikit-learn's default for kernel='rbf'), ridge
--alpha. For each problem and N the script runs, in one go on the same machine:
  kernelsolve: `mpirun -np RANKS kernelsolve solve` (default options: float64 for float64 files, automatic
    preconditioner and rank, rtol 1e-10) and `kernelsolve predict` on the held-out points;
  scikit-learn: KernelRidge(kernel='rbf', gamma, alpha).fit / .predict (dense Cholesky, OpenBLAS on --threads).
and prints a Markdown table: wall seconds (fit, predict), kernelsolve's products / preconditioner / iterations,
held-out RMSE (in units of the target's standard deviation), and the largest difference between the two
predictions relative to their scale.
"""
import argparse
import gzip
import os
import subprocess
import sys
import time
import zlib

import numpy as np

import app_runs
from app_runs import cell

GGPLOT2 = "/tmp/kernelsolve-data/ggplot2"
RDATA = "usr/lib/R/site-library/ggplot2/data/Rdata"


def ggplot2_directory(directory):
    """The unpacked r-cran-ggplot2 package: unpacked here with apt-get download and dpkg -x if absent."""
    if os.path.exists(os.path.join(directory, RDATA + ".rdb")):
        return directory
    os.makedirs(directory, exist_ok=True)
    done = subprocess.run(["apt-get", "download", "r-cran-ggplot2"], cwd=directory, capture_output=True, text=True)
    packages = [name for name in os.listdir(directory) if name.endswith(".deb")]
    if done.returncode != 0 or not packages:
        sys.exit(f"krr.py: could not download r-cran-ggplot2 ({done.stderr.strip()}); "
                 f"run apt-get update, or unpack the package into --ggplot2 DIR yourself")
    subprocess.run(["dpkg", "-x", os.path.join(directory, packages[0]), directory], check=True)
    return directory


def lazy_load_object(base, name):
    """Object `name` of an R lazy-load database base.rdx / base.rdb (an index, then zlib-compressed serializations)."""
    try:
        import rdata
        from rdata.parser._parser import parse_rdata_binary
    except ImportError:
        sys.exit("krr.py: needs python3-rdata (apt-get install python3-rdata)")

    def parse(serialized):
        return rdata.conversion.convert(parse_rdata_binary(memoryview(serialized)), default_encoding="utf-8")

    with open(base + ".rdx", "rb") as stream:
        index = parse(gzip.decompress(stream.read()))
    offset, length = (int(value) for value in index["variables"][name])
    with open(base + ".rdb", "rb") as stream:
        stream.seek(offset)
        record = stream.read(length)
    return parse(zlib.decompress(record[4:]))  # 4 bytes: the uncompressed length


def diamonds(directory):
    """Standardized features (N x 9) and the standardized log price of ggplot2's diamonds."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tibble classes read as data.frame
        frame = lazy_load_object(os.path.join(ggplot2_directory(directory), RDATA), "diamonds")
    columns = []
    for name in ("carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"):
        column = frame[name]
        columns.append(column.cat.codes.to_numpy(np.float64) if hasattr(column, "cat") else column.to_numpy(np.float64))
    features = np.stack(columns, axis=1)
    target = np.log(frame["price"].to_numpy(np.float64))
    return features, target


def synthetic(count, dimension, seed):
    """count points N(0, I / D) in D dimensions and a smooth target: 20 Gaussian bumps plus 1 % noise."""
    rng = np.random.default_rng(seed)
    points = rng.standard_normal((count, dimension)) / np.sqrt(dimension)
    centres = rng.standard_normal((20, dimension)) / np.sqrt(dimension)
    weights = rng.standard_normal(20)
    squared = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    target = np.exp(-squared) @ weights
    return points, target + 0.01 * target.std() * rng.standard_normal(count)


def split(features, target, n, held_out, seed):
    """n training and held_out test rows drawn at random, standardized with the training rows' statistics."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(features.shape[0], size=n + held_out, replace=False)
    x, y = features[rows], target[rows]
    mean, scale = x[:n].mean(axis=0), x[:n].std(axis=0)
    scale[scale == 0] = 1
    x = (x - mean) / scale
    y = (y - y[:n].mean()) / y[:n].std()
    return x[:n], y[:n], x[n:], y[n:]


def kernelsolve_row(arguments, name, x, y, held_x, held_y, gamma, env):
    """Fit and predict with the app; its table row and its held-out predictions."""
    n = x.shape[0]
    files = {key: os.path.join(arguments.out, f"{name}_{n}_{key}.npy") for key in ("x", "b", "at", "c", "values")}
    np.save(files["x"], x)
    np.save(files["b"], y)
    np.save(files["at"], held_x)
    report = os.path.join(arguments.out, f"{name}_{n}_report.json")
    common = ["--kernel", "gaussian", "--gamma", repr(gamma)]
    fit, predict, solved = app_runs.fit_and_predict(app_runs.mpirun(arguments.ranks), arguments.app, files,
                                                    ["--alpha", repr(arguments.alpha)] + common + arguments.extra,
                                                    common, report, env)
    values = np.load(files["values"]).reshape(-1)
    solve = solved.get("solve", {})
    iterations = app_runs.iterations_of(solve)
    preconditioner = solved["preconditioner"]
    described = preconditioner["name"]
    if "rank" in preconditioner:
        described += f" rank {preconditioner['rank']}"
    seconds = solved["seconds"]
    phases = {phase["phase"]: phase for phase in solved.get("phases", [])}
    product = phases.get("kernel_product", {})
    products = f"{product.get('max_seconds', 0.0):.2f} in {product.get('calls', 0)}"
    return {"method": f"kernelsolve ({arguments.ranks} x {arguments.threads_per_rank}, {described})", "fit": fit,
            "predict": predict, "setup": seconds.get("preconditioner", ""), "solve": seconds.get("solve", ""),
            "products": products, "iterations": iterations,
            "residual": max(column["relative_residual"] for column in solve.get("columns", [])),
            "rmse": float(np.sqrt(np.mean((values - held_y) ** 2)))}, values


def sklearn_row(arguments, x, y, held_x, held_y, gamma):
    from sklearn.kernel_ridge import KernelRidge
    started = time.perf_counter()
    model = KernelRidge(alpha=arguments.alpha, kernel="rbf", gamma=gamma).fit(x, y)
    fitted = time.perf_counter()
    values = model.predict(held_x)
    predicted = time.perf_counter()
    return {"method": f"scikit-learn KernelRidge dense ({arguments.threads} threads)", "fit": fitted - started,
            "predict": predicted - fitted, "setup": "", "solve": "", "products": "", "iterations": "",
            "residual": "", "rmse": float(np.sqrt(np.mean((values - held_y) ** 2)))}, values


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, nargs="*", default=[5000, 20000], help="diamonds training sizes")
    parser.add_argument("--synthetic-points", type=int, nargs="*", default=[5000, 20000])
    parser.add_argument("--synthetic-dimension", type=int, default=100)
    parser.add_argument("--held-out", type=int, default=5000)
    parser.add_argument("--alpha", type=float, default=1e-2)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--threads-per-rank", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="scikit-learn's BLAS threads")
    parser.add_argument("--dense-limit", type=int, default=20000, help="largest N for scikit-learn's dense fit")
    parser.add_argument("--ggplot2", default=GGPLOT2, help="the unpacked r-cran-ggplot2 package")
    parser.add_argument("--app", default=os.path.join(os.path.dirname(__file__), "..", "build", "apps", "kernelsolve"))
    parser.add_argument("--out", default="/tmp/kernelsolve-krr")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check-agreement", type=float,
                        help="exit 1 when the two predictions differ by more than this (relative): the smoke test")
    parser.add_argument("extra", nargs="*", help="more kernelsolve solve options (after --)")
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)
    env = app_runs.app_environment(arguments.threads_per_rank)
    os.environ["OPENBLAS_NUM_THREADS"] = str(arguments.threads)  # before NumPy's BLAS starts its threads

    problems = []
    if arguments.points:
        features, target = diamonds(arguments.ggplot2)
        problems += [("diamonds", n, features, target) for n in arguments.points]
    for n in arguments.synthetic_points:
        features, target = synthetic(n + arguments.held_out, arguments.synthetic_dimension, arguments.seed)
        problems.append((f"synthetic D={arguments.synthetic_dimension}", n, features, target))

    rows = []
    for name, n, features, target in problems:
        x, y, held_x, held_y = split(features, target, n, arguments.held_out, arguments.seed)
        gamma = 1.0 / x.shape[1]
        ours, our_values = kernelsolve_row(arguments, name.split()[0], x, y, held_x, held_y, gamma, env)
        rows.append(dict(ours, problem=f"{name} (D = {x.shape[1]})", N=n, agreement=""))
        if n <= arguments.dense_limit:
            theirs, their_values = sklearn_row(arguments, x, y, held_x, held_y, gamma)
            rows.append(dict(theirs, problem=rows[-1]["problem"], N=n, agreement=""))
            rows[-2]["agreement"] = app_runs.relative_difference(our_values, their_values)
            rows[-2]["speedup"] = theirs["fit"] / ours["fit"]
        print(f"{name} N = {n} done", file=sys.stderr)

    print(f"Kernel ridge regression, Gaussian exp(-|x - y|^2 / D), alpha = {arguments.alpha}, "
          f"{arguments.held_out} held-out points")
    print("| problem | N | method | fit (s) | of which setup / solve (s) | products (s, calls) | predict (s) | "
          "iterations | true rel. residual | held-out RMSE | max diff. to scikit-learn | fit speed-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        split_seconds = f"{cell(row['setup'], '{:.2f}')} / {cell(row['solve'], '{:.2f}')}" if row["setup"] != "" \
            else ""
        print(f"| {row['problem']} | {row['N']} | {row['method']} | {cell(row['fit'], '{:.2f}')} | {split_seconds} | "
              f"{row['products']} | {cell(row['predict'], '{:.2f}')} | {row['iterations']} | {cell(row['residual'], '{:.1e}')} | "
              f"{cell(row['rmse'], '{:.4f}')} | {cell(row['agreement'], '{:.1e}')} | "
              f"{cell(row.get('speedup', ''), '{:.1f}x')} |")
    print(app_runs.WALL_TIME_NOTE)
    if arguments.check_agreement is not None:
        worst = max((row["agreement"] for row in rows if row["agreement"] != ""), default=None)
        if worst is None or not worst <= arguments.check_agreement:
            sys.exit(f"krr.py: the predictions differ by {worst} (relative), more than {arguments.check_agreement}")


if __name__ == "__main__":
    main()
