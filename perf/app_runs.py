"""What the perf/ comparison scripts share: running the kernelsolve app under mpirun, timed, and reading its report.

Imported by perf/krr.py, perf/interpolation.py and perf/two_level.py (they run from perf/, which Python puts first on
sys.path).
"""
import json
import os
import subprocess
import sys
import time


def app_environment(threads_per_rank):
    """The environment of an app run: OpenMP threads per rank, unbound, and Open MPI allowed to run as root."""
    return dict(os.environ, OMP_NUM_THREADS=str(threads_per_rank), OMP_PROC_BIND="false",
                OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def mpirun(ranks):
    """The launcher of `ranks` processes, oversubscribing and unbound (the machines have few cores)."""
    return ["mpirun", "-np", str(ranks), "--oversubscribe", "--bind-to", "none"]


def run(command, env=None, accepted=(0,)):
    """Runs command; its wall seconds, stdout and exit status. Exits the script, with the command's output, on a
    status outside `accepted`."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode not in accepted:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, done.stdout, done.returncode


def read_report(path):
    with open(path) as stream:
        return json.load(stream)


def iterations_of(solve):
    """A report's iterations as a table cell: the count, or inner / outer for iterative refinement."""
    if "outer_steps" in solve:
        return f"{sum(s['inner_iterations'] for s in solve['outer_steps'])} inner / {len(solve['outer_steps']) - 1} outer"
    return str(solve.get("iterations", ""))


def fit_and_predict(launcher, app, files, solve_options, predict_options, report, env):
    """`kernelsolve solve` on files x, b -> c (with --report report), then `kernelsolve predict` at files at ->
    values: the fit's and the prediction's wall seconds and the solve's report."""
    fit, _, _ = run(launcher + [app, "solve", "-x", files["x"], "-b", files["b"], "-o", files["c"], "--report", report] +
                    solve_options, env)
    predict, _, _ = run(launcher + [app, "predict", "-x", files["x"], "-c", files["c"], "--at", files["at"], "-o",
                                    files["values"]] + predict_options, env)
    return fit, predict, read_report(report)


def relative_difference(ours, theirs):
    """The largest difference between two predictions, relative to the largest of the reference's values."""
    return float(abs(ours - theirs).max() / abs(theirs).max())


def cell(value, form):
    """A table cell: a float in `form`, anything else (an empty cell, a count) as it is."""
    return form.format(value) if isinstance(value, float) else str(value)


WALL_TIME_NOTE = ("(kernelsolve's fit and predict are wall times of `mpirun kernelsolve solve / predict`: process "
                  "start, Kokkos and MPI initialization and file I/O included)")
