// Fixture of the app's file tests, with independent references:
//   app_fixture make DIR               writes inputs (.npy, .h5, .csv) and bad inputs into DIR
//   app_fixture check-solve DIR B C [FAMILY]    C (written by `kernelsolve solve` on DIR/x.npy, B) vs a dense
//                                              Cholesky solve of the FAMILY kernel (default matern52)
//   app_fixture check-predict DIR C Y [FAMILY]  Y (written by `kernelsolve predict`) vs brute-force K(xn, x) C
//   app_fixture compare A B                     the arrays A and B are equal (shape and values)
// Run as one process. Prints the measured difference; exits non-zero when it exceeds the tolerance.
#include "harness/npy_bytes.hpp"

#include <kernelsolve/io/array_file.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace {

using kernelsolve::reference::HostMatrix;
namespace io = kernelsolve::io;

// The problem the app tests solve: smoothing of a smooth function, sigma = 0.3, alpha = 1e-3.
constexpr std::int64_t n = 300, m = 50;
constexpr double sigma = 0.3, alpha = 1e-3;

void write(kernelsolve::Communicator const& comm, std::string const& where, HostMatrix const& values,
           bool one_dimensional = false, io::ElementType type = io::ElementType::float64) {
  io::write_rows(comm, io::parse_array_location(where), values.rows, values.columns, one_dimensional, type, 0,
                 values.values);
}

HostMatrix read(kernelsolve::Communicator const& comm, std::string const& where) {
  auto const location = io::parse_array_location(where);
  auto const shape = io::inspect_array(comm, location);
  HostMatrix values(shape.rows, shape.columns);
  values.values = io::read_rows(comm, location, shape, 0, shape.rows);
  return values;
}

double smooth(double x, double y) {
  return std::sin(3 * x) * std::cos(2 * y);
}

void make(kernelsolve::Communicator const& comm, std::string const& dir) {
  std::mt19937_64 generator(7);
  auto const x = kernelsolve::reference::uniform_matrix<double>(n, 2, generator);
  auto const xn = kernelsolve::reference::uniform_matrix<double>(m, 2, generator);
  HostMatrix b(n, 1), b2(n, 2);
  for (std::int64_t i = 0; i < n; ++i) {
    b(i, 0) = smooth(x(i, 0), x(i, 1));
    b2(i, 0) = b(i, 0);
    b2(i, 1) = x(i, 0) * x(i, 1);
  }
  write(comm, dir + "/x.npy", x);
  write(comm, dir + "/b.npy", b, true);
  write(comm, dir + "/b2.npy", b2);
  write(comm, dir + "/xn.npy", xn);
  write(comm, dir + "/x.h5:/data/points", x);
  write(comm, dir + "/b.h5:/rhs", b2);
  write(comm, dir + "/x.csv", x);
  write(comm, dir + "/b.csv", b2);
  write(comm, dir + "/x_f32.npy", x, false, io::ElementType::float32);
  // Inputs that the data-safety tests name as outputs too (copies, so that a failure cannot spoil x.npy and b.npy),
  // and a link to one of them.
  write(comm, dir + "/x_keep.npy", x);
  write(comm, dir + "/b_keep.npy", b, true);
  std::filesystem::remove(dir + "/x_link.npy");
  std::filesystem::create_symlink("x_keep.npy", dir + "/x_link.npy");
  // Bad inputs.
  HostMatrix with_nan = x;
  with_nan(17, 1) = std::nan("");
  write(comm, dir + "/x_nan.npy", with_nan);
  HostMatrix with_infinity = b;
  with_infinity(250, 0) = -INFINITY;
  write(comm, dir + "/b_inf.npy", with_infinity, true);
  HostMatrix short_b(n - 1, 1);
  write(comm, dir + "/b_short.npy", short_b, true);
  HostMatrix x3(n, 3);
  write(comm, dir + "/x3.npy", x3);
  HostMatrix two(2, 2);
  two(1, 0) = 1;
  write(comm, dir + "/x_two.npy", two);
  write(comm, dir + "/b_two.npy", HostMatrix(2, 1), true);
  {  // truncated: the header promises 300 x 2 doubles, the file ends after 100 bytes of data
    std::ifstream full(dir + "/x.npy", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(full)), std::istreambuf_iterator<char>());
    std::ofstream(dir + "/x_truncated.npy", std::ios::binary) << bytes.substr(0, 128 + 100);
  }
  {  // int32 data: a valid .npy of an unsupported dtype
    std::ofstream(dir + "/x_int32.npy", std::ios::binary)
        << kernelsolve::test::npy_header("{'descr': '<i4', 'fortran_order': False, 'shape': (4, 2), }")
        << std::string(32, '\0');
  }
}

double max_relative_difference(HostMatrix const& a, HostMatrix const& b) {
  if (a.rows != b.rows || a.columns != b.columns) return INFINITY;
  double difference = 0, scale = 0;
  for (std::size_t k = 0; k < a.values.size(); ++k) {
    difference = std::max(difference, std::abs(a.values[k] - b.values[k]));
    scale = std::max(scale, std::abs(b.values[k]));
  }
  return difference / scale;
}

kernelsolve::reference::RadialFunction kernel_named(int argc, char** argv) {
  auto const family = kernelsolve::kernel_family_from_name(argc > 5 ? argv[5] : "matern52");
  double const g = kernelsolve::g_from_sigma(family, sigma);
  return [family, g](double r2) { return kernelsolve::evaluate_profile(family, g * r2); };
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int exit_code = 0;
  try {
    kernelsolve::Communicator const comm(MPI_COMM_WORLD);
    std::string const command = argc > 2 ? argv[1] : "";
    std::string const dir = argc > 2 ? argv[2] : "";
    if (command == "make") {
      make(comm, dir);
    } else if (command == "compare" && argc == 4) {
      auto const a = read(comm, argv[2]);
      auto const b = read(comm, argv[3]);
      bool const equal = a.rows == b.rows && a.columns == b.columns && a.values == b.values;
      std::printf("%s and %s are %s\n", argv[2], argv[3], equal ? "equal" : "DIFFERENT");
      exit_code = equal ? 0 : 2;
    } else if (command == "check-solve" && argc >= 5) {
      auto const x = read(comm, dir + "/x.npy");
      auto const b = read(comm, argv[3]);
      auto const c = read(comm, argv[4]);
      auto const expected = kernelsolve::reference::solve_symmetric_positive_definite(
          kernelsolve::reference::kernel_matrix(kernel_named(argc, argv), x, x, alpha), b);
      double const difference = max_relative_difference(c, expected);
      std::printf("solution vs dense Cholesky solve: max relative difference %.3e\n", difference);
      exit_code = difference < 1e-6 ? 0 : 2;
    } else if (command == "check-predict" && argc >= 5) {
      auto const x = read(comm, dir + "/x.npy");
      auto const xn = read(comm, dir + "/xn.npy");
      auto const c = read(comm, argv[3]);
      auto const y = read(comm, argv[4]);
      auto const expected =
          kernelsolve::reference::multiply(kernelsolve::reference::kernel_matrix(kernel_named(argc, argv), xn, x), c);
      double const difference = max_relative_difference(y, expected);
      double error = 0;
      for (std::int64_t i = 0; i < m; ++i) error = std::max(error, std::abs(y(i, 0) - smooth(xn(i, 0), xn(i, 1))));
      std::printf("predictions vs brute-force sums: max relative difference %.3e; interpolation error %.3e\n",
                  difference, error);
      exit_code = difference < 1e-12 && error < 0.1 ? 0 : 2;
    } else {
      std::fprintf(stderr,
                   "usage: app_fixture make DIR | check-solve DIR B C [FAMILY] | check-predict DIR C Y [FAMILY] |"
                   " compare A B\n");
      exit_code = 64;
    }
  } catch (std::exception const& error) {
    std::fprintf(stderr, "app_fixture: %s\n", error.what());
    exit_code = 1;
  }
  MPI_Finalize();
  return exit_code;
}
