// Throughput of the local kernel product out = K(x, x) b (D = 2, Dv = 2) in kernel pairs per second, for float and
// double, for the Gaussian beside a plain loop with libm's exp as the baseline, and for every other kernel family.
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/product/kernel_product.hpp>
#include <kernelsolve/version.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

#include <cmath>
#include <random>
#include <string>

namespace {

constexpr int dimension = 2;
constexpr int columns = 2;

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
  state.counters["pairs/s"] =
      benchmark::Counter(static_cast<double>(n) * n, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["N"] = n;
}

/// kernelsolve::kernel_product with `Kernel` (sigma = 0.1) on the default execution space.
template <class Kernel>
void kernel_product_of(benchmark::State& state) {
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

/// The straightforward loop a user would write: Kokkos parallel_for over rows, libm exp, no lane blocking.
template <class Scalar>
void plain_loop_libm_exp(benchmark::State& state) {
  int const n = static_cast<int>(state.range(0));
  ProductData<Scalar> data(n);
  Scalar const g = kernelsolve::Gaussian<Scalar>::from_sigma(Scalar(0.1)).g;
  auto const points = data.points;
  auto const weights = data.weights;
  auto const out = data.out;
  for (auto _ : state) {
    Kokkos::parallel_for(
        "plain_loop", Kokkos::RangePolicy<>(0, n), KOKKOS_LAMBDA(int i) {
          Scalar sum0 = 0, sum1 = 0;
          for (int j = 0; j < n; ++j) {
            Scalar const dx = points(i, 0) - points(j, 0);
            Scalar const dy = points(i, 1) - points(j, 1);
            Scalar const k = std::exp(-g * (dx * dx + dy * dy));
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

/// product_<family><float> and <double> at every size.
template <template <class> class Family>
void register_family(std::string const& name, long n) {
  benchmark::RegisterBenchmark(("product_" + name + "<float>").c_str(), kernel_product_of<Family<float>>)
      ->Arg(n)
      ->UseRealTime();
  benchmark::RegisterBenchmark(("product_" + name + "<double>").c_str(), kernel_product_of<Family<double>>)
      ->Arg(n)
      ->UseRealTime();
}

void register_benchmarks() {
  for (long n : {1000L, 10000L, 40000L}) {
    benchmark::RegisterBenchmark("kernelsolve_product<float>", kernel_product_of<kernelsolve::Gaussian<float>>)
        ->Arg(n)
        ->UseRealTime();
    benchmark::RegisterBenchmark("kernelsolve_product<double>", kernel_product_of<kernelsolve::Gaussian<double>>)
        ->Arg(n)
        ->UseRealTime();
    benchmark::RegisterBenchmark("plain_loop_libm_exp<float>", plain_loop_libm_exp<float>)->Arg(n)->UseRealTime();
    benchmark::RegisterBenchmark("plain_loop_libm_exp<double>", plain_loop_libm_exp<double>)->Arg(n)->UseRealTime();
  }
  for (long n : {1000L, 10000L, 40000L}) {
    register_family<kernelsolve::Laplacian>("laplacian", n);
    register_family<kernelsolve::Matern32>("matern32", n);
    register_family<kernelsolve::Matern52>("matern52", n);
    register_family<kernelsolve::Cauchy>("cauchy", n);
    register_family<kernelsolve::InverseMultiquadric>("inverse_multiquadric", n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("kernelsolve", kernelsolve::version_string);
  benchmark::AddCustomContext("kokkos_version", std::to_string(KOKKOS_VERSION));
  benchmark::AddCustomContext("execution_space", Kokkos::DefaultExecutionSpace::name());
  benchmark::AddCustomContext("concurrency", std::to_string(Kokkos::DefaultExecutionSpace().concurrency()));
  benchmark::AddCustomContext("problem", "sigma=0.1, D=2, Dv=2, points uniform in [0,1]^2");
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
