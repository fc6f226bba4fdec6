#!/usr/bin/env bash
# The app's file workflow, as README.md and docs/app.md show it (their shell blocks are excerpts of this file):
# inputs written with numpy, solve and predict under mpirun, the outputs checked against numpy's dense algebra, the
# same bits on 2 ranks x 1 thread and 1 rank x 2 threads, the demo, and three refusals with their exit codes.
# Usage: bash examples/app_workflow.sh <path of the kernelsolve app> <work directory>. Exits non-zero on a failure.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 <kernelsolve app> <work directory>" >&2
  exit 2
fi
app=$(realpath "$1")
mkdir -p "$2"
cd "$2"
python3() { /usr/bin/python3 "$@"; }  # Debian's, with numpy
# One thread per rank; Open MPI may run as root (containers, CI) and on more ranks than free cores.
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
fail() {
  echo "app_workflow: FAILED: $*" >&2
  exit 1
}

# Inputs: N = 400 points in [0, 1]^2 (x.npy), two right-hand sides (b.npy), M = 50 new points (xn.npy).
python3 - <<'EOF'
import numpy as np
rng = np.random.default_rng(0)
np.save("x.npy", rng.random((400, 2)))
np.save("b.npy", rng.random((400, 2)))
np.save("xn.npy", rng.random((50, 2)))
EOF

# Solve (K + alpha I) c = b, then predict K(xn, x) c at the new points.
mpirun -np 2 "$app" solve -x x.npy -b b.npy -o c.npy --kernel matern52 --sigma 0.3 --alpha 1e-3 --report solve.json
mpirun -np 2 "$app" predict -x x.npy -c c.npy --at xn.npy -o y.npy --kernel matern52 --sigma 0.3
python3 -c "import numpy; print(numpy.load('y.npy').shape)"  # (50, 2): M x Dv

# The report: the verdict per column, the preconditioner chosen, seconds per step and per library phase.
python3 -c "import json; r = json.load(open('solve.json')); print(r['solve']['converged'], r['preconditioner'])"

# The same solve on 1 rank with 2 OpenMP threads (--bind-to none gives the threads cores): the same bits.
OMP_NUM_THREADS=2 mpirun -np 1 --bind-to none "$app" solve -x x.npy -b b.npy -o c1.npy \
  --kernel matern52 --sigma 0.3 --alpha 1e-3

# The checks: the true residual and the predictions against numpy, in double, with the documented Matern 5/2.
python3 - <<'EOF' || fail "the solution or the predictions are wrong"
import json
import numpy as np
x, b, c, c1, xn, y = (np.load(name) for name in ("x.npy", "b.npy", "c.npy", "c1.npy", "xn.npy", "y.npy"))
def matern52(targets, sources, sigma=0.3):
    # k = (1 + s + s^2 / 3) exp(-s), s = sqrt(5 g r^2), g = 1 / sigma^2
    s = np.sqrt(5.0 * ((targets[:, None, :] - sources[None, :, :]) ** 2).sum(axis=-1)) / sigma
    return (1.0 + s + s * s / 3.0) * np.exp(-s)
residual = np.linalg.norm(matern52(x, x) @ c + 1e-3 * c - b) / np.linalg.norm(b)
prediction = np.abs(y - matern52(xn, x) @ c).max() / np.abs(c).sum(axis=0).max()
report = json.load(open("solve.json"))
print(f"app_workflow: true relative residual {residual:.2e}, prediction error {prediction:.2e} (of sum |c|)")
assert c.shape == (400, 2) and y.shape == (50, 2), "output shapes"
assert residual < 1e-9, f"residual {residual}"
assert prediction < 1e-11, f"prediction {prediction}"
assert all(column["reason"] == "converged_rtol" for column in report["solve"]["columns"]), "report"
assert np.array_equal(c, c1), "2 ranks x 1 thread and 1 rank x 2 threads differ"
EOF

# The demo (the KeOps seed's problem, smaller): the solution and the gradient against a dense float64 solve.
mpirun -np 2 "$app" demo --points 1000 --grad | tee demo.txt
python3 - <<'EOF' || fail "the demo's errors are too large"
import re
text = open("demo.txt").read()
errors = [float(value) for value in re.findall(r"relative error = (\S+)", text, re.IGNORECASE)]
assert len(errors) == 2 and max(errors) < 1e-6, f"demo errors {errors}"
EOF

# Refusals: exit code 1, one line on stderr naming the file, and no output left behind.
python3 -c "import numpy; numpy.save('b_short.npy', numpy.ones(399))"
status=0
mpirun -np 2 "$app" solve -x x.npy -b b_short.npy -o bad.npy 2>error.txt || status=$?
grep "kernelsolve: error:" error.txt  # b_short.npy: 399 rows of right-hand sides, but x.npy has 400 points ...
[ "$status" -eq 1 ] && [ ! -e bad.npy ] || fail "a short b.npy: exit code $status"
grep -q "399 rows of right-hand sides, but x.npy has 400 points" error.txt || fail "a short b.npy: the message"

sha256sum x.npy >x.sha256
status=0
mpirun -np 2 "$app" solve -x x.npy -b b.npy -o x.npy 2>error.txt || status=$?  # refused: it would destroy x.npy
[ "$status" -eq 1 ] && sha256sum --check --quiet x.sha256 || fail "an output that is an input: exit code $status"
grep -q "is the same file as the input --points" error.txt || fail "an output that is an input: the message"

# A solve that does not converge: exit code 3, the report written, the coefficients not.
status=0
mpirun -np 2 "$app" solve -x x.npy -b b.npy -o c3.npy --preconditioner none --max-it 3 --report r3.json || status=$?
[ "$status" -eq 3 ] && [ ! -e c3.npy ] || fail "a solve that did not converge: exit code $status"
python3 -c "import json, sys; sys.exit(json.load(open('r3.json'))['solve']['converged'])" || fail "the report"

echo "app_workflow: all checks passed"
