// HDF5 datasets through parallel HDF5: rank 0 inspects, every rank reads or writes its own rows with a collective
// hyperslab transfer over the MPI-IO driver, and writes go to a temporary file renamed when all ranks succeeded.
#include "array_formats.hpp"
#include "collective.hpp"

#include <kernelsolve/io/file_error.hpp>

#include <hdf5.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <utility>

#ifndef H5_HAVE_PARALLEL
#error "kernelsolve's HDF5 files need parallel HDF5 (H5_HAVE_PARALLEL); on Debian: libhdf5-openmpi-dev"
#endif

namespace kernelsolve::io::detail {
namespace {

/// Turns off HDF5's printing of its error stack for the lifetime of the guard (kernelsolve reports errors itself).
class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }
  QuietHdf5Errors(QuietHdf5Errors const&) = delete;
  QuietHdf5Errors& operator=(QuietHdf5Errors const&) = delete;

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

/// The innermost message of HDF5's current error stack, e.g. "file signature not found".
std::string hdf5_error_text() {
  std::string text;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned depth, H5E_error2_t const* error, void* out) -> herr_t {
        if (depth == 0 && error->desc) *static_cast<std::string*>(out) = error->desc;
        return 0;
      },
      &text);
  return text.empty() ? "unknown HDF5 error" : text;
}

/// An HDF5 identifier closed by RAII.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
  Handle(Handle const&) = delete;
  Handle& operator=(Handle const&) = delete;
  Handle& operator=(Handle&&) = delete;
  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }
  /// Closes now, reporting failure (collective closes of files must be checked).
  herr_t close() {
    herr_t const status = id_ >= 0 ? close_(id_) : 0;
    id_ = -1;
    return status;
  }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

[[noreturn]] void fail(std::string const& path, std::string const& what) {
  throw FileError(path, what + ": " + hdf5_error_text());
}

/// Shape and element type of a dataset; throws FileError for what kernelsolve does not read.
ArrayShape shape_of(std::string const& path, std::string const& dataset_name, hid_t dataset) {
  Handle const type(H5Dget_type(dataset), H5Tclose);
  Handle const space(H5Dget_space(dataset), H5Sclose);
  if (!type.valid() || !space.valid()) fail(path, "cannot read the type of dataset '" + dataset_name + "'");
  H5T_class_t const type_class = H5Tget_class(type.get());
  std::size_t const size = H5Tget_size(type.get());
  if (type_class != H5T_FLOAT || (size != 4 && size != 8))
    throw FileError(path, "dataset '" + dataset_name + "' has an unsupported element type (" +
                              (type_class == H5T_INTEGER ? "integer"
                               : type_class == H5T_FLOAT ? "floating point"
                                                         : "not a number") +
                              ", " + std::to_string(size) + " bytes): kernelsolve reads float32 and float64 datasets");
  int const rank = H5Sget_simple_extent_ndims(space.get());
  if (rank != 1 && rank != 2)
    throw FileError(path, "dataset '" + dataset_name + "' is " + std::to_string(rank) +
                              "-D: kernelsolve reads 1-D and 2-D datasets");
  hsize_t extents[2] = {0, 1};
  H5Sget_simple_extent_dims(space.get(), extents, nullptr);
  return ArrayShape{static_cast<std::int64_t>(extents[0]), static_cast<std::int64_t>(extents[1]), rank == 1,
                    size == 4 ? ElementType::float32 : ElementType::float64};
}

/// Rank 0 alone: opens the file (default driver) and reads the dataset's shape.
ArrayShape inspect_on_this_rank(std::string const& path, std::string const& dataset_name) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw FileError(path, "cannot read: it is a directory");
  if (!std::ifstream(path)) throw FileError(path, "cannot open for reading: " + system_error_text(errno));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw FileError(path, "not an HDF5 file");
  QuietHdf5Errors const quiet;
  Handle const file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) fail(path, "cannot open as an HDF5 file");
  if (H5Lexists(file.get(), dataset_name.c_str(), H5P_DEFAULT) <= 0 &&
      H5Oexists_by_name(file.get(), dataset_name.c_str(), H5P_DEFAULT) <= 0)
    throw FileError(path, "has no dataset '" + dataset_name + "'");
  Handle const dataset(H5Dopen2(file.get(), dataset_name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) fail(path, "cannot open dataset '" + dataset_name + "'");
  return shape_of(path, dataset_name, dataset.get());
}

/// A file access property list for the MPI-IO driver on the communicator.
Handle mpio_access(Communicator const& comm) {
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_mpio(access.get(), comm.get(), MPI_INFO_NULL);
  return access;
}

/// A transfer property list for collective MPI-IO.
Handle collective_transfer() {
  Handle transfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_dxpl_mpio(transfer.get(), H5FD_MPIO_COLLECTIVE);
  return transfer;
}

/// Selects rows [first_row, first_row + row_count) of `space` (all of its columns), or nothing.
/// A 1-D space takes only the first entries of start and count.
void select_rows(hid_t space, std::int64_t columns, std::int64_t first_row, std::int64_t row_count) {
  if (row_count == 0) {
    H5Sselect_none(space);
    return;
  }
  hsize_t const start[2] = {static_cast<hsize_t>(first_row), 0};
  hsize_t const count[2] = {static_cast<hsize_t>(row_count), static_cast<hsize_t>(columns)};
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr);
}

}  // namespace

ArrayShape inspect_hdf5(Communicator const& comm, std::string const& path, std::string const& dataset) {
  return shape_from_root(comm, path, [&] { return inspect_on_this_rank(path, dataset); });
}

std::vector<double> read_hdf5_rows(Communicator const& comm, std::string const& path, std::string const& dataset_name,
                                   ArrayShape const& shape, std::int64_t first_row, std::int64_t row_count) {
  // Rank 0 checks the dataset again, so that all ranks open a file that is there and has the expected shape.
  on_every_rank(comm, path, [&] {
    if (comm.rank() == 0) require_same_shape(inspect_on_this_rank(path, dataset_name), shape);
  });
  std::vector<double> rows(static_cast<std::size_t>(row_count * shape.columns) + 1);  // + 1: never a null buffer
  std::optional<std::string> problem;
  {
    QuietHdf5Errors const quiet;
    Handle const access = mpio_access(comm);
    Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get()), H5Fclose);  // collective
    Handle dataset(file.valid() ? H5Dopen2(file.get(), dataset_name.c_str(), H5P_DEFAULT) : -1, H5Dclose);
    if (!dataset.valid()) {
      problem = "cannot open dataset '" + dataset_name + "' with MPI-IO: " + hdf5_error_text();
    } else {
      Handle const file_space(H5Dget_space(dataset.get()), H5Sclose);
      select_rows(file_space.get(), shape.columns, first_row, row_count);
      hsize_t const memory_extent = static_cast<hsize_t>(row_count * shape.columns);
      Handle const memory_space(H5Screate_simple(1, &memory_extent, nullptr), H5Sclose);
      if (row_count == 0) H5Sselect_none(memory_space.get());
      Handle const transfer = collective_transfer();
      // HDF5 converts float32 to double on the way.
      if (H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space.get(), transfer.get(), rows.data()) <
          0)
        problem = "cannot read dataset '" + dataset_name + "': " + hdf5_error_text();
    }
    dataset.close();
    if (file.close() < 0 && !problem) problem = "cannot close: " + hdf5_error_text();
  }
  throw_if_any_rank_failed(comm, path, problem);
  rows.pop_back();
  return rows;
}

void write_hdf5(Communicator const& comm, std::string const& path, std::string const& dataset_name,
                RowBlock const& block) {
  TemporaryOutput output(comm, path, {});
  std::optional<std::string> problem;
  {
    QuietHdf5Errors const quiet;
    Handle const access = mpio_access(comm);
    Handle file(H5Fcreate(output.temporary_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), H5Fclose);
    if (!file.valid()) {
      problem = "cannot write: cannot create an HDF5 file: " + hdf5_error_text();
    } else {
      int const rank = block.one_dimensional ? 1 : 2;
      hsize_t const extents[2] = {static_cast<hsize_t>(block.global_rows), static_cast<hsize_t>(block.columns)};
      Handle const file_space(H5Screate_simple(rank, extents, nullptr), H5Sclose);
      Handle const link_creation(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
      H5Pset_create_intermediate_group(link_creation.get(), 1);  // "/group/x" creates "/group"
      hid_t const type = block.element_type == ElementType::float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
      Handle dataset(H5Dcreate2(file.get(), dataset_name.c_str(), type, file_space.get(), link_creation.get(),
                                H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose);
      if (!dataset.valid()) {
        problem = "cannot create dataset '" + dataset_name + "': " + hdf5_error_text();
      } else {
        select_rows(file_space.get(), block.columns, block.first_row, block.row_count);
        hsize_t const memory_extent = static_cast<hsize_t>(block.row_count * block.columns);
        Handle const memory_space(H5Screate_simple(1, &memory_extent, nullptr), H5Sclose);
        if (block.row_count == 0) H5Sselect_none(memory_space.get());
        Handle const transfer = collective_transfer();
        double const dummy = 0;
        if (H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space.get(), transfer.get(),
                     block.values.empty() ? &dummy : block.values.data()) < 0)
          problem = "cannot write dataset '" + dataset_name + "': " + hdf5_error_text();
      }
      if (dataset.close() < 0 && !problem) problem = "cannot write: " + hdf5_error_text();
      if (file.close() < 0 && !problem) problem = "cannot write: " + hdf5_error_text();
    }
  }
  throw_if_any_rank_failed(comm, path, problem);
  output.commit();
}

}  // namespace kernelsolve::io::detail
