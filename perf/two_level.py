#!/usr/bin/python3
"""Iterations and seconds of the two-level preconditioner against one-level Schwarz and Nystrom, side by side.

    python3 perf/two_level.py [--app build/apps/kernelsolve] [--points 20000] [--ranks 2] [--out two_level.md]

Every run is `mpirun -np RANKS kernelsolve demo -n N --sigma S --alpha A --precision float64 --rtol R
--preconditioner P --max-it M --report run.json` on the seed's problem (points uniform in [0,1]^2, one right-hand side, no
dense check), for a narrow Gaussian (sigma = 0.01: a few dozen points within reach), a medium one (sigma = 0.05) and
a wide one (sigma = 0.3: every point sees most others), and P in schwarz, nystrom, two_level. The runs alternate and each configuration keeps
the least seconds of --repeats runs (the machines are shared). Written: a Markdown table (stdout and --out).
"""

import argparse
import os
import sys
import tempfile

import app_runs

PROBLEMS = [("narrow", 0.01), ("medium", 0.05), ("wide", 0.3)]
PRECONDITIONERS = ["schwarz", "nystrom", "two_level"]


def run(app, ranks, points, sigma, alpha, rtol, preconditioner, threads, max_iterations):
    with tempfile.TemporaryDirectory() as directory:
        report = os.path.join(directory, "run.json")
        command = app_runs.mpirun(ranks) + [
            app, "demo", "-n", str(points), "--sigma", str(sigma), "--alpha", str(alpha), "--precision", "float64",
            "--rtol", str(rtol), "--preconditioner", preconditioner, "--reference-limit", "0", "--max-it",
            str(max_iterations), "--report", report]
        # 3: a column did not converge within --max-it; the report says so (and is still whole)
        app_runs.run(command, app_runs.app_environment(threads), accepted=(0, 3))
        if not os.path.exists(report):
            sys.exit(f"two_level.py: {' '.join(command)} wrote no report")
        return app_runs.read_report(report)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", default="build/apps/kernelsolve")
    parser.add_argument("--points", type=int, default=20000)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="OpenMP threads per rank")
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--rtol", type=float, default=1e-8)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--max-iterations", type=int, default=1000)
    parser.add_argument("--out")
    arguments = parser.parse_args()

    best = {}
    for _ in range(arguments.repeats):
        for name, sigma in PROBLEMS:
            for preconditioner in PRECONDITIONERS:
                report = run(arguments.app, arguments.ranks, arguments.points, sigma, arguments.alpha, arguments.rtol,
                             preconditioner, arguments.threads, arguments.max_iterations)
                seconds = report["seconds"]
                row = {"iterations": report["solve"]["iterations"], "converged": report["solve"]["converged"],
                       "setup": seconds.get("preconditioner", 0.0), "solve": seconds.get("solve", 0.0)}
                key = (name, preconditioner)
                if key not in best or row["setup"] + row["solve"] < best[key]["setup"] + best[key]["solve"]:
                    best[key] = row
    lines = [f"N = {arguments.points}, D = 2, alpha = {arguments.alpha}, rtol = {arguments.rtol}, float64, "
             f"{arguments.ranks} ranks x {arguments.threads} threads; seconds: the least of {arguments.repeats}",
             "",
             "| problem | preconditioner | iterations | converged | setup s | solve s | total s |",
             "|---|---|---|---|---|---|---|"]
    for name, sigma in PROBLEMS:
        for preconditioner in PRECONDITIONERS:
            row = best[(name, preconditioner)]
            lines.append(f"| {name} (sigma {sigma}) | {preconditioner} | {row['iterations']} | {row['converged']} | "
                         f"{row['setup']:.3f} | {row['solve']:.3f} | {row['setup'] + row['solve']:.3f} |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if arguments.out:
        with open(arguments.out, "w") as file:
            file.write(text)


if __name__ == "__main__":
    main()
