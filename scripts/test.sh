#!/usr/bin/env bash
# README command (2): set everything up if needed (scripts/setup.sh), then run the whole test suite with ctest
# (unit tests, MPI tests under mpiexec -n 1, 2, 3, the app, the benchmark smoke tests).
# Under CI (CI=true) warnings are errors and the sources must be clang-format clean.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${CI:-}" = "true" ]; then
  export KERNELSOLVE_CMAKE_ARGS="${KERNELSOLVE_CMAKE_ARGS:-} -DKERNELSOLVE_WARNINGS_AS_ERRORS=ON"
  if command -v clang-format >/dev/null; then
    echo "[test] checking clang-format"
    (cd "$repo_root" && git ls-files '*.hpp' '*.cpp' | xargs clang-format --dry-run --Werror)
  fi
fi
bash "$repo_root/scripts/setup.sh"
cd "${KERNELSOLVE_BUILD_DIR:-$repo_root/build}"
ctest --output-on-failure --timeout 900
