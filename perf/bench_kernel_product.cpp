// Throughput of the local kernel product out = K(x, x) b (D = 2, Dv = 2) in kernel pairs per second, for every kernel
// family in float and double, each beside the plain loop a user would write (Kokkos parallel_for, libm exp/sqrt),
// with the SIMD ISA the benchmark was compiled for and pairs/s per core per GHz (the clock read once at start).
#include <kernelsolve/detail/simd_width.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/kernels/visit_kernel.hpp>
#include <kernelsolve/product/kernel_product.hpp>
#include <kernelsolve/version.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>

namespace {

constexpr int dimension = 2;
constexpr int columns = 2;

/// The clock in GHz from /proc/cpuinfo ("cpu MHz" of the first CPU), or 0 where it cannot be read.
double read_clock_ghz() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("cpu MHz", 0) == 0) {
      auto const colon = line.find(':');
      if (colon != std::string::npos) return std::stod(line.substr(colon + 1)) / 1000.0;
    }
  }
  return 0;
}

double const clock_ghz = read_clock_ghz();

template <class Scalar>
struct ProductData {
  using Block = Kokkos::View<Scalar**, Kokkos::LayoutLeft>;
  Block points, weights, out;

  explicit ProductData(int n) : points("points", n, dimension), weights("weights", n, columns), out("out", n, columns) {
    auto points_host = Kokkos::create_mirror_view(points);
    auto weights_host = Kokkos::create_mirror_view(weights);
    std::mt19937 generator(1);
    std::uniform_real_distribution<Scalar> uniform(0, 1);
    for (int i = 0; i < n; ++i) {
      for (int d = 0; d < dimension; ++d) points_host(i, d) = uniform(generator);
      for (int c = 0; c < columns; ++c) weights_host(i, c) = uniform(generator);
    }
    Kokkos::deep_copy(points, points_host);
    Kokkos::deep_copy(weights, weights_host);
  }
};

void report_pairs(benchmark::State& state, int n) {
  double const pairs = static_cast<double>(n) * n;
  state.counters["pairs/s"] = benchmark::Counter(pairs, benchmark::Counter::kIsIterationInvariantRate);
  if (clock_ghz > 0) {
    double const cores = Kokkos::DefaultExecutionSpace().concurrency();
    state.counters["pairs/s/core/GHz"] =
        benchmark::Counter(pairs / (cores * clock_ghz * 1e9), benchmark::Counter::kIsIterationInvariantRate);
  }
  state.counters["N"] = n;
}

/// kernelsolve::kernel_product with `Kernel` (sigma = 0.1) on the default execution space.
template <class Kernel>
void kernelsolve_product(benchmark::State& state) {
  using Scalar = typename Kernel::value_type;
  int const n = static_cast<int>(state.range(0));
  ProductData<Scalar> data(n);
  auto const kernel = Kernel::from_sigma(Scalar(0.1));
  for (auto _ : state) {
    kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel, data.points, data.points, data.weights,
                                data.out);
    Kokkos::fence();
  }
  report_pairs(state, n);
}

// phi(u) of each family as a user writes it with libm (the baseline: std::exp and std::sqrt calls): the profile's
// plain reference formula.
template <class Kernel>
struct PlainPhi {
  template <class Scalar>
  Scalar operator()(Scalar u) const {
    return Kernel::profile_type::reference(u);
  }
};

/// The straightforward loop: Kokkos parallel_for over rows, phi from libm, no lane blocking.
template <class Kernel>
void plain_loop(benchmark::State& state) {
  using Scalar = typename Kernel::value_type;
  int const n = static_cast<int>(state.range(0));
  ProductData<Scalar> data(n);
  Scalar const g = Kernel::from_sigma(Scalar(0.1)).g;
  auto const points = data.points;
  auto const weights = data.weights;
  auto const out = data.out;
  PlainPhi<Kernel> const phi{};
  for (auto _ : state) {
    Kokkos::parallel_for("plain_loop", Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, n), [=](int i) {
      Scalar sum0 = 0, sum1 = 0;
      for (int j = 0; j < n; ++j) {
        Scalar const dx = points(i, 0) - points(j, 0);
        Scalar const dy = points(i, 1) - points(j, 1);
        Scalar const k = phi(g * (dx * dx + dy * dy));
        sum0 += k * weights(j, 0);
        sum1 += k * weights(j, 1);
      }
      out(i, 0) = sum0;
      out(i, 1) = sum1;
    });
    Kokkos::fence();
  }
  report_pairs(state, n);
}

/// product/<family>/<scalar>/{kernelsolve,plain_loop} at every size, side by side.
template <class DoubleKernel>
void register_family(std::initializer_list<long> sizes) {
  using FloatKernel = kernelsolve::RadialKernel<typename DoubleKernel::profile_type, float>;
  std::string const family(DoubleKernel::profile_type::name);
  for (long n : sizes) {
    auto const add = [&](std::string const& scalar, auto* ours, auto* plain) {
      benchmark::RegisterBenchmark(("product/" + family + "/" + scalar + "/kernelsolve").c_str(), ours)
          ->Arg(n)
          ->UseRealTime();
      if constexpr (std::is_same_v<Kokkos::DefaultExecutionSpace, Kokkos::DefaultHostExecutionSpace>) {
        benchmark::RegisterBenchmark(("product/" + family + "/" + scalar + "/plain_loop").c_str(), plain)
            ->Arg(n)
            ->UseRealTime();
      }
    };
    add("float", kernelsolve_product<FloatKernel>, plain_loop<FloatKernel>);
    add("double", kernelsolve_product<DoubleKernel>, plain_loop<DoubleKernel>);
  }
}

/// Every family of kernel_family_list.hpp.
template <class... Kernels>
void register_families(std::tuple<Kernels...>*, std::initializer_list<long> sizes) {
  (register_family<Kernels>(sizes), ...);
}

void register_benchmarks() {
  register_families(static_cast<kernelsolve::builtin_kernel_types<double>*>(nullptr), {1000L, 10000L, 40000L});
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  benchmark::Initialize(&argc, argv);
  std::ostringstream clock;
  clock << clock_ghz;
  benchmark::AddCustomContext("kernelsolve", kernelsolve::version_string);
  benchmark::AddCustomContext("kokkos_version", std::to_string(KOKKOS_VERSION));
  benchmark::AddCustomContext("execution_space", Kokkos::DefaultExecutionSpace::name());
  benchmark::AddCustomContext("concurrency", std::to_string(Kokkos::DefaultExecutionSpace().concurrency()));
  benchmark::AddCustomContext("simd_isa", kernelsolve::detail::simd_isa_name);
  benchmark::AddCustomContext("host_sqrt", kernelsolve::detail::host_sqrt_method);
  benchmark::AddCustomContext("simd_lanes_float", std::to_string(kernelsolve::detail::simd_lanes_v<float>));
  benchmark::AddCustomContext("simd_lanes_double", std::to_string(kernelsolve::detail::simd_lanes_v<double>));
  benchmark::AddCustomContext("clock_GHz", clock.str());
  benchmark::AddCustomContext("problem", "sigma=0.1, D=2, Dv=2, points uniform in [0,1]^2");
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
