// Private: the per-format halves of inspect_array, read_rows and write_rows (arguments already checked).
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/io/array_shape.hpp>
#include <kernelsolve/io/element_type.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kernelsolve::io::detail {

/// What a writer needs to know about the rows it writes: the global array and this rank's block.
struct RowBlock {
  std::int64_t global_rows;
  std::int64_t columns;
  bool one_dimensional;
  ElementType element_type;
  std::int64_t first_row;
  std::int64_t row_count;
  std::vector<double> const& values;  // row_count x columns, row-major
};

ArrayShape inspect_npy(Communicator const& comm, std::string const& path);
std::vector<double> read_npy_rows(Communicator const& comm, std::string const& path, ArrayShape const& shape,
                                  std::int64_t first_row, std::int64_t row_count);
void write_npy(Communicator const& comm, std::string const& path, RowBlock const& block);

ArrayShape inspect_hdf5(Communicator const& comm, std::string const& path, std::string const& dataset);
std::vector<double> read_hdf5_rows(Communicator const& comm, std::string const& path, std::string const& dataset,
                                   ArrayShape const& shape, std::int64_t first_row, std::int64_t row_count);
void write_hdf5(Communicator const& comm, std::string const& path, std::string const& dataset, RowBlock const& block);

ArrayShape inspect_csv(Communicator const& comm, std::string const& path);
std::vector<double> read_csv_rows(Communicator const& comm, std::string const& path, ArrayShape const& shape,
                                  std::int64_t first_row, std::int64_t row_count);
void write_csv(Communicator const& comm, std::string const& path, RowBlock const& block);

/// "(5, 2) float64" or "(5,) float32", as in the messages about shapes.
std::string describe(ArrayShape const& shape);

/// The shape a file holds, compared with what the caller inspected earlier.
void require_same_shape(ArrayShape const& in_file, ArrayShape const& expected);

}  // namespace kernelsolve::io::detail
