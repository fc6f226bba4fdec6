"""Acceptance: KeOps' own KernelSolve example with only its import line changed runs to the end on kernelsolve and
prints relative errors against torch's dense solve below KeOps' own (3.1e-4 for c, 2.4e-3 for the gradient)."""

import os
import pathlib
import re
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")

SEED = pathlib.Path(__file__).resolve().parents[1] / "examples" / "seed_keops_kernelsolve.py"


def test_seed_script_runs_with_errors_below_keops():
    environment = dict(os.environ, MPLBACKEND="Agg")
    run = subprocess.run([sys.executable, str(SEED)], capture_output=True, text=True, env=environment, timeout=300)
    assert run.returncode == 0, run.stderr
    errors = [float(v) for v in re.findall(r"Relative error =\s+(\S+)", run.stdout)]
    assert len(errors) == 2, run.stdout
    assert errors[0] < 3.1e-4 and errors[1] < 2.4e-3, run.stdout
    assert "Timing (KeOps implementation)" in run.stdout and "Timing (KeOps derivative)" in run.stdout
