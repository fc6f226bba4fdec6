// Parsing of array locations given on the command line: "x.npy", "pts.csv", "data.h5:/group/x".
#include <kernelsolve/io/array_location.hpp>
#include <kernelsolve/io/file_error.hpp>

#include <algorithm>
#include <cctype>

namespace kernelsolve::io {
namespace {

std::string lower_case(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_hdf5_file_name(std::string_view path) {
  std::string const lower = lower_case(path);
  return ends_with(lower, ".h5") || ends_with(lower, ".hdf5");
}

}  // namespace

char const* to_string(FileFormat format) {
  switch (format) {
    case FileFormat::npy:
      return "npy";
    case FileFormat::hdf5:
      return "hdf5";
    case FileFormat::csv:
      return "csv";
  }
  return "unknown";
}

ArrayLocation parse_array_location(std::string_view text) {
  std::string const whole(text);
  if (text.empty()) throw FileError("''", "an array location must not be empty (e.g. x.npy, x.csv, x.h5:/x)");
  // "file.h5:/dataset": the last ':' that follows an HDF5 file name separates the dataset.
  for (std::size_t colon = text.rfind(':'); colon != std::string_view::npos && colon > 0;
       colon = text.rfind(':', colon - 1)) {
    if (is_hdf5_file_name(text.substr(0, colon))) {
      std::string const dataset(text.substr(colon + 1));
      if (dataset.empty() || dataset == "/")
        throw FileError(std::string(text.substr(0, colon)), "the HDF5 dataset name after ':' is empty");
      return ArrayLocation{std::string(text.substr(0, colon)), dataset, FileFormat::hdf5};
    }
  }
  std::string const lower = lower_case(text);
  if (ends_with(lower, ".npy")) return ArrayLocation{whole, "", FileFormat::npy};
  if (ends_with(lower, ".csv")) return ArrayLocation{whole, "", FileFormat::csv};
  if (is_hdf5_file_name(text)) throw FileError(whole, "an HDF5 file needs a dataset: write " + whole + ":/group/name");
  std::size_t const dot = text.rfind('.');
  std::size_t const slash = text.rfind('/');
  std::string const extension =
      dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash) ? "" : whole.substr(dot);
  throw FileError(
      whole, (extension.empty() ? std::string("no file extension") : "unknown file extension '" + extension + "'") +
                 ": expected .npy, .csv, or .h5/.hdf5 followed by :/dataset");
}

}  // namespace kernelsolve::io
