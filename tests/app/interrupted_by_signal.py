"""The app's clean stop: a solve that receives SIGUSR1 (Slurm's --signal; mpirun forwards it to every rank) or
SIGTERM (sent here to one rank only, as a signal that reaches the ranks at different times) ends the iteration on
every rank, writes its report with reason "interrupted", writes no coefficients file and exits with code 4.

Usage: interrupted_by_signal.py MPIEXEC APP [MPIEXEC_PREFLAGS...]
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

EXIT_INTERRUPTED = 4


def children_of(pid):
    """The processes whose parent is pid (mpirun's ranks on this node)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return sorted(found)


def interrupted_solve(mpiexec, app, preflags, directory, how):
    """Starts a long solve on 2 ranks, waits for its first iterations, signals it, and checks how it ended."""
    rng = np.random.default_rng(7)
    points, rhs = os.path.join(directory, "x.npy"), os.path.join(directory, "b.npy")
    np.save(points, rng.random((6000, 2)))
    np.save(rhs, rng.standard_normal((6000, 1)))
    out, report = os.path.join(directory, "c.npy"), os.path.join(directory, "report.json")
    # plain CG in float64 to a tolerance it needs thousands of iterations for: it is still iterating when signalled
    command = [mpiexec, "-n", "2", *preflags, app, "solve", "-x", points, "-b", rhs, "-o", out, "--report", report,
               "--sigma", "0.3", "--alpha", "1e-6", "--precision", "double", "--preconditioner", "none",
               "--rtol", "1e-14", "--max-it", "1000000", "--monitor"]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, OMP_NUM_THREADS="1"))
    lines = []
    for line in run.stdout:
        lines.append(line)
        if line.strip().startswith("iteration") and int(line.split()[1]) >= 3:
            break
    else:
        run.wait()
        raise AssertionError("the solve ended before it was signalled:\n" + "".join(lines) + run.stderr.read())
    if how == "SIGUSR1 to mpirun":
        run.send_signal(signal.SIGUSR1)
    else:
        ranks = children_of(run.pid)
        assert len(ranks) == 2, f"expected mpirun's 2 ranks among its children, found {ranks}"
        os.kill(ranks[-1], signal.SIGTERM)
    start = time.monotonic()
    try:
        rest, errors = run.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        run.kill()  # mpirun takes its ranks with it
        run.communicate()
        raise AssertionError(f"{how}: the solve did not stop within 120 s of the signal")
    lines.append(rest)
    output = "".join(lines)
    assert run.returncode == EXIT_INTERRUPTED, f"{how}: exit code {run.returncode}\n{output}\n{errors}"
    assert time.monotonic() - start < 60, f"{how}: took {time.monotonic() - start:.1f} s to stop"
    assert "stopped by a signal" in errors, f"{how}: no message on stderr:\n{errors}"
    # the inputs and the report, nothing else: no coefficients, no temporary file left behind
    assert sorted(os.listdir(directory)) == ["b.npy", "report.json", "x.npy"], f"{how}: {os.listdir(directory)}"
    with open(report) as handle:
        solve = json.load(handle)["solve"]
    assert solve["converged"] is False
    assert [column["reason"] for column in solve["columns"]] == ["interrupted"], solve["columns"]
    print(f"{how}: exit {run.returncode}, {solve['iterations']} iterations, report says interrupted")


def main():
    mpiexec, app, preflags = sys.argv[1], sys.argv[2], sys.argv[3:]
    for how in ("SIGUSR1 to mpirun", "SIGTERM to one rank"):
        with tempfile.TemporaryDirectory() as directory:
            interrupted_solve(mpiexec, app, preflags, directory, how)


if __name__ == "__main__":
    main()
