#!/usr/bin/python3
"""Strong- and weak-scaling series of the kernelsolve app, from its JSON reports.

    python3 perf/scaling.py --out scaling/                       # this machine: 1..nproc ranks, mpirun
    python3 perf/scaling.py --ranks 1,2,4,8,16 --threads-per-rank 8 \\
        --launcher "srun -n {ranks} -c {threads}" --strong-points 200000 --weak-points 50000 --out scaling/

Every run is `<launcher> kernelsolve demo -n N ... --report run.json` (the seed's problem: points uniform in
[0,1]^D, Dv random right-hand sides, no dense check). The strong series keeps N fixed; the weak series grows N with
the ranks so that the product work per rank, N^2 / P, stays fixed (N = N0 sqrt(P / P0)): with dense products every
rank evaluates N / P rows against all N points. Written to --out:

    scaling.csv   one row per run: series, ranks, threads, N, iterations, seconds (setup, preconditioner, solve),
                  per iteration, speedup and parallel efficiency against the first rank count of the series, and per
                  phase (core/phase_timings.hpp) the most loaded rank's seconds and the imbalance max / mean
    scaling.md    the same as Markdown tables, one per series
    strong.png, weak.png   time per phase against ranks (with the ideal line), when matplotlib is installed

Speedup and efficiency use the solve time for the strong series; for the weak series, whose problems differ, the
solve time per kernel product (the iteration counts of different N differ; a product's work per rank is fixed). The launcher is a template: {ranks} and
{threads} are replaced; OMP_NUM_THREADS is set to the threads per rank in the environment of every run.
"""

import argparse
import csv
import json
import math
import os
import shlex
import subprocess
import sys
import time

PHASES = ["kernel_product", "gather", "reductions", "preconditioner_setup", "preconditioner_apply",
          "vector_updates", "io"]
SHORT = {"kernel_product": "product", "gather": "gather", "reductions": "reductions",
         "preconditioner_setup": "prec. setup", "preconditioner_apply": "prec. apply",
         "vector_updates": "vector updates", "io": "I/O"}


def default_launcher():
    """mpirun of Open MPI or MPICH on this machine: no binding (threads of a rank may use several cores)."""
    launcher = "mpirun -np {ranks} --oversubscribe --bind-to none"
    if os.geteuid() == 0:
        os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return launcher


def parse_arguments(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--app", default=os.path.join(here, "..", "build", "apps", "kernelsolve"),
                        help="the kernelsolve app (default: build/apps/kernelsolve)")
    parser.add_argument("--out", default="scaling", help="directory of the CSV, Markdown, plots and reports")
    parser.add_argument("--ranks", default=None,
                        help="comma-separated rank counts (default: 1, 2, 4, ... up to the cores of this machine)")
    parser.add_argument("--threads-per-rank", type=int, default=None,
                        help="OpenMP threads per rank (default: cores / largest rank count, at least 1)")
    parser.add_argument("--launcher", default=None,
                        help="launch command template with {ranks} and {threads}, e.g. \"srun -n {ranks} -c "
                             "{threads}\" or \"mpirun --hostfile hosts -np {ranks}\" (default: local mpirun)")
    parser.add_argument("--series", default="strong,weak", help="strong, weak or both (default: strong,weak)")
    parser.add_argument("--strong-points", type=int, default=20000, help="N of the strong series (20000)")
    parser.add_argument("--weak-points", type=int, default=10000,
                        help="N at the first rank count of the weak series (10000)")
    parser.add_argument("--dimension", type=int, default=2, help="D (2)")
    parser.add_argument("--columns", type=int, default=2, help="Dv (2)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per point; the fastest solve is kept (1)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per run (3600)")
    parser.add_argument("--no-plot", action="store_true", help="write no PNG plots")
    parser.add_argument("app_options", nargs=argparse.REMAINDER,
                        help="after --: options for `kernelsolve demo` (e.g. -- --precision double "
                             "--preconditioner none --rtol 1e-6)")
    arguments = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    if arguments.ranks is None:
        ranks, p = [], 1
        while p <= cores:
            ranks.append(p)
            p *= 2
        arguments.ranks = ranks
    else:
        try:
            arguments.ranks = [int(r) for r in arguments.ranks.split(",")]
        except ValueError:
            parser.error(f"--ranks must be comma-separated integers, got {arguments.ranks!r}")
        if not arguments.ranks or min(arguments.ranks) < 1:
            parser.error(f"--ranks must be positive, got {arguments.ranks}")
    if arguments.threads_per_rank is None:
        arguments.threads_per_rank = max(1, cores // max(arguments.ranks))
    elif arguments.threads_per_rank < 1:
        parser.error(f"--threads-per-rank must be >= 1, got {arguments.threads_per_rank}")
    arguments.series = [s for s in arguments.series.split(",") if s]
    for s in arguments.series:
        if s not in ("strong", "weak"):
            parser.error(f"--series takes strong and/or weak, got {s!r}")
    if arguments.launcher is None:
        arguments.launcher = default_launcher()
    if arguments.app_options and arguments.app_options[0] == "--":
        arguments.app_options = arguments.app_options[1:]
    if not os.access(arguments.app, os.X_OK):
        parser.error(f"--app {arguments.app}: not an executable (build kernelsolve first: bash scripts/setup.sh)")
    return arguments


def run_once(arguments, series, ranks, points, repeat):
    """One app run; returns its report (a dict)."""
    report_path = os.path.join(arguments.out, "runs", f"{series}_p{ranks}_n{points}_r{repeat}.json")
    launcher = arguments.launcher.format(ranks=ranks, threads=arguments.threads_per_rank)
    command = shlex.split(launcher) + [arguments.app, "demo", "-n", str(points), "-d", str(arguments.dimension),
                                       "--dv", str(arguments.columns), "--reference-limit", "0",
                                       "--report", report_path] + list(arguments.app_options)
    environment = dict(os.environ, OMP_NUM_THREADS=str(arguments.threads_per_rank))
    environment.setdefault("OMP_PROC_BIND", "false")
    started = time.monotonic()
    completed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=arguments.timeout)
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"run failed (exit {completed.returncode}): {' '.join(command)}\n" + "\n".join(tail))
    with open(report_path) as file:
        report = json.load(file)
    report["wall_seconds"] = time.monotonic() - started
    return report


def row_of(series, report, threads):
    """The CSV row of one run."""
    seconds = report.get("seconds", {})
    solve = report.get("solve", {})
    iterations = solve.get("iterations", 0)
    row = {"series": series, "ranks": report["ranks"], "threads_per_rank": threads,
           "N": report["problem"]["points"], "D": report["problem"]["dimension"],
           "Dv": report["problem"]["columns"], "precision": report["problem"]["precision"],
           "preconditioner": report.get("preconditioner", {}).get("name", "none"),
           "iterations": iterations, "converged": solve.get("converged", False),
           "setup_s": seconds.get("setup", 0.0), "preconditioner_s": seconds.get("preconditioner", 0.0),
           "solve_s": seconds.get("solve", 0.0)}
    row["nystrom_rank"] = report.get("preconditioner", {}).get("rank", 0)
    row["solve_per_iteration_s"] = row["solve_s"] / iterations if iterations else 0.0
    phases = {p["phase"]: p for p in report.get("phases", [])}
    products = phases.get("kernel_product", {}).get("calls", 0)
    row["products"] = products
    row["solve_per_product_s"] = row["solve_s"] / products if products else 0.0
    for phase in PHASES:
        entry = phases.get(phase)
        row[f"{phase}_calls"] = entry["calls"] if entry else 0
        row[f"{phase}_max_s"] = entry["max_seconds"] if entry else 0.0
        row[f"{phase}_imbalance"] = (entry["max_seconds"] / entry["mean_seconds"]
                                     if entry and entry["mean_seconds"] > 0 else 1.0)
    product_seconds = row["kernel_product_max_s"]
    # kernel pairs per second over all ranks: every product evaluates N^2 pairs (all Dv columns at once)
    row["pairs_per_s"] = products * row["N"] ** 2 / product_seconds if product_seconds > 0 else 0.0
    return row


def add_speedups(rows):
    """Speedup and efficiency against the first (smallest) rank count of each series."""
    for series in {r["series"] for r in rows}:
        members = sorted((r for r in rows if r["series"] == series), key=lambda r: r["ranks"])
        base = members[0]
        for r in members:
            scale = r["ranks"] / base["ranks"]
            if series == "strong":
                speedup = base["solve_s"] / r["solve_s"] if r["solve_s"] > 0 else 0.0
            else:  # different problems: the solve time per kernel product, whose work per rank N^2 / P is fixed
                speedup = (scale * base["solve_per_product_s"] / r["solve_per_product_s"]
                           if r["solve_per_product_s"] > 0 else 0.0)
            r["speedup"] = speedup
            r["efficiency"] = speedup / scale


def write_csv(path, rows):
    with open(path + ".tmp", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(path + ".tmp", path)


def markdown(rows, arguments):
    lines = [f"Kernel solves of `kernelsolve demo` ({rows[0]['precision']}, preconditioner "
             f"{rows[0]['preconditioner']}, D = {rows[0]['D']}, Dv = {rows[0]['Dv']}), "
             f"{arguments.threads_per_rank} thread(s) per rank, launcher `{arguments.launcher}`. "
             "Seconds of the slowest rank; phase columns: seconds of the most loaded rank (its imbalance "
             "max / mean in parentheses when above 1.05).", ""]
    for series in ("strong", "weak"):
        members = [r for r in rows if r["series"] == series]
        if not members:
            continue
        efficiency_of = "solve time" if series == "strong" else "solve time per kernel product"
        lines.append(f"**{series.capitalize()} scaling** (efficiency from the {efficiency_of})")
        lines.append("")
        header = ["ranks", "N", "iterations", "products", "solve s", "s / iteration", "speedup", "efficiency",
                  "pairs/s"]
        header += [SHORT[p] + " s" for p in PHASES]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for r in members:
            cells = [str(r["ranks"]), str(r["N"]), str(r["iterations"]), str(r["products"]), f"{r['solve_s']:.3f}",
                     f"{r['solve_per_iteration_s'] * 1e3:.2f} ms", f"{r['speedup']:.2f}", f"{r['efficiency']:.0%}",
                     f"{r['pairs_per_s']:.2e}"]
            for p in PHASES:
                value = r[f"{p}_max_s"]
                cell = f"{value:.3f}" if value > 0 else "-"
                if r[f"{p}_imbalance"] > 1.05:
                    cell += f" ({r[f'{p}_imbalance']:.2f})"
                cells.append(cell)
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def plot(path, members, series):
    """Stacked time per phase against ranks, with the ideal line; False when matplotlib is absent."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    ranks = [r["ranks"] for r in members]
    figure, axis = plt.subplots(figsize=(7, 4.5))
    bottom = [0.0] * len(members)
    positions = list(range(len(members)))
    for phase in PHASES:
        values = [r[f"{phase}_max_s"] for r in members]
        if not any(values):
            continue
        axis.bar(positions, values, bottom=bottom, label=SHORT[phase], width=0.6)
        bottom = [b + v for b, v in zip(bottom, values)]
    base = members[0]
    if series == "strong":
        ideal = [base["solve_s"] * base["ranks"] / p for p in ranks]
        measured = [r["solve_s"] for r in members]
        label = "solve (measured)"
    else:
        ideal = [base["solve_per_product_s"] * r["products"] for r in members]
        measured = [r["solve_s"] for r in members]
        label = "solve (measured; ideal: the first run's time per product)"
    axis.plot(positions, measured, "ko-", label=label)
    axis.plot(positions, ideal, "k--", label="ideal")
    axis.set_xticks(positions)
    axis.set_xticklabels([f"{p}\nN={r['N']}" for p, r in zip(ranks, members)])
    axis.set_xlabel("MPI ranks")
    axis.set_ylabel("seconds (bars: phases of setup + solve, most loaded rank)")
    axis.set_title(f"kernelsolve {series} scaling, {base['threads_per_rank']} thread(s) per rank")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path + ".tmp.png", dpi=110)
    plt.close(figure)
    os.replace(path + ".tmp.png", path)
    return True


def main(argv):
    arguments = parse_arguments(argv)
    os.makedirs(os.path.join(arguments.out, "runs"), exist_ok=True)
    base_ranks = arguments.ranks[0]
    rows = []
    for series in arguments.series:
        for ranks in arguments.ranks:
            if series == "strong":
                points = arguments.strong_points
            else:
                points = int(round(arguments.weak_points * math.sqrt(ranks / base_ranks)))
            best = None
            for repeat in range(arguments.repeats):
                try:
                    report = run_once(arguments, series, ranks, points, repeat)
                except (RuntimeError, subprocess.TimeoutExpired) as error:
                    print(f"scaling.py: error: {error}", file=sys.stderr)
                    return 1
                if best is None or report["seconds"]["solve"] < best["seconds"]["solve"]:
                    best = report
            row = row_of(series, best, arguments.threads_per_rank)
            rows.append(row)
            print(f"{series:6s} ranks {ranks:3d}  N {points:8d}  iterations {row['iterations']:5d}  "
                  f"solve {row['solve_s']:.3f} s", flush=True)
    add_speedups(rows)
    write_csv(os.path.join(arguments.out, "scaling.csv"), rows)
    with open(os.path.join(arguments.out, "scaling.md"), "w") as file:
        file.write(markdown(rows, arguments) + "\n")
    print(f"Wrote {os.path.join(arguments.out, 'scaling.csv')} and scaling.md")
    if not arguments.no_plot:
        for series in arguments.series:
            members = [r for r in rows if r["series"] == series]
            path = os.path.join(arguments.out, f"{series}.png")
            if plot(path, members, series):
                print(f"Wrote {path}")
            else:
                print("Plots skipped: matplotlib is not installed (apt-get install python3-matplotlib)")
                break
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
