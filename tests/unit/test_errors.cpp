// Bad input to the single-process API gives an exception whose message names the problem and the value.
#include "harness/expect_error.hpp"

#include <kernelsolve/kernels/gaussian.hpp>
#include <kernelsolve/product/kernel_product.hpp>

#include <gtest/gtest.h>

#include <limits>

namespace {

using kernelsolve::DimensionMismatch;
using kernelsolve::Gaussian;
using kernelsolve::InvalidArgument;
using Block = Kokkos::View<double**, Kokkos::LayoutLeft>;

TEST(Errors, SigmaMustBePositiveAndFinite) {
  EXPECT_THROW_WITH_MESSAGE(Gaussian<double>::from_sigma(0.0), InvalidArgument, "sigma must be finite and > 0, got 0");
  EXPECT_THROW_WITH_MESSAGE(Gaussian<double>::from_sigma(-0.5), InvalidArgument, "got -0.5");
  EXPECT_THROW_WITH_MESSAGE(Gaussian<float>::from_sigma(std::numeric_limits<float>::quiet_NaN()), InvalidArgument,
                            "got nan");
  EXPECT_THROW_WITH_MESSAGE(Gaussian<double>::from_g(-1.0), InvalidArgument, "g must be finite and > 0");
  EXPECT_THROW_WITH_MESSAGE(Gaussian<double>::from_g(std::numeric_limits<double>::infinity()), InvalidArgument,
                            "got inf");
}

TEST(Errors, ProductExtentsMustAgree) {
  auto const kernel = Gaussian<double>::from_g(1.0);
  Block const targets("targets", 5, 2), sources("sources", 7, 2), weights("weights", 7, 3), out("out", 5, 3);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::kernel_product(kernel, targets, Block("sources", 7, 3), weights, out),
                            DimensionMismatch, "targets.extent(1) (2) and sources.extent(1) (3)");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::kernel_product(kernel, targets, sources, Block("weights", 6, 3), out),
                            DimensionMismatch, "sources.extent(0) (7) and weights.extent(0) (6)");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::kernel_product(kernel, targets, sources, weights, Block("out", 4, 3)),
                            DimensionMismatch, "out.extent(0) (4) and targets.extent(0) (5)");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::kernel_product(kernel, targets, sources, weights, Block("out", 5, 2)),
                            DimensionMismatch, "out.extent(1) (2) and weights.extent(1) (3)");
}

TEST(Errors, ProductNeedsAtLeastOneDimensionAndOneColumn) {
  auto const kernel = Gaussian<double>::from_g(1.0);
  EXPECT_THROW_WITH_MESSAGE(
      kernelsolve::kernel_product(kernel, Block("t", 5, 0), Block("s", 7, 0), Block("w", 7, 1), Block("o", 5, 1)),
      InvalidArgument, "dimension D >= 1, got 0");
  EXPECT_THROW_WITH_MESSAGE(
      kernelsolve::kernel_product(kernel, Block("t", 5, 2), Block("s", 7, 2), Block("w", 7, 0), Block("o", 5, 0)),
      InvalidArgument, "Dv >= 1 columns, got 0");
}

}  // namespace
