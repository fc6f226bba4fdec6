// The Gaussian product out = K(x, x) b (Dv = 2) in pairs per second as the dimension D grows (2 to 784), in float
// and double, side by side in one run with
//   - the plain loop a user would write (Kokkos parallel_for over rows, a run-time loop over D, std::exp),
//   - the GEMM + exp bound of this machine: N^2 / (t_gemm + t_exp), t_gemm = 2 N^2 D / (the BLAS GEMM's peak rate,
//     measured on 1536^3, all threads: the distance work of a product at the best multiply-add rate known here) and
//     t_exp the time of kernelsolve's own product at D = 1 (the exp and weighted-sum work, next to no distances).
// Points: standard normal per coordinate, sigma = sqrt(D) (the kernel neither 0 nor 1 for most pairs).
#include <kernelsolve/detail/simd_width.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/product/kernel_gradient.hpp>
#include <kernelsolve/product/kernel_product.hpp>
#include <kernelsolve/version.hpp>

#include <benchmark/benchmark.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

extern "C" void dgemm_(char const* transa, char const* transb, int const* m, int const* n, int const* k,
                       double const* alpha, double const* a, int const* lda, double const* b, int const* ldb,
                       double const* beta, double* c, int const* ldc);
extern "C" void sgemm_(char const* transa, char const* transb, int const* m, int const* n, int const* k,
                       float const* alpha, float const* a, int const* lda, float const* b, int const* ldb,
                       float const* beta, float* c, int const* ldc);

namespace {

constexpr int columns = 2;

template <class Scalar>
struct DimensionData {
  using Block = Kokkos::View<Scalar**, Kokkos::LayoutLeft, Kokkos::HostSpace>;
  Block points, weights, out;

  DimensionData(int n, int dimension)
      : points("points", n, dimension), weights("weights", n, columns), out("out", n, columns) {
    std::mt19937 generator(1);
    std::normal_distribution<Scalar> normal(0, 1);
    for (int d = 0; d < dimension; ++d)
      for (int i = 0; i < n; ++i) points(i, d) = normal(generator);
    for (int c = 0; c < columns; ++c)
      for (int i = 0; i < n; ++i) weights(i, c) = normal(generator);
  }
};

template <class Scalar>
kernelsolve::Gaussian<Scalar> kernel_for(int dimension) {
  return kernelsolve::Gaussian<Scalar>::from_g(Scalar(0.5 / dimension));  // sigma = sqrt(D)
}

void report(benchmark::State& state, int n, int dimension) {
  state.counters["pairs/s"] =
      benchmark::Counter(static_cast<double>(n) * n, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["N"] = n;
  state.counters["D"] = dimension;
}

template <class Scalar>
void kernelsolve_product(benchmark::State& state) {
  int const n = static_cast<int>(state.range(0)), dimension = static_cast<int>(state.range(1));
  DimensionData<Scalar> data(n, dimension);
  auto const kernel = kernel_for<Scalar>(dimension);
  for (auto _ : state) {
    kernelsolve::kernel_product(Kokkos::DefaultHostExecutionSpace(), kernel, data.points, data.points, data.weights,
                                data.out);
    Kokkos::fence();
  }
  report(state, n, dimension);
}

/// The gradient of sum_ij k(|x_i - x_j|^2) (w_i . w_j) with respect to the points (the pair sums of solve_gradient):
/// pairs per second, each pair giving D derivatives.
template <class Scalar>
void kernelsolve_gradient(benchmark::State& state) {
  int const n = static_cast<int>(state.range(0)), dimension = static_cast<int>(state.range(1));
  DimensionData<Scalar> data(n, dimension);
  auto const kernel = kernel_for<Scalar>(dimension);
  typename DimensionData<Scalar>::Block gradient("gradient", n, dimension);
  Kokkos::View<Scalar*, Kokkos::HostSpace> no_parameter("no_parameter", 0);
  for (auto _ : state) {
    kernelsolve::kernel_gradient(Kokkos::DefaultHostExecutionSpace(), kernel, data.points, data.points, data.weights,
                                 data.weights, gradient, no_parameter);
    Kokkos::fence();
  }
  report(state, n, dimension);
}

/// The straightforward loop: rows in parallel, a run-time loop over the coordinates, std::exp.
template <class Scalar>
void plain_loop(benchmark::State& state) {
  int const n = static_cast<int>(state.range(0)), dimension = static_cast<int>(state.range(1));
  DimensionData<Scalar> data(n, dimension);
  Scalar const g = kernel_for<Scalar>(dimension).g;
  auto const points = data.points;
  auto const weights = data.weights;
  auto const out = data.out;
  for (auto _ : state) {
    Kokkos::parallel_for("plain_loop", Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, n), [=](int i) {
      Scalar sum0 = 0, sum1 = 0;
      for (int j = 0; j < n; ++j) {
        Scalar r2 = 0;
        for (int d = 0; d < dimension; ++d) {
          Scalar const difference = points(i, d) - points(j, d);
          r2 += difference * difference;
        }
        Scalar const k = std::exp(-g * r2);
        sum0 += k * weights(j, 0);
        sum1 += k * weights(j, 1);
      }
      out(i, 0) = sum0;
      out(i, 1) = sum1;
    });
    Kokkos::fence();
  }
  report(state, n, dimension);
}

/// The peak multiply-add rate of this machine's BLAS in flop/s: the best of three 1536^3 GEMMs, all threads.
template <class Scalar>
double gemm_flops() {
  static double const flops = [] {
    int const n = 1536;
    std::vector<Scalar> a(static_cast<std::size_t>(n) * n, Scalar(1)), c(a.size());
    Scalar const one = 1, zero = 0;
    double best = 0;
    for (int repeat = 0; repeat < 3; ++repeat) {
      auto const start = std::chrono::steady_clock::now();
      if constexpr (std::is_same_v<Scalar, double>) {
        dgemm_("N", "T", &n, &n, &n, &one, a.data(), &n, a.data(), &n, &zero, c.data(), &n);
      } else {
        sgemm_("N", "T", &n, &n, &n, &one, a.data(), &n, a.data(), &n, &zero, c.data(), &n);
      }
      double const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      best = std::max(best, 2.0 * n * n * n / seconds);
    }
    return best;
  }();
  return flops;
}

/// The GEMM + exp bound: t_exp, kernelsolve's product at D = 1 (measured), plus t_gemm = 2 N^2 D / gemm_flops, the
/// distance work of the product at the BLAS's peak rate (a model: an N x N Gram matrix written out would measure
/// memory traffic, not the multiply-adds, at small D).
template <class Scalar>
void gemm_exp_bound(benchmark::State& state) {
  int const n = static_cast<int>(state.range(0)), dimension = static_cast<int>(state.range(1));
  DimensionData<Scalar> line(n, 1);
  auto const kernel = kernel_for<Scalar>(1);
  double const gemm_seconds = 2.0 * n * static_cast<double>(n) * dimension / gemm_flops<Scalar>();
  for (auto _ : state) {
    auto const start = std::chrono::steady_clock::now();
    kernelsolve::kernel_product(Kokkos::DefaultHostExecutionSpace(), kernel, line.points, line.points, line.weights,
                                line.out);
    Kokkos::fence();
    double const exp_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(exp_seconds + gemm_seconds);
  }
  report(state, n, dimension);
  state.counters["gemm_GFlop/s"] = gemm_flops<Scalar>() * 1e-9;
}

void register_benchmarks(bool quick) {
  std::vector<int> const dimensions =
      quick ? std::vector<int>{2, 10} : std::vector<int>{2, 3, 5, 10, 30, 100, 300, 784};
  for (int dimension : dimensions) {
    int const n = quick ? 500 : (dimension <= 100 ? 8000 : 4000);
    auto const add = [&](std::string const& name, auto* function) {
      auto* benchmark = benchmark::RegisterBenchmark(("dimension/" + name).c_str(), function)->Args({n, dimension});
      if (name.find("bound") != std::string::npos) {
        benchmark->UseManualTime();
      } else {
        benchmark->UseRealTime();
      }
    };
    add("double/kernelsolve", kernelsolve_product<double>);
    add("double/plain_loop", plain_loop<double>);
    add("double/gemm_exp_bound", gemm_exp_bound<double>);
    add("double/kernelsolve_gradient", kernelsolve_gradient<double>);
    add("float/kernelsolve", kernelsolve_product<float>);
    add("float/plain_loop", plain_loop<float>);
    add("float/gemm_exp_bound", gemm_exp_bound<float>);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  bool quick = false;
  for (int k = 1; k < argc; ++k) quick = quick || std::string(argv[k]) == "--quick";
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("kernelsolve", kernelsolve::version_string);
  benchmark::AddCustomContext("execution_space", Kokkos::DefaultHostExecutionSpace::name());
  benchmark::AddCustomContext("concurrency", std::to_string(Kokkos::DefaultHostExecutionSpace().concurrency()));
  benchmark::AddCustomContext("simd_isa", kernelsolve::detail::simd_isa_name);
  benchmark::AddCustomContext("problem", "Gaussian, sigma = sqrt(D), points N(0, 1) per coordinate, Dv = 2");
  register_benchmarks(quick);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
