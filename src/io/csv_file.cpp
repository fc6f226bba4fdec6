// CSV files, for small hand-made inputs: numbers separated by commas and/or spaces, an optional first line of
// column names, '#' comments. Every rank parses the whole file and keeps its rows; rank 0 writes.
#include "array_formats.hpp"
#include "collective.hpp"

#include <kernelsolve/io/file_error.hpp>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace kernelsolve::io::detail {
namespace {

struct CsvTable {
  std::int64_t rows = 0;
  std::int64_t columns = 0;
  std::vector<double> values;  // row-major
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/// The fields of a line: split at commas, and within a field at runs of spaces. Empty fields between commas are
/// reported as empty strings.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t begin = 0;
  while (true) {
    std::size_t const comma = line.find(',', begin);
    std::string_view const field = line.substr(begin, comma == std::string_view::npos ? line.npos : comma - begin);
    std::size_t position = 0;
    bool any = false;
    while (position < field.size()) {
      while (position < field.size() && is_space(field[position])) ++position;
      std::size_t const start = position;
      while (position < field.size() && !is_space(field[position])) ++position;
      if (position > start) {
        fields.push_back(field.substr(start, position - start));
        any = true;
      }
    }
    if (!any) fields.push_back(std::string_view());
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return fields;
}

bool parse_number(std::string_view text, double& value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto const result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

CsvTable parse_csv(std::string const& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw FileError(path, "cannot read: it is a directory");
  std::ifstream file(path);
  if (!file) throw FileError(path, "cannot open for reading: " + system_error_text(errno));
  CsvTable table;
  std::string line;
  std::int64_t line_number = 0, first_data_line = 0;
  bool seen_first_line = false;
  std::vector<double> numbers;
  while (std::getline(file, line)) {
    ++line_number;
    std::string_view text(line);
    text = text.substr(0, text.find('#'));
    std::size_t const first = text.find_first_not_of(" \t\r\v\f");
    if (first == std::string_view::npos) continue;
    std::vector<std::string_view> const fields = fields_of(text);
    numbers.clear();
    std::string_view bad_field;
    bool has_bad_field = false;
    for (std::string_view field : fields) {
      double value = 0;
      if (parse_number(field, value)) {
        numbers.push_back(value);
      } else if (!has_bad_field) {
        bad_field = field;
        has_bad_field = true;
      }
    }
    bool const is_first_line = !seen_first_line;
    seen_first_line = true;
    if (has_bad_field) {
      // Only the first non-comment line may be a header of column names, and then none of it is a number.
      if (is_first_line && numbers.empty()) continue;
      throw FileError(path, "line " + std::to_string(line_number) + ": " +
                                (bad_field.empty() ? std::string("empty field")
                                                   : "'" + std::string(bad_field) + "' is not a number"));
    }
    if (table.rows == 0) {
      table.columns = static_cast<std::int64_t>(numbers.size());
      first_data_line = line_number;
    } else if (static_cast<std::int64_t>(numbers.size()) != table.columns) {
      throw FileError(path, "line " + std::to_string(line_number) + " has " + std::to_string(numbers.size()) +
                                " values, but line " + std::to_string(first_data_line) + " has " +
                                std::to_string(table.columns) + ": every row must have the same number of columns");
    }
    table.values.insert(table.values.end(), numbers.begin(), numbers.end());
    ++table.rows;
  }
  if (file.bad()) throw FileError(path, "cannot read: " + system_error_text(errno));
  if (table.rows == 0) throw FileError(path, "contains no rows of numbers");
  return table;
}

ArrayShape shape_of(CsvTable const& table) {
  return ArrayShape{table.rows, table.columns, false, ElementType::float64};
}

/// The shortest text that reads back as the same value of the file's element type.
void append_number(std::string& text, double value, ElementType type) {
  char buffer[64];
  auto const result = type == ElementType::float32
                          ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(value))
                          : std::to_chars(buffer, buffer + sizeof buffer, value);
  text.append(buffer, result.ptr);
}

}  // namespace

ArrayShape inspect_csv(Communicator const& comm, std::string const& path) {
  std::int64_t values[2] = {0, 0};
  on_every_rank(comm, path, [&] {
    if (comm.rank() != 0) return;
    ArrayShape const shape = shape_of(parse_csv(path));
    values[0] = shape.rows;
    values[1] = shape.columns;
  });
  broadcast_from_root(comm, values, 2);
  return ArrayShape{values[0], values[1], false, ElementType::float64};
}

std::vector<double> read_csv_rows(Communicator const& comm, std::string const& path, ArrayShape const& shape,
                                  std::int64_t first_row, std::int64_t row_count) {
  std::vector<double> rows;
  on_every_rank(comm, path, [&] {
    CsvTable const table = parse_csv(path);
    require_same_shape(shape_of(table), shape);
    auto const begin = table.values.begin() + first_row * table.columns;
    rows.assign(begin, begin + row_count * table.columns);
  });
  return rows;
}

void write_csv(Communicator const& comm, std::string const& path, RowBlock const& block) {
  // Rank 0 gathers all rows (CSV files are small) and writes them into the temporary file.
  std::vector<std::int64_t> const counts = comm.gather_from_all(static_cast<std::int64_t>(block.values.size()));
  std::vector<int> receive_counts, displacements;
  std::int64_t total = 0;
  for (std::int64_t count : counts) {
    receive_counts.push_back(static_cast<int>(count));
    displacements.push_back(static_cast<int>(total));
    total += count;
  }
  std::vector<double> all_values(comm.rank() == 0 ? static_cast<std::size_t>(total) : 0);
  MPI_Gatherv(block.values.data(), static_cast<int>(block.values.size()), MPI_DOUBLE, all_values.data(),
              receive_counts.data(), displacements.data(), MPI_DOUBLE, 0, comm.get());
  std::string text;
  if (comm.rank() == 0) {
    for (std::int64_t row = 0; row < block.global_rows; ++row) {
      for (std::int64_t column = 0; column < block.columns; ++column) {
        if (column > 0) text += ',';
        append_number(text, all_values[static_cast<std::size_t>(row * block.columns + column)], block.element_type);
      }
      text += '\n';
    }
  }
  TemporaryOutput output(comm, path, text);
  output.commit();
}

}  // namespace kernelsolve::io::detail
