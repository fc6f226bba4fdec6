// .npy files: rank 0 reads the header, every rank reads only its own bytes (offset reads), and writes go through
// MPI-IO into a temporary file that is renamed when all ranks succeeded.
#include "array_formats.hpp"
#include "collective.hpp"

#include <kernelsolve/io/file_error.hpp>
#include <kernelsolve/io/npy_header.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "kernelsolve's .npy reader and writer assume a little-endian host"
#endif

namespace kernelsolve::io::detail {
namespace {

/// Opens a file for reading, or throws FileError with the system's reason.
std::ifstream open_for_reading(std::string const& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw FileError(path, "cannot read: it is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw FileError(path, "cannot open for reading: " + system_error_text(errno));
  return file;
}

/// Reads exactly `count` bytes at `offset`, or throws FileError "truncated".
void read_at(std::ifstream& file, std::string const& path, std::int64_t offset, char* bytes, std::int64_t count) {
  file.seekg(offset);
  file.read(bytes, count);
  if (file.gcount() != count)
    throw FileError(path,
                    "truncated: cannot read " + std::to_string(count) + " bytes at offset " + std::to_string(offset));
}

/// The validated header of a .npy file, after checking that the file holds all the data the header promises.
NpyHeader read_header(std::string const& path) {
  std::ifstream file = open_for_reading(path);
  std::string bytes(npy_preamble_size, '\0');
  file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(file.gcount()));
  NpyHeader header;
  try {
    std::int64_t const header_length = npy_header_length(bytes);
    file.clear();
    bytes.assign(static_cast<std::size_t>(header_length), '\0');
    file.seekg(0);
    file.read(bytes.data(), header_length);
    bytes.resize(static_cast<std::size_t>(file.gcount()));
    header = parse_npy_header(bytes);
  } catch (NpyHeaderError const& error) {
    throw FileError(path, error.what());
  }
  std::int64_t const file_size = static_cast<std::int64_t>(std::filesystem::file_size(path));
  if (file_size < header.data_offset + header.data_bytes)
    throw FileError(path, "truncated: the header promises " + std::to_string(header.data_bytes) +
                              " bytes of data after its " + std::to_string(header.data_offset) +
                              " bytes, but the file has only " + std::to_string(file_size - header.data_offset));
  return header;
}

ArrayShape shape_of(NpyHeader const& header) {
  bool const one_dimensional = header.shape.size() == 1;
  return ArrayShape{header.shape[0], one_dimensional ? 1 : header.shape[1], one_dimensional, header.element_type};
}

/// Elements of the file's type in `bytes` (little-endian, or big-endian when `swap`), as doubles.
void convert_to_double(ElementType type, bool swap, char* bytes, std::int64_t count, double* out, std::int64_t stride) {
  std::int64_t const item = element_size(type);
  if (swap)
    for (std::int64_t k = 0; k < count; ++k) std::reverse(bytes + item * k, bytes + item * (k + 1));
  for (std::int64_t k = 0; k < count; ++k) {
    if (type == ElementType::float32) {
      float value;
      std::memcpy(&value, bytes + 4 * k, 4);
      out[k * stride] = value;
    } else {
      std::memcpy(&out[k * stride], bytes + 8 * k, 8);
    }
  }
}

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<std::size_t>(length));
}

}  // namespace

ArrayShape inspect_npy(Communicator const& comm, std::string const& path) {
  return shape_from_root(comm, path, [&] { return shape_of(read_header(path)); });
}

std::vector<double> read_npy_rows(Communicator const& comm, std::string const& path, ArrayShape const& shape,
                                  std::int64_t first_row, std::int64_t row_count) {
  // Rank 0 checks the header again (the file may have changed) and tells everyone where the data starts.
  std::int64_t layout[3] = {0, 0, 0};  // data offset, Fortran order, big-endian
  on_every_rank(comm, path, [&] {
    if (comm.rank() != 0) return;
    NpyHeader const header = read_header(path);
    require_same_shape(shape_of(header), shape);
    layout[0] = header.data_offset;
    layout[1] = header.fortran_order;
    layout[2] = header.big_endian;
  });
  broadcast_from_root(comm, layout, 3);
  std::int64_t const data_offset = layout[0];
  bool const fortran_order = layout[1] != 0;
  bool const big_endian = layout[2] != 0;

  std::int64_t const item = element_size(shape.element_type);
  std::vector<double> rows(static_cast<std::size_t>(row_count * shape.columns));
  on_every_rank(comm, path, [&] {
    if (row_count == 0) return;
    std::ifstream file = open_for_reading(path);
    if (!fortran_order) {
      // C order: this rank's rows are one contiguous run of bytes.
      std::vector<char> bytes(static_cast<std::size_t>(row_count * shape.columns * item));
      read_at(file, path, data_offset + first_row * shape.columns * item, bytes.data(),
              static_cast<std::int64_t>(bytes.size()));
      convert_to_double(shape.element_type, big_endian, bytes.data(), row_count * shape.columns, rows.data(), 1);
    } else {
      // Fortran order: column j is stored whole, element (i, j) at (j * rows + i); read each column's segment.
      std::vector<char> bytes(static_cast<std::size_t>(row_count * item));
      for (std::int64_t column = 0; column < shape.columns; ++column) {
        read_at(file, path, data_offset + (column * shape.rows + first_row) * item, bytes.data(),
                static_cast<std::int64_t>(bytes.size()));
        convert_to_double(shape.element_type, big_endian, bytes.data(), row_count, rows.data() + column, shape.columns);
      }
    }
  });
  return rows;
}

void write_npy(Communicator const& comm, std::string const& path, RowBlock const& block) {
  std::vector<std::int64_t> const shape = block.one_dimensional
                                              ? std::vector<std::int64_t>{block.global_rows}
                                              : std::vector<std::int64_t>{block.global_rows, block.columns};
  std::string const header = format_npy_header(block.element_type, shape);
  std::int64_t const item = element_size(block.element_type);
  std::int64_t const row_bytes = block.columns * item;

  // This rank's rows in the file's element type, little-endian.
  std::vector<char> bytes(static_cast<std::size_t>(block.row_count * row_bytes));
  for (std::size_t k = 0; k < block.values.size(); ++k) {
    if (block.element_type == ElementType::float32) {
      float const value = static_cast<float>(block.values[k]);
      std::memcpy(bytes.data() + 4 * k, &value, 4);
    } else {
      std::memcpy(bytes.data() + 8 * k, &block.values[k], 8);
    }
  }

  // Rank 0 creates the temporary file with the header; then every rank writes its rows at its offset.
  TemporaryOutput output(comm, path, comm.rank() == 0 ? std::string_view(header) : std::string_view());
  MPI_File file = MPI_FILE_NULL;
  int code = MPI_File_open(comm.get(), output.temporary_path().c_str(), MPI_MODE_WRONLY, MPI_INFO_NULL, &file);
  std::optional<std::string> problem;
  if (code != MPI_SUCCESS) problem = "cannot write: MPI_File_open: " + mpi_error_text(code);
  throw_if_any_rank_failed(comm, path, problem);

  MPI_Datatype row_type;  // one row of the file; counts in rows stay below 2^31 (RowPartition's local bound)
  MPI_Type_contiguous(static_cast<int>(row_bytes), MPI_BYTE, &row_type);
  MPI_Type_commit(&row_type);
  code = MPI_File_set_size(file, static_cast<MPI_Offset>(header.size()) + block.global_rows * row_bytes);
  if (code != MPI_SUCCESS) problem = "cannot write: MPI_File_set_size: " + mpi_error_text(code);
  char dummy = 0;
  MPI_Status status;
  code = MPI_File_write_at_all(file, static_cast<MPI_Offset>(header.size()) + block.first_row * row_bytes,
                               bytes.empty() ? &dummy : bytes.data(), static_cast<int>(block.row_count), row_type,
                               &status);
  if (code != MPI_SUCCESS && !problem) problem = "cannot write: MPI_File_write_at_all: " + mpi_error_text(code);
  MPI_Type_free(&row_type);
  code = MPI_File_close(&file);
  if (code != MPI_SUCCESS && !problem) problem = "cannot write: MPI_File_close: " + mpi_error_text(code);
  throw_if_any_rank_failed(comm, path, problem);
  output.commit();
}

}  // namespace kernelsolve::io::detail
