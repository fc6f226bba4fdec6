#!/usr/bin/env bash
# Sets up a fresh Debian bookworm machine for kernelsolve and builds it.
#  1. apt-get installs the compilers, MPI, LAPACK, GoogleTest, Google Benchmark, CLI11, parallel HDF5, nlohmann-json,
#     clang + libFuzzer, the aarch64 cross compiler for the compile-only vectorization tests, matplotlib for the
#     demo's --plot, pybind11 and what the Python package and its tests use (NumPy, pytest, mpi4py, SciPy,
#     scikit-learn, PyTorch: python/) (idempotent).
#  2. When no Kokkos is given (Kokkos_ROOT unset), builds Kokkos + Kokkos Kernels 3.4.01 (OpenMP + Serial, or CUDA
#     with --cuda-arch) from Debian's trilinos 13.2 source package into a cached prefix outside the repository, reused
#     by later runs.
#  3. Configures and builds kernelsolve in $KERNELSOLVE_BUILD_DIR (default: build/), through ccache (Debian's; its
#     cache is ~/.cache/ccache, outside the clone, so a new clone or a clean build reuses it).
# Arguments: --deps-only (steps 1-2), --target T (build only T and what it needs; repeatable; default: everything),
# --cuda-arch sm_XX (a CUDA build for that GPU: Kokkos built with CUDA into its own cached prefix, from the same source
# with scripts/patches/kokkos-3.4.01-cuda13.patch for CUDA 13, kernelsolve compiled by Kokkos' nvcc_wrapper; no GPU
# is needed to build; scripts/check-cuda.sh uses it).
# Environment: Kokkos_ROOT / KokkosKernels_ROOT (use your own Kokkos >= 3.4), KERNELSOLVE_DEPS_PREFIX (cache,
# default ~/.cache/kernelsolve-deps), KERNELSOLVE_BUILD_DIR, KERNELSOLVE_CMAKE_ARGS (extra configure flags),
# KERNELSOLVE_JOBS (parallel compile jobs, default: the cores), CUDA_HOME (the CUDA toolkit, default /usr/local/cuda).
# The configure log is $KERNELSOLVE_BUILD_DIR/configure.log.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps_prefix=${KERNELSOLVE_DEPS_PREFIX:-$HOME/.cache/kernelsolve-deps}
build_dir=${KERNELSOLVE_BUILD_DIR:-$repo_root/build}
jobs=${KERNELSOLVE_JOBS:-$(nproc)}
kokkos_version=3.4.01
deps_only=false
targets=()
cuda_arch=""
while [ $# -gt 0 ]; do
  case "$1" in
    --deps-only) deps_only=true ;;
    --target) targets+=("$2"); shift ;;
    --cuda-arch) cuda_arch=$2; shift ;;
    *) printf 'setup.sh: unknown argument %s (known: --deps-only, --target T, --cuda-arch sm_XX)\n' "$1" >&2; exit 2 ;;
  esac
  shift
done

# Kokkos' name of each GPU architecture that CUDA 13 still compiles for (one per Kokkos build).
kokkos_cuda_arch_option() {
  case "$1" in
    sm_75) echo TURING75 ;;
    sm_80) echo AMPERE80 ;;
    sm_86) echo AMPERE86 ;;
    sm_90) echo HOPPER90 ;;  # added by scripts/patches/kokkos-3.4.01-cuda13.patch
    *) printf 'setup.sh: --cuda-arch %s is not one of sm_75, sm_80, sm_86, sm_90\n' "$1" >&2; exit 2 ;;
  esac
}

if [ -n "$cuda_arch" ]; then
  kokkos_cuda_arch=$(kokkos_cuda_arch_option "$cuda_arch")
  cuda_home=${CUDA_HOME:-/usr/local/cuda}
  if [ ! -x "$cuda_home/bin/nvcc" ]; then
    printf 'setup.sh: --cuda-arch needs nvcc; none at %s/bin/nvcc (set CUDA_HOME)\n' "$cuda_home" >&2
    exit 1
  fi
  export PATH=$cuda_home/bin:$PATH
  # nvcc_wrapper's host compiler (Debian's GCC 12, which CUDA 13 supports)
  export NVCC_WRAPPER_DEFAULT_COMPILER=${NVCC_WRAPPER_DEFAULT_COMPILER:-g++}
  kokkos_prefix=$deps_prefix/kokkos-$kokkos_version-cuda-$cuda_arch
else
  kokkos_prefix=$deps_prefix/kokkos-$kokkos_version-openmp
fi

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
  if [ -n "$cuda_arch" ]; then
    # Kokkos 3.4.01 predates CUDA 12 and 13: our patch follows their runtime API changes, converts half_t explicitly
    # (nvcc 13's stricter lookup), adds the Hopper architecture and moves nvcc_wrapper's default off sm_35.
    log "patching Kokkos for CUDA 13 (scripts/patches/kokkos-3.4.01-cuda13.patch)"
    patch -s -p1 -d "$src_dir/packages/kokkos" <"$repo_root/scripts/patches/kokkos-3.4.01-cuda13.patch"
  fi
}

build_kokkos() {
  if [ -f "$kokkos_prefix/.complete" ]; then
    log "reusing Kokkos $kokkos_version in $kokkos_prefix"
    return
  fi
  local work=$deps_prefix/work
  fetch_trilinos_kokkos_sources "$work/trilinos"
  local backend_args=() kernels_args=()
  if [ -n "$cuda_arch" ]; then
    log "building Kokkos $kokkos_version (CUDA $cuda_arch + OpenMP + Serial) into $kokkos_prefix"
    backend_args+=("-DCMAKE_CXX_COMPILER=$work/trilinos/packages/kokkos/bin/nvcc_wrapper" -DKokkos_ENABLE_CUDA=ON
                   -DKokkos_ENABLE_CUDA_LAMBDA=ON "-DKokkos_ARCH_$kokkos_cuda_arch=ON")
    # No cuBLAS / cuSPARSE: kernelsolve calls neither, and they would make the install too big to carry to a GPU.
    # (CXX extensions off as in the CUDA Kokkos, which otherwise warns that it forces them off)
    kernels_args+=("-DCMAKE_CXX_COMPILER=$kokkos_prefix/bin/nvcc_wrapper" -DKokkosKernels_ENABLE_TPL_CUBLAS=OFF
                   -DKokkosKernels_ENABLE_TPL_CUSPARSE=OFF -DCMAKE_CXX_EXTENSIONS=OFF)
  else
    log "building Kokkos $kokkos_version (OpenMP + Serial) into $kokkos_prefix"
  fi
  rm -rf "$kokkos_prefix" "$work/build-kokkos" "$work/build-kokkos-kernels"
  cmake -S "$work/trilinos/packages/kokkos" -B "$work/build-kokkos" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=17 -DCMAKE_INSTALL_PREFIX="$kokkos_prefix" \
    -DKokkos_ENABLE_OPENMP=ON -DKokkos_ENABLE_SERIAL=ON -DKokkos_ENABLE_TESTS=OFF \
    -DBUILD_SHARED_LIBS=ON ${backend_args[@]+"${backend_args[@]}"} >"$work/kokkos-configure.log"
  cmake --build "$work/build-kokkos" -j "$jobs" >"$work/kokkos-build.log"
  cmake --install "$work/build-kokkos" >/dev/null
  # No explicit instantiations (ETI): kernelsolve uses only header-only parts of Kokkos Kernels (batched serial
  # kernels), so compiling its float and double BLAS/sparse instantiations would only cost set-up time.
  log "building Kokkos Kernels $kokkos_version (header-only use, no explicit instantiations) into $kokkos_prefix"
  cmake -S "$work/trilinos/packages/kokkos-kernels" -B "$work/build-kokkos-kernels" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_STANDARD=17 -DCMAKE_INSTALL_PREFIX="$kokkos_prefix" \
    -DKokkos_ROOT="$kokkos_prefix" -DBUILD_SHARED_LIBS=ON ${kernels_args[@]+"${kernels_args[@]}"} \
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
  local compiler_args=()
  # (Kokkos' own nvcc_wrapper: the one of the Kokkos given in Kokkos_ROOT, else of the one built above)
  if [ -n "$cuda_arch" ]; then
    compiler_args+=("-DCMAKE_CXX_COMPILER=${Kokkos_ROOT:-$kokkos_prefix}/bin/nvcc_wrapper")
  fi
  local launcher=()
  if command -v ccache >/dev/null; then
    launcher+=("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    ccache --max-size=10G >/dev/null 2>&1 || true
  fi
  log "configuring kernelsolve in $build_dir (log: $build_dir/configure.log)"
  mkdir -p "$build_dir"
  # shellcheck disable=SC2086
  if ! cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
    ${compiler_args[@]+"${compiler_args[@]}"} "${kokkos_args[@]}" "${python_args[@]}" ${KERNELSOLVE_CMAKE_ARGS:-} \
    >"$build_dir/configure.log" 2>&1; then
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

install_debian_packages
[ -n "${Kokkos_ROOT:-}" ] || build_kokkos
$deps_only || configure_and_build
