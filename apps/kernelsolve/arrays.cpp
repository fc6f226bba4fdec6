// The app's files (see arrays.hpp).
#include "arrays.hpp"

#include <kernelsolve/error.hpp>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace kernelsolve::app {

InputArray inspect_input(Communicator const& comm, std::string const& name) {
  InputArray input;
  input.name = name;
  input.where = io::parse_array_location(name);
  input.shape = io::inspect_array(comm, input.where);
  return input;
}

RowBlock balanced_block(Communicator const& comm, std::int64_t global_rows) {
  std::int64_t const base = global_rows / comm.size(), extra = global_rows % comm.size(), rank = comm.rank();
  return RowBlock{global_rows, rank * base + std::min(rank, extra), base + (rank < extra ? 1 : 0)};
}

void read_rows_of(Communicator const& comm, InputArray& input, RowBlock const& block) {
  input.first_row = block.first;
  input.rows = io::read_rows(comm, input.where, input.shape, block.first, block.count);
  std::string problem;
  for (std::size_t k = 0; k < input.rows.size(); ++k) {
    if (!std::isfinite(input.rows[k])) {
      auto const columns = static_cast<std::size_t>(input.shape.columns);
      problem = detail::concatenate(input.name, ": ", input.rows[k], " at row ", input.first_row + k / columns,
                                    ", column ", k % columns, " (inputs must be finite)");
      break;
    }
  }
  comm.throw_if_any_rank_failed(!problem.empty(), problem);
}

namespace {

/// What keeps `path` from being written, or "" (rank 0 only: one probe per run).
std::string write_problem(std::string const& path) {
  auto directory = std::filesystem::path(path).parent_path();
  if (directory.empty()) directory = ".";
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error))
    return "the directory " + directory.string() + " does not exist";
  if (std::filesystem::is_directory(path, error)) return "is a directory";
  if (std::filesystem::exists(path, error) && ::access(path.c_str(), W_OK) != 0) return "the file is not writable";
  auto const probe = (directory / (".kernelsolve-probe." + std::to_string(::getpid()))).string();
  std::ofstream file(probe);
  if (!file) return "the directory " + directory.string() + " is not writable";
  file.close();
  std::remove(probe.c_str());
  return "";
}

/// Whether a and b name the same file: the same inode when both exist, else the same path after resolving links.
bool same_file(std::string const& a, std::string const& b) {
  std::error_code error;
  if (std::filesystem::exists(a, error) && std::filesystem::exists(b, error))
    return std::filesystem::equivalent(a, b, error) && !error;
  auto const canonical_a = std::filesystem::weakly_canonical(a, error);
  if (error) return false;
  auto const canonical_b = std::filesystem::weakly_canonical(b, error);
  return !error && canonical_a == canonical_b;
}

}  // namespace

void check_writable(Communicator const& comm, std::string const& path) {
  if (path.empty()) return;
  std::string const problem = comm.rank() == 0 ? write_problem(path) : "";
  auto const message = comm.message_of_first_failed_rank(!problem.empty(), problem);
  if (message) throw io::FileError(path, "cannot write the output: " + *message);
}

io::ArrayLocation check_output(Communicator const& comm, std::string const& name) {
  auto const where = io::parse_array_location(name);
  check_writable(comm, where.path);
  return where;
}

void refuse_shared_files(Communicator const& comm, std::vector<NamedFile> const& outputs,
                         std::vector<NamedFile> const& inputs) {
  std::string problem, culprit;
  if (comm.rank() == 0) {
    for (std::size_t k = 0; k < outputs.size() && problem.empty(); ++k) {
      auto const& output = outputs[k];
      if (output.path.empty()) continue;
      for (auto const& input : inputs) {
        if (!input.path.empty() && same_file(output.path, input.path)) {
          problem = "is the same file as the input " + input.option + " " + input.path + " (writing " + output.option +
                    " would destroy it): choose another file";
          break;
        }
      }
      for (std::size_t other = 0; other < k && problem.empty(); ++other) {
        if (!outputs[other].path.empty() && same_file(output.path, outputs[other].path))
          problem = "is the same file as " + outputs[other].option + " " + outputs[other].path +
                    ": give each output its own file";
      }
      if (!problem.empty()) culprit = output.path;
    }
  }
  auto const message = comm.message_of_first_failed_rank(!problem.empty(), culprit + "\n" + problem);
  if (message) {
    auto const split = message->find('\n');
    throw io::FileError(message->substr(0, split), "cannot write the output: " + message->substr(split + 1));
  }
}

void write_output(Communicator const& comm, io::ArrayLocation const& where, RowBlock const& block, std::int64_t columns,
                  bool one_dimensional, io::ElementType type, std::vector<double> const& rows) {
  io::write_rows(comm, where, block.global, columns, one_dimensional, type, block.first, rows);
}

}  // namespace kernelsolve::app
