#!/usr/bin/env bash
# Compile-only check of the CUDA path: builds every target (libraries, run-time library, app, tests, examples,
# benchmarks, Python package) with nvcc for each GPU architecture given (default: sm_90 and sm_80), no GPU needed.
# Run it after touching anything that runs on a device (KOKKOS_LAMBDA / KOKKOS_FUNCTION code, kernels, Views).
#   bash scripts/check-cuda.sh              # sm_90 (H100 / H200) then sm_80 (A100)
#   bash scripts/check-cuda.sh sm_90        # one architecture
# Each architecture has its own Kokkos (built once by scripts/setup.sh --cuda-arch into ~/.cache/kernelsolve-deps,
# about 2 minutes, patched for CUDA 13 by scripts/patches/kokkos-3.4.01-cuda13.patch) and its own build directory,
# build-cuda-sm_XX/ (through ccache, like every build of setup.sh). Environment: CUDA_HOME (default /usr/local/cuda),
# KERNELSOLVE_JOBS, KERNELSOLVE_CMAKE_ARGS as for setup.sh; CI=true makes warnings errors, as in scripts/test.sh.
# Exits non-zero at the first architecture whose build fails; the tests themselves need a GPU (docs/testing.md).
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(sm_90 sm_80)
if [ "${CI:-}" = "true" ]; then
  export KERNELSOLVE_CMAKE_ARGS="${KERNELSOLVE_CMAKE_ARGS:-} -DKERNELSOLVE_WARNINGS_AS_ERRORS=ON"
fi
for arch in "${archs[@]}"; do
  start=$(date +%s)
  echo "[check-cuda] $arch: building everything with nvcc in build-cuda-$arch/"
  KERNELSOLVE_BUILD_DIR="$repo_root/build-cuda-$arch" bash "$repo_root/scripts/setup.sh" --cuda-arch "$arch"
  echo "[check-cuda] $arch: every target compiled ($(($(date +%s) - start)) s)"
done
