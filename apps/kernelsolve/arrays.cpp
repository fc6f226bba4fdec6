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

io::ArrayLocation check_output(Communicator const& comm, std::string const& name) {
  auto const where = io::parse_array_location(name);
  std::string problem;
  if (comm.rank() == 0) {
    auto directory = std::filesystem::path(where.path).parent_path();
    if (directory.empty()) directory = ".";
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error)) {
      problem = "the directory " + directory.string() + " does not exist";
    } else if (std::filesystem::is_directory(where.path, error)) {
      problem = "is a directory";
    } else {
      auto const probe = (directory / (".kernelsolve-probe." + std::to_string(::getpid()))).string();
      std::ofstream file(probe);
      if (!file) {
        problem = "the directory " + directory.string() + " is not writable";
      } else {
        file.close();
        std::remove(probe.c_str());
      }
    }
  }
  auto const message = comm.message_of_first_failed_rank(!problem.empty(), problem);
  if (message) throw io::FileError(where.path, "cannot write the output: " + *message);
  return where;
}

void write_output(Communicator const& comm, io::ArrayLocation const& where, RowBlock const& block, std::int64_t columns,
                  bool one_dimensional, io::ElementType type, std::vector<double> const& rows) {
  io::write_rows(comm, where, block.global, columns, one_dimensional, type, block.first, rows);
}

}  // namespace kernelsolve::app
