// Collective reading and writing of arrays in .npy, HDF5 and CSV files by row blocks: each rank reads or writes
// only its own rows [first_row, first_row + row_count), and writes are atomic (temporary file, then rename).
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/io/array_location.hpp>
#include <kernelsolve/io/array_shape.hpp>
#include <kernelsolve/io/element_type.hpp>
#include <kernelsolve/io/file_error.hpp>

#include <cstdint>
#include <vector>

namespace kernelsolve::io {

/// \brief The shape and element type of the array at `where`.
///
/// Collective: rank 0 reads the header (or the whole CSV file) and every rank returns the same answer, or every
/// rank throws the same FileError.
/// \throws FileError when the file is missing, unreadable, truncated, malformed, or holds an array that is not
/// 1-D or 2-D float32/float64.
ArrayShape inspect_array(Communicator const& comm, ArrayLocation const& where);

/// \brief This rank's rows [first_row, first_row + row_count) of the array at `where`, row-major, as double:
/// element (i, j) of the block is at [i * shape.columns + j].
///
/// Collective. .npy files are read with offset reads of this rank's bytes only (C or Fortran order); HDF5 files
/// with a collective hyperslab read through MPI-IO. CSV is meant for small hand-made files: every rank parses the
/// whole file and keeps its rows.
/// \param shape what inspect_array returned for `where`.
/// \throws InvalidArgument on every rank when a rank's rows are outside [0, shape.rows).
/// \throws FileError on every rank when the file cannot be read on some rank, or no longer has `shape`.
std::vector<double> read_rows(Communicator const& comm, ArrayLocation const& where, ArrayShape const& shape,
                              std::int64_t first_row, std::int64_t row_count);

/// \brief Writes a global_rows x columns array whose rows are spread over the ranks in rank order: this rank
/// holds rows [first_row, first_row + local_rows.size() / columns), row-major.
///
/// Collective and atomic: the file is written under a temporary name in the same directory and renamed to
/// `where.path` only after every rank succeeded; on failure the temporary file is removed and `where.path` is left
/// as it was. .npy and HDF5 files are written by every rank at its offset (MPI-IO); CSV files are gathered on
/// rank 0 and written with enough digits to read back the same values.
/// \param one_dimensional write a 1-D array of length global_rows (requires columns == 1; ignored for CSV).
/// \param type the element type in the file (values are rounded to float32 when asked).
/// \throws InvalidArgument on every rank when the blocks do not tile [0, global_rows) in rank order.
/// \throws FileError on every rank when the file cannot be written (missing or read-only directory, ...).
void write_rows(Communicator const& comm, ArrayLocation const& where, std::int64_t global_rows, std::int64_t columns,
                bool one_dimensional, ElementType type, std::int64_t first_row, std::vector<double> const& local_rows);

}  // namespace kernelsolve::io
