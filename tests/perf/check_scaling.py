#!/usr/bin/python3
"""Runs perf/scaling.py on a tiny problem (1 and 2 ranks) and checks what it writes: the CSV's runs, sizes,
speedups and phases, the Markdown tables, the PNG plots (when matplotlib is installed), the model's check of the
runs, and the harness's errors.

    check_scaling.py APP OUT_DIR LAUNCHER
"""

import csv
import math
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
harness = os.path.join(here, "..", "..", "perf", "scaling.py")
model = os.path.join(here, "..", "..", "perf", "scaling_model.py")
failures = []


def expect(condition, message):
    if not condition:
        failures.append(message)
        print("FAILED: " + message, file=sys.stderr)


def main(app, out, launcher):
    command = [sys.executable, harness, "--app", app, "--out", out, "--ranks", "1,2", "--threads-per-rank", "1",
               "--strong-points", "600", "--weak-points", "400", "--launcher", launcher, "--",
               "--precision", "double", "--rtol", "1e-8"]
    completed = subprocess.run(command, capture_output=True, text=True)
    print(completed.stdout, completed.stderr)
    expect(completed.returncode == 0, f"the harness exits 0 (got {completed.returncode})")
    with open(os.path.join(out, "scaling.csv")) as file:
        rows = list(csv.DictReader(file))
    expect([(r["series"], int(r["ranks"]), int(r["N"])) for r in rows] ==
           [("strong", 1, 600), ("strong", 2, 600), ("weak", 1, 400), ("weak", 2, round(400 * math.sqrt(2)))],
           "one run per series and rank count, N fixed (strong) and N^2 / P fixed (weak): " +
           str([(r["series"], r["ranks"], r["N"]) for r in rows]))
    for r in rows:
        where = f"{r['series']} {r['ranks']} ranks"
        expect(r["converged"] == "True" and int(r["iterations"]) > 0, f"{where}: converged after some iterations")
        expect(r["precision"] == "float64", f"{where}: the app options after -- reach the app ({r['precision']})")
        expect(float(r["solve_s"]) > 0 and float(r["kernel_product_max_s"]) > 0, f"{where}: solve and product times")
        expect(float(r["kernel_product_max_s"]) <= float(r["solve_s"]) + float(r["preconditioner_s"]) + 0.05,
               f"{where}: the product time is within the solve and preconditioner times")
        expect(float(r["pairs_per_s"]) > 0, f"{where}: pairs/s")
        expect(float(r["kernel_product_imbalance"]) >= 1.0, f"{where}: imbalance max / mean >= 1")
        if int(r["ranks"]) == 2:
            expect(float(r["gather_max_s"]) > 0, f"{where}: the gathers are timed")
    strong = [r for r in rows if r["series"] == "strong"]
    expect(float(strong[0]["speedup"]) == 1.0 and float(strong[0]["efficiency"]) == 1.0, "the base run's speedup is 1")
    expect(strong[0]["iterations"] == strong[1]["iterations"], "the same iterations on 1 and 2 ranks")
    expected_speedup = float(strong[0]["solve_s"]) / float(strong[1]["solve_s"])
    expect(abs(float(strong[1]["speedup"]) - expected_speedup) <= 1e-9 * expected_speedup, "strong speedup t1 / t2")
    expect(abs(float(strong[1]["efficiency"]) - expected_speedup / 2) <= 1e-9, "efficiency = speedup / 2")

    with open(os.path.join(out, "scaling.md")) as file:
        table = file.read()
    expect("**Strong scaling**" in table and "**Weak scaling**" in table, "both tables in scaling.md")
    expect(table.count("\n| 1 | ") == 2 and table.count("\n| 2 | ") == 2, "one Markdown row per run")
    try:
        import matplotlib  # noqa: F401
        for name in ("strong.png", "weak.png"):
            with open(os.path.join(out, name), "rb") as file:
                expect(file.read(8) == b"\x89PNG\r\n\x1a\n", f"{name} is a PNG")
    except ImportError:
        expect("Plots skipped" in completed.stdout, "without matplotlib the plots are skipped with a note")

    checked = subprocess.run([sys.executable, model, "--check", os.path.join(out, "scaling.csv")],
                             capture_output=True, text=True)
    print(checked.stdout, checked.stderr)
    expect(checked.returncode == 0 and checked.stdout.count("\n| strong |") == 2, "the model checks every run")
    projected = subprocess.run([sys.executable, model, "--project", "--points", "1e6", "--max-nodes", "4"],
                               capture_output=True, text=True)
    expect(projected.returncode == 0 and projected.stdout.count("\n| ") >= 4, "the model projects 1, 2, 4 nodes")

    # Errors: a missing app, then a run that fails (an unknown app option): one message, non-zero exit.
    missing = subprocess.run([sys.executable, harness, "--app", os.path.join(out, "no-such-app")],
                             capture_output=True, text=True)
    expect(missing.returncode == 2 and "not an executable" in missing.stderr, "a missing app is named")
    failing = subprocess.run(command[:command.index("--")] + ["--series", "strong", "--", "--no-such-option"],
                             capture_output=True, text=True)
    expect(failing.returncode == 1 and "run failed" in failing.stderr, "a failing run stops the harness: " +
           failing.stderr[-300:])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
