// inspect_array, read_rows and write_rows: argument checks agreed on by all ranks, then the format's own reader or
// writer.
#include <kernelsolve/error.hpp>
#include <kernelsolve/io/array_file.hpp>

#include "array_formats.hpp"

#include <sstream>

namespace kernelsolve::io {
namespace detail {

std::string describe(ArrayShape const& shape) {
  std::ostringstream text;
  if (shape.one_dimensional)
    text << '(' << shape.rows << ",) ";
  else
    text << '(' << shape.rows << ", " << shape.columns << ") ";
  text << to_string(shape.element_type);
  return text.str();
}

void require_same_shape(ArrayShape const& in_file, ArrayShape const& expected) {
  if (in_file != expected)
    throw std::runtime_error("changed since it was inspected: it holds " + describe(in_file) + ", expected " +
                             describe(expected));
}

}  // namespace detail

ArrayShape inspect_array(Communicator const& comm, ArrayLocation const& where) {
  switch (where.format) {
    case FileFormat::npy:
      return detail::inspect_npy(comm, where.path);
    case FileFormat::hdf5:
      return detail::inspect_hdf5(comm, where.path, where.dataset);
    case FileFormat::csv:
      return detail::inspect_csv(comm, where.path);
  }
  throw FileError(where.path, "unknown file format");
}

std::vector<double> read_rows(Communicator const& comm, ArrayLocation const& where, ArrayShape const& shape,
                              std::int64_t first_row, std::int64_t row_count) {
  bool const rows_inside = first_row >= 0 && row_count >= 0 && first_row <= shape.rows - row_count;
  comm.throw_if_any_rank_failed(
      !rows_inside,
      kernelsolve::detail::concatenate("kernelsolve::io::read_rows: ", where.path, ": rows [", first_row, ", ",
                                       first_row + row_count, ") are outside the array's ", shape.rows, " rows"));
  comm.throw_if_any_rank_failed(
      shape.columns < 1 || shape.rows < 0,
      kernelsolve::detail::concatenate("kernelsolve::io::read_rows: ", where.path, ": shape ", detail::describe(shape),
                                       " is not a valid array shape"));
  switch (where.format) {
    case FileFormat::npy:
      return detail::read_npy_rows(comm, where.path, shape, first_row, row_count);
    case FileFormat::hdf5:
      return detail::read_hdf5_rows(comm, where.path, where.dataset, shape, first_row, row_count);
    case FileFormat::csv:
      return detail::read_csv_rows(comm, where.path, shape, first_row, row_count);
  }
  throw FileError(where.path, "unknown file format");
}

void write_rows(Communicator const& comm, ArrayLocation const& where, std::int64_t global_rows, std::int64_t columns,
                bool one_dimensional, ElementType type, std::int64_t first_row, std::vector<double> const& local_rows) {
  auto const here = [&](auto const&... parts) {
    return kernelsolve::detail::concatenate("kernelsolve::io::write_rows: ", where.path, ": ", parts...);
  };
  bool const valid_extents = columns >= 1 && global_rows >= 0 && (!one_dimensional || columns == 1);
  comm.throw_if_any_rank_failed(
      !valid_extents, here("cannot write a ", global_rows, " x ", columns, one_dimensional ? " 1-D" : "",
                           " array (columns must be >= 1", one_dimensional ? " and 1 for a 1-D array)" : ")"));
  auto const values = static_cast<std::int64_t>(local_rows.size());
  comm.throw_if_any_rank_failed(values % columns != 0,
                                here("this rank's ", values, " values are not whole rows of ", columns, " columns"));
  std::int64_t const row_count = values / columns;
  // The blocks must tile [0, global_rows) in rank order.
  std::vector<std::int64_t> const firsts = comm.gather_from_all(first_row);
  std::vector<std::int64_t> const counts = comm.gather_from_all(row_count);
  std::int64_t end = 0;
  for (std::size_t rank = 0; rank < firsts.size(); ++rank) {
    KS_USER_REQUIRE(firsts[rank] == end, where.path, ": rank ", rank, " writes rows from ", firsts[rank],
                    " but the rows of the ranks before it end at ", end,
                    ": the blocks must cover [0, global_rows) in rank order");
    end += counts[rank];
  }
  KS_USER_REQUIRE(end == global_rows, where.path, ": the ranks hold ", end, " rows in all, but global_rows is ",
                  global_rows);

  detail::RowBlock const block{global_rows, columns, one_dimensional, type, first_row, row_count, local_rows};
  switch (where.format) {
    case FileFormat::npy:
      return detail::write_npy(comm, where.path, block);
    case FileFormat::hdf5:
      return detail::write_hdf5(comm, where.path, where.dataset, block);
    case FileFormat::csv:
      return detail::write_csv(comm, where.path, block);
  }
  throw FileError(where.path, "unknown file format");
}

}  // namespace kernelsolve::io
