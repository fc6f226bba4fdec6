#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine for kernelsolve and builds it.
#  1. apt-get installs the compilers, MPI, LAPACK, GoogleTest, Google Benchmark, CLI11, parallel HDF5, nlohmann-json,
#     clang + libFuzzer, the aarch64 cross compiler for the compile-only vectorization tests, matplotlib for the
#     demo's --plot, pybind11 and what the Python package and its tests use (NumPy, pytest, mpi4py, SciPy,
#     scikit-learn, PyTorch: python/) (idempotent).
#  2. When no Kokkos is given (Kokkos_ROOT unset), builds Kokkos + Kokkos Kernels 3.4.01 (OpenMP + Serial) from
#     Debian's trilinos 13.2 source package into a cached prefix outside the repository, reused by later runs.
#  3. Configures and builds kernelsolve in $KERNELSOLVE_BUILD_DIR (default: build/), through ccache (Debian's; its
#     cache is ~/.cache/ccache, outside the clone, so a new clone or a clean build reuses it).
# Arguments: --deps-only (steps 1-2), --target T (build only T and what it needs; repeatable; default: everything).
# Environment: Kokkos_ROOT / KokkosKernels_ROOT (use your own Kokkos >= 3.4), KERNELSOLVE_DEPS_PREFIX (cache,
# default ~/.cache/kernelsolve-deps), KERNELSOLVE_BUILD_DIR, KERNELSOLVE_CMAKE_ARGS (extra configure flags),
# KERNELSOLVE_JOBS (parallel compile jobs, default: the cores).
# The configure log is $KERNELSOLVE_BUILD_DIR/configure.log.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps_prefix=${KERNELSOLVE_DEPS_PREFIX:-$HOME/.cache/kernelsolve-deps}
build_dir=${KERNELSOLVE_BUILD_DIR:-$repo_root/build}
jobs=${KERNELSOLVE_JOBS:-$(nproc)}
kokkos_version=3.4.01
kokkos_prefix=$deps_prefix/kokkos-$kokkos_version-openmp

log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_debian_packages() {
  local packages=(build-essential cmake ninja-build pkg-config git dpkg-dev
                  libopenmpi-dev openmpi-bin liblapack-dev libblas-dev
                  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libopenblas-dev
                  libhdf5-openmpi-dev nlohmann-json3-dev clang libclang-rt-14-dev
                  g++-aarch64-linux-gnu python3-matplotlib ccache clang-format
                  pybind11-dev python3-dev python3-numpy python3-pytest python3-pytest-timeout python3-mpi4py
                  python3-scipy python3-sklearn python3-torch)
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages already installed"
    return
  fi
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian's binary Kokkos is Serial-only, so the threaded CPU build comes from the trilinos source package.
fetch_trilinos_kokkos_sources() {
  local src_dir=$1
  # deb822 form with the same Signed-By as Debian's own entry: a one-line deb-src without it conflicts with it.
  local deb_src=/etc/apt/sources.list.d/kernelsolve-deb-src.sources
  if ! grep -rqs -e '^deb-src .*bookworm' -e '^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding a bookworm deb-src entry ($deb_src)"
    printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm' 'Components: main' \
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | as_root tee "$deb_src" >/dev/null
    as_root apt-get update -qq
  fi
  local download_dir=$deps_prefix/download
  mkdir -p "$download_dir"
  if ! ls "$download_dir"/trilinos_13.2*.orig.tar.* >/dev/null 2>&1; then
    log "downloading Debian's trilinos 13.2 source package"
    (cd "$download_dir" && apt-get source --download-only -qq trilinos)
  fi
  local tarball
  tarball=$(ls "$download_dir"/trilinos_13.2*.orig.tar.* | head -n 1)
  log "extracting packages/kokkos and packages/kokkos-kernels from $(basename "$tarball")"
  rm -rf "$src_dir" && mkdir -p "$src_dir"
  tar -xf "$tarball" -C "$src_dir" --strip-components=1 --wildcards \
    '*/packages/kokkos/*' '*/packages/kokkos-kernels/*'
}

build_kokkos() {
  if [ -f "$kokkos_prefix/.complete" ]; then
    log "reusing Kokkos $kokkos_version in $kokkos_prefix"
    return
  fi
  local work=$deps_prefix/work
  fetch_trilinos_kokkos_sources "$work/trilinos"
  log "building Kokkos $kokkos_version (OpenMP + Serial) into $kokkos_prefix"
  rm -rf "$kokkos_prefix" "$work/build-kokkos" "$work/build-kokkos-kernels"
  cmake -S "$work/trilinos/packages/kokkos" -B "$work/build-kokkos" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=17 -DCMAKE_INSTALL_PREFIX="$kokkos_prefix" \
    -DKokkos_ENABLE_OPENMP=ON -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_TESTS=OFF \
    -DBUILD_SHARED_LIBS=ON >"$work/kokkos-configure.log"
  cmake --build "$work/build-kokkos" -j "$jobs" >"$work/kokkos-build.log"
  cmake --install "$work/build-kokkos" >/dev/null
  # No explicit instantiations (ETI): kernelsolve uses only header-only parts of Kokkos Kernels (batched serial
  # kernels), so compiling its float and double BLAS/sparse instantiations would only cost set-up time.
  log "building Kokkos Kernels $kokkos_version (header-only use, no explicit instantiations) into $kokkos_prefix"
  cmake -S "$work/trilinos/packages/kokkos-kernels" -B "$work/build-kokkos-kernels" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=17 -DCMAKE_INSTALL_PREFIX="$kokkos_prefix" \
    -DKokkos_ROOT="$kokkos_prefix" -DBUILD_SHARED_LIBS=ON \
    -DKokkosKernels_INST_DOUBLE=OFF -DKokkosKernels_INST_FLOAT=OFF \
    -DKokkosKernels_INST_ORDINAL_INT=OFF -DKokkosKernels_INST_ORDINAL_INT64_T=OFF \
    -DKokkosKernels_INST_OFFSET_INT=OFF -DKokkosKernels_INST_OFFSET_SIZE_T=OFF \
    -DKokkosKernels_ENABLE_TESTS=OFF -DKokkosKernels_ENABLE_EXAMPLES=OFF >"$work/kk-configure.log"
  cmake --build "$work/build-kokkos-kernels" -j "$jobs" >"$work/kk-build.log"
  cmake --install "$work/build-kokkos-kernels" >/dev/null
  touch "$kokkos_prefix/.complete"
  rm -rf "$work"
}

configure_and_build() {
  local kokkos_args=()
  if [ -n "${Kokkos_ROOT:-}" ]; then
    kokkos_args+=("-DKokkos_ROOT=$Kokkos_ROOT" "-DKokkosKernels_ROOT=${KokkosKernels_ROOT:-$Kokkos_ROOT}")
  else
    kokkos_args+=("-DKokkos_ROOT=$kokkos_prefix" "-DKokkosKernels_ROOT=$kokkos_prefix")
  fi
  # The Python package is built for Debian's /usr/bin/python3, which has Debian's NumPy, torch, scikit-learn;
  # FindPython would otherwise take the first python3 on PATH (pyenv's on these machines).
  local python_args=()
  [ -x /usr/bin/python3 ] && python_args+=("-DPython_EXECUTABLE=/usr/bin/python3")
  local launcher=()
  if command -v ccache >/dev/null; then
    launcher+=("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    ccache --max-size=10G >/dev/null 2>&1 || true
  fi
  log "configuring kernelsolve in $build_dir (log: $build_dir/configure.log)"
  mkdir -p "$build_dir"
  # shellcheck disable=SC2086
  if ! cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
    "${kokkos_args[@]}" "${python_args[@]}" ${KERNELSOLVE_CMAKE_ARGS:-} >"$build_dir/configure.log" 2>&1; then
    cat "$build_dir/configure.log" >&2
    exit 1
  fi
  if [ ${#targets[@]} -eq 0 ]; then
    log "building kernelsolve (everything: libraries, app, tests, examples, benchmarks)"
  else
    log "building ${targets[*]}"
  fi
  cmake --build "$build_dir" -j "$jobs" ${targets[@]+--target "${targets[@]}"}
}

deps_only=false
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --deps-only) deps_only=true ;;
    --target) targets+=("$2"); shift ;;
    *) printf 'setup.sh: unknown argument %s (known: --deps-only, --target T)\n' "$1" >&2; exit 2 ;;
  esac
  shift
done

install_debian_packages
[ -n "${Kokkos_ROOT:-}" ] || build_kokkos
$deps_only || configure_and_build
