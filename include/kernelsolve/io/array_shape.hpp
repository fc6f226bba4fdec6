// The shape and element type of an array stored in a file: rows x columns, 1-D or 2-D, float32 or float64.
// Host-only, no Kokkos, no MPI.
#pragma once

#include <kernelsolve/io/element_type.hpp>

#include <cstdint>

namespace kernelsolve::io {

/// \brief An array of `rows` x `columns` elements; a 1-D array of length N has rows = N, columns = 1 and
/// one_dimensional = true. CSV files are always reported as 2-D float64 tables.
struct ArrayShape {
  std::int64_t rows = 0;
  std::int64_t columns = 0;
  bool one_dimensional = false;
  ElementType element_type = ElementType::float64;

  friend bool operator==(ArrayShape const& a, ArrayShape const& b) {
    return a.rows == b.rows && a.columns == b.columns && a.one_dimensional == b.one_dimensional &&
           a.element_type == b.element_type;
  }
  friend bool operator!=(ArrayShape const& a, ArrayShape const& b) { return !(a == b); }
};

}  // namespace kernelsolve::io
