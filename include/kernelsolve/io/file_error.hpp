// The exception thrown for every problem with an array file: missing, unreadable, truncated, malformed, unsupported
// or unwritable. Host-only, no Kokkos, no MPI.
#pragma once

#include <stdexcept>
#include <string>

namespace kernelsolve::io {

/// \brief A problem with a file, named in its message: "<path>: <problem>", e.g. "b.npy: truncated: ...".
class FileError : public std::runtime_error {
 public:
  FileError(std::string const& path, std::string const& problem)
      : std::runtime_error(path + ": " + problem), path_(path), problem_(problem) {}

  /// The file as the user named it.
  [[nodiscard]] std::string const& path() const noexcept { return path_; }
  /// The message without the leading "<path>: ".
  [[nodiscard]] std::string const& problem() const noexcept { return problem_; }

 private:
  std::string path_;
  std::string problem_;
};

}  // namespace kernelsolve::io
