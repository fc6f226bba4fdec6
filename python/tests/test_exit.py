"""Interpreter exit with solvers still alive, with and without mpi4py (imported before or after kernelsolve), and
with an explicit finalize: every case must exit 0 without a message (Kokkos refuses Views freed after finalize)."""

import os
import subprocess
import sys
import textwrap

import pytest

SOLVE = """
import numpy as np
import kernelsolve
x = np.random.default_rng(0).random((100, 2))
solver = kernelsolve.KernelSolver(x, sigma=0.2)
c, result = solver.solve(np.ones(100))
assert result.converged
"""

CASES = {
    "no_mpi4py": SOLVE + "kept = solver\n",
    "mpi4py_first": "from mpi4py import MPI\n" + SOLVE + "kept = solver\n",
    "mpi4py_after": SOLVE + "from mpi4py import MPI\nassert MPI.Is_initialized()\nkept = solver\n",
    "reference_cycle_gc_off": "import gc\ngc.disable()\n" + SOLVE + "solver.cycle = solver\n",
    "explicit_finalize": SOLVE + textwrap.dedent("""
        kernelsolve.finalize()
        try:
            solver.solve(np.ones(100))
        except RuntimeError as e:
            assert "closed" in str(e) or "finalized" in str(e)
        else:
            raise AssertionError("a solve after finalize must fail")
        try:
            kernelsolve.KernelSolver(x, sigma=0.2)
        except RuntimeError as e:
            assert "finalized" in str(e)
        else:
            raise AssertionError("a solver after finalize must fail")
        """),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_exit_is_clean(case):
    if "mpi4py" in case:
        pytest.importorskip("mpi4py")
    run = subprocess.run([sys.executable, "-c", CASES[case]], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ))
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip() == "", run.stderr
