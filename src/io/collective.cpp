// Error agreement, broadcasts and atomic output for the array file readers and writers.
#include "collective.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>

namespace kernelsolve::io::detail {

void throw_if_any_rank_failed(Communicator const& comm, std::string const& path,
                              std::optional<std::string> const& problem_here) {
  if (auto problem = comm.message_of_first_failed_rank(problem_here.has_value(), problem_here.value_or("")))
    throw FileError(path, *problem);
}

void broadcast_from_root(Communicator const& comm, std::int64_t* values, int count) {
  MPI_Bcast(values, count, MPI_INT64_T, 0, comm.get());
}

std::string broadcast_from_root(Communicator const& comm, std::string text) {
  std::int64_t length = static_cast<std::int64_t>(text.size());
  broadcast_from_root(comm, &length, 1);
  text.resize(static_cast<std::size_t>(length));
  MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, 0, comm.get());
  return text;
}

std::string system_error_text(int error_number) {
  return std::generic_category().message(error_number);
}

namespace {

/// ".<name>.kernelsolve-tmp-<random>" in the directory of path.
std::string temporary_name_beside(std::string const& path) {
  std::filesystem::path const target(path);
  std::random_device entropy;
  std::uniform_int_distribution<unsigned long long> draw;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", draw(entropy));
  return (target.parent_path() / ("." + target.filename().string() + ".kernelsolve-tmp-" + suffix)).string();
}

/// Creates a new file and writes content into it; the reason on failure.
std::optional<std::string> create_with_content(std::string const& path, std::string const& temporary,
                                               std::string_view content) {
  std::filesystem::path const target(path);
  if (target.filename().empty() || std::filesystem::is_directory(target))
    return std::string("cannot write: the path is a directory");
  int const descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (descriptor < 0) {
    std::string const directory = target.parent_path().empty() ? "." : target.parent_path().string();
    return "cannot write: cannot create a file in directory '" + directory + "': " + system_error_text(errno);
  }
  std::size_t written = 0;
  int error_number = 0;
  while (written < content.size()) {
    ssize_t const count = ::write(descriptor, content.data() + written, content.size() - written);
    if (count < 0) {
      if (errno == EINTR) continue;
      error_number = errno;
      break;
    }
    written += static_cast<std::size_t>(count);
  }
  if (::close(descriptor) != 0 && error_number == 0) error_number = errno;
  if (error_number == 0) return std::nullopt;
  ::unlink(temporary.c_str());
  return "cannot write: " + system_error_text(error_number);
}

}  // namespace

TemporaryOutput::TemporaryOutput(Communicator const& comm, std::string path, std::string_view root_content)
    : comm_(comm), path_(std::move(path)) {
  std::optional<std::string> problem;
  if (comm_.rank() == 0) {
    temporary_path_ = temporary_name_beside(path_);
    problem = create_with_content(path_, temporary_path_, root_content);
    if (problem) temporary_path_.clear();
  }
  throw_if_any_rank_failed(comm_, path_, problem);
  temporary_path_ = broadcast_from_root(comm_, temporary_path_);
}

TemporaryOutput::~TemporaryOutput() {
  if (!committed_ && comm_.rank() == 0 && !temporary_path_.empty()) ::unlink(temporary_path_.c_str());
}

void TemporaryOutput::commit() {
  std::optional<std::string> problem;
  if (comm_.rank() == 0) {
    std::error_code error;
    std::filesystem::rename(temporary_path_, path_, error);  // atomic on POSIX file systems
    if (error) problem = "cannot write: cannot rename the temporary file into place: " + error.message();
  }
  throw_if_any_rank_failed(comm_, path_, problem);
  committed_ = true;
}

}  // namespace kernelsolve::io::detail
