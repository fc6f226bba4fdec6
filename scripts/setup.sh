#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine for kernelsolve and builds it.
#  1. apt-get installs the compilers, MPI, LAPACK, GoogleTest, Google Benchmark, CLI11, parallel HDF5, nlohmann-json,
#     clang + libFuzzer, the aarch64 cross compiler for the compile-only vectorization tests, matplotlib for the
#     demo's --plot (idempotent).
#  2. When no Kokkos is given (Kokkos_ROOT unset), builds Kokkos + Kokkos Kernels 3.4.01 (OpenMP + Serial) from
#     Debian's trilinos 13.2 source package into a cached prefix outside the repository, reused by later runs.
#  3. Configures and builds kernelsolve in $KERNELSOLVE_BUILD_DIR (default: build/).
# Environment: Kokkos_ROOT / KokkosKernels_ROOT (use your own Kokkos >= 3.4), KERNELSOLVE_DEPS_PREFIX (cache,
# default ~/.cache/kernelsolve-deps), KERNELSOLVE_BUILD_DIR, KERNELSOLVE_CMAKE_ARGS (extra configure flags).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps_prefix=${KERNELSOLVE_DEPS_PREFIX:-$HOME/.cache/kernelsolve-deps}
build_dir=${KERNELSOLVE_BUILD_DIR:-$repo_root/build}
jobs=$(nproc)
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
                  g++-aarch64-linux-gnu python3-matplotlib)
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
  log "building Kokkos Kernels $kokkos_version (float + double) into $kokkos_prefix"
  cmake -S "$work/trilinos/packages/kokkos-kernels" -B "$work/build-kokkos-kernels" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=17 -DCMAKE_INSTALL_PREFIX="$kokkos_prefix" \
    -DKokkos_ROOT="$kokkos_prefix" -DBUILD_SHARED_LIBS=ON \
    -DKokkosKernels_INST_DOUBLE=ON -DKokkosKernels_INST_FLOAT=ON \
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
  log "configuring kernelsolve in $build_dir"
  # shellcheck disable=SC2086
  cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    "${kokkos_args[@]}" ${KERNELSOLVE_CMAKE_ARGS:-} >/dev/null
  log "building kernelsolve"
  cmake --build "$build_dir" -j "$jobs"
}

install_debian_packages
[ -n "${Kokkos_ROOT:-}" ] || build_kokkos
[ "${1:-}" = "--deps-only" ] || configure_and_build
