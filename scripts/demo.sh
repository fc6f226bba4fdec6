#!/usr/bin/env bash
# README command (1): set everything up (scripts/setup.sh), build only what the demo needs (the libraries, the app
# and the Python package: tests, examples and benchmarks are README command (2)'s), then run the seed's demo under
# `mpirun -np 2`.
# Arguments are passed to the app (e.g. --precision double, --points 20000); KERNELSOLVE_RANKS sets the rank count.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$repo_root/scripts/setup.sh" --target kernelsolve_quickstart
ranks=${KERNELSOLVE_RANKS:-2}
# One OpenMP thread per core and rank; Open MPI refuses root (containers, CI) unless told it may.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(( $(nproc) / ranks > 0 ? $(nproc) / ranks : 1 ))}
export OMP_PROC_BIND=${OMP_PROC_BIND:-spread} OMP_PLACES=${OMP_PLACES:-threads}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec mpirun -np "$ranks" --oversubscribe "${KERNELSOLVE_BUILD_DIR:-$repo_root/build}/apps/kernelsolve" "$@"
