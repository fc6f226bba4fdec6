#!/usr/bin/env bash
# README command (2): set everything up if needed and build everything (scripts/setup.sh: tests, examples and
# benchmarks besides what command (1) built), then run the whole test suite with ctest, two tests at a time.
# Arguments go to ctest: `bash scripts/test.sh -L quick` runs the quick subset, `-R kernel_families` one file.
# Under CI (CI=true) warnings are errors and the sources must be clang-format clean.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${KERNELSOLVE_BUILD_DIR:-$repo_root/build}
if [ "${CI:-}" = "true" ]; then
  export KERNELSOLVE_CMAKE_ARGS="${KERNELSOLVE_CMAKE_ARGS:-} -DKERNELSOLVE_WARNINGS_AS_ERRORS=ON"
fi
bash "$repo_root/scripts/setup.sh"
if [ "${CI:-}" = "true" ]; then
  echo "[test] checking clang-format"
  (cd "$repo_root" && git ls-files '*.hpp' '*.cpp' | xargs clang-format --dry-run --Werror)
fi
echo "[test] the 10 slowest targets of this build:"
bash "$repo_root/scripts/slowest-targets.sh" "$build_dir" 10 || true
cd "$build_dir"
ctest -j "${KERNELSOLVE_TEST_JOBS:-2}" --output-on-failure --timeout 900 --output-junit ctest-junit.xml "$@"
