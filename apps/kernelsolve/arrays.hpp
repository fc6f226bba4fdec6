// The app's files: this rank's rows of an input array, checked (shape, NaN/Inf), and outputs checked for
// writability before any work is done. Every function is collective over the communicator.
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/io/array_file.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kernelsolve::app {

/// An input file: where it is, its shape, and this rank's rows of it.
struct InputArray {
  std::string name;  ///< as the user wrote it, for messages
  io::ArrayLocation where;
  io::ArrayShape shape;
  std::int64_t first_row = 0;
  std::vector<double> rows;  ///< this rank's rows, row-major, shape.columns per row

  [[nodiscard]] std::int64_t local_rows() const {
    return shape.columns == 0 ? 0 : static_cast<std::int64_t>(rows.size()) / shape.columns;
  }
};

/// This rank's rows [first, first + count) of `global` rows split evenly in rank order; blocks may be empty (more
/// ranks than rows), unlike the operator's RowPartition, which needs a point per rank.
struct RowBlock {
  std::int64_t global = 0;
  std::int64_t first = 0;
  std::int64_t count = 0;
};
RowBlock balanced_block(Communicator const& comm, std::int64_t global_rows);

/// The location and shape of the file `name` (no data read yet). \throws io::FileError naming it.
InputArray inspect_input(Communicator const& comm, std::string const& name);

/// \brief Reads this rank's rows `block` of `input` and checks them for NaN and Inf.
/// \throws InvalidArgument on every rank: "<name>: nan at row i, column j (inputs must be finite)".
void read_rows_of(Communicator const& comm, InputArray& input, RowBlock const& block);

/// \brief Checks before any work that `name` is a known format whose directory exists and is writable (a
/// temporary probe file is created and removed there). \throws io::FileError naming it on every rank.
io::ArrayLocation check_output(Communicator const& comm, std::string const& name);

/// \brief check_output for a file of any kind (the report): its directory exists and is writable, it is not a
/// directory, and an existing file there is writable. Nothing when `path` is empty.
void check_writable(Communicator const& comm, std::string const& path);

/// A file a command reads or writes, and the option that named it (for messages).
struct NamedFile {
  std::string option;  ///< e.g. "--out"
  std::string path;    ///< the file (an HDF5 location's file, without the dataset); empty: not given
};

/// \brief Refuses an output that is the same file as an input or as another output, also when reached through
/// another path or a link (written outputs replace the file, so `solve -x x.npy -o x.npy` would destroy its input).
/// \throws io::FileError naming the output, on every rank, before any work.
void refuse_shared_files(Communicator const& comm, std::vector<NamedFile> const& outputs,
                         std::vector<NamedFile> const& inputs);

/// \brief Writes the rows of every rank (row-major, `columns` per row) to `where`, atomically.
void write_output(Communicator const& comm, io::ArrayLocation const& where, RowBlock const& block, std::int64_t columns,
                  bool one_dimensional, io::ElementType type, std::vector<double> const& rows);

}  // namespace kernelsolve::app
