// Moving data between host reference matrices (double, row-major) and the solver's Kokkos blocks, and drawing
// reproducible random problems: what the app's demo and the tests share.
#pragma once

#include <kernelsolve/reference/dense.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <random>
#include <string>

namespace kernelsolve {
namespace reference {

/// rows x columns values uniform in [0, 1) from the generator, the same on every rank for the same generator
/// state, whatever the rank count; rounded to Scalar so that a double reference sees exactly the solver's data.
template <class Scalar>
HostMatrix uniform_matrix(std::int64_t rows, std::int64_t columns, std::mt19937_64& generator) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  HostMatrix values(rows, columns);
  for (auto& value : values.values) value = static_cast<double>(static_cast<Scalar>(uniform(generator)));
  return values;
}

/// Rows [first_row, first_row + rows) of a host matrix, as a new rank-2 View of type Block (any space).
template <class Block>
Block to_block(std::string const& label, HostMatrix const& values, std::int64_t first_row, std::int64_t rows) {
  using scalar_type = typename Block::non_const_value_type;
  Block block(label, rows, values.columns);
  auto host = Kokkos::create_mirror_view(block);
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t c = 0; c < values.columns; ++c) host(i, c) = static_cast<scalar_type>(values(first_row + i, c));
  Kokkos::deep_copy(block, host);
  return block;
}

/// A rank-2 View (any space and layout) as a host matrix of doubles.
template <class View>
HostMatrix to_host_matrix(View const& view) {
  auto const host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), view);
  HostMatrix values(static_cast<std::int64_t>(view.extent(0)), static_cast<std::int64_t>(view.extent(1)));
  for (std::int64_t i = 0; i < values.rows; ++i)
    for (std::int64_t c = 0; c < values.columns; ++c) values(i, c) = static_cast<double>(host(i, c));
  return values;
}

}  // namespace reference
}  // namespace kernelsolve
