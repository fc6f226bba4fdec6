// Private helpers of the array file readers and writers: agreeing on errors before any rank goes on, broadcasting
// what rank 0 read, and atomic output (a temporary file in the target's directory, renamed when all ranks succeed).
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/io/array_shape.hpp>
#include <kernelsolve/io/file_error.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace kernelsolve::io::detail {

/// Collective: when some rank has a problem, every rank throws FileError(path, the lowest such rank's problem).
void throw_if_any_rank_failed(Communicator const& comm, std::string const& path,
                              std::optional<std::string> const& problem_here);

/// Collective: runs step() on this rank, then throws on every rank if it threw on any (as a FileError naming path).
template <class Step>
void on_every_rank(Communicator const& comm, std::string const& path, Step&& step) {
  std::optional<std::string> problem;
  try {
    step();
  } catch (FileError const& error) {
    problem = error.path() == path ? error.problem() : std::string(error.what());
  } catch (std::exception const& error) {
    problem = error.what();
  }
  throw_if_any_rank_failed(comm, path, problem);
}

/// Collective: the values of rank 0, on every rank.
void broadcast_from_root(Communicator const& comm, std::int64_t* values, int count);
/// Collective: the text of rank 0, on every rank.
std::string broadcast_from_root(Communicator const& comm, std::string text);

/// Collective: the shape that inspect() finds on rank 0 (where only rank 0 reads the file), on every rank; or the
/// same FileError on every rank.
template <class Inspect>
ArrayShape shape_from_root(Communicator const& comm, std::string const& path, Inspect&& inspect) {
  std::int64_t values[4] = {0, 0, 0, 0};
  on_every_rank(comm, path, [&] {
    if (comm.rank() != 0) return;
    ArrayShape const shape = inspect();
    values[0] = shape.rows;
    values[1] = shape.columns;
    values[2] = shape.one_dimensional;
    values[3] = static_cast<std::int64_t>(shape.element_type);
  });
  broadcast_from_root(comm, values, 4);
  return ArrayShape{values[0], values[1], values[2] != 0, static_cast<ElementType>(values[3])};
}

/// Text for errno, e.g. "No such file or directory".
std::string system_error_text(int error_number);

/// \brief A file written under a temporary name beside `path` and renamed to `path` by commit().
///
/// Collective construction: rank 0 creates the temporary file (exclusively, so that it is new), writes
/// `root_content` into it and every rank learns its name; if that fails every rank throws FileError(path, ...).
/// Unless commit() succeeded, the destructor removes the temporary file (rank 0), so no partial output is left.
class TemporaryOutput {
 public:
  TemporaryOutput(Communicator const& comm, std::string path, std::string_view root_content);
  ~TemporaryOutput();
  TemporaryOutput(TemporaryOutput const&) = delete;
  TemporaryOutput& operator=(TemporaryOutput const&) = delete;

  [[nodiscard]] std::string const& temporary_path() const { return temporary_path_; }

  /// Collective: rank 0 renames the temporary file to `path`; throws FileError on every rank if that fails.
  void commit();

 private:
  Communicator const& comm_;
  std::string path_;
  std::string temporary_path_;
  bool committed_ = false;
};

}  // namespace kernelsolve::io::detail
