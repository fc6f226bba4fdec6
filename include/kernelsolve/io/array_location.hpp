// Where an array lives: a file, its format (from the extension) and, for HDF5, the dataset inside it.
// Parses the command-line form "x.npy", "pts.csv", "data.h5:/group/x". Host-only, no Kokkos, no MPI.
#pragma once

#include <string>
#include <string_view>

namespace kernelsolve::io {

/// \brief The array file formats kernelsolve reads and writes.
enum class FileFormat { npy, hdf5, csv };

/// \brief "npy", "hdf5" or "csv".
char const* to_string(FileFormat format);

/// \brief A file and, for HDF5, the path of a dataset inside it ("/group/x"; empty for npy and csv).
struct ArrayLocation {
  std::string path;
  std::string dataset;
  FileFormat format = FileFormat::npy;
};

/// \brief Parses "x.npy", "pts.csv", "data.h5:/group/x" or "data.hdf5:x" (extensions are case-insensitive).
/// \throws FileError naming the text when the extension is unknown or an HDF5 location lacks its dataset.
ArrayLocation parse_array_location(std::string_view text);

}  // namespace kernelsolve::io
