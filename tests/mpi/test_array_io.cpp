// Array files read and written by row blocks (RowPartition::balanced over the ranks): round trips in .npy, HDF5 and
// CSV on every rank count, hand-made .npy files (Fortran order, versions 2 and 3), the bytes of a written header
// against numpy's format, and a table of bad inputs that must give the same FileError on every rank and leave no
// file behind.
#include <kernelsolve/core/row_partition.hpp>
#include <kernelsolve/io/array_file.hpp>
#include <kernelsolve/io/npy_header.hpp>

#include "harness/expect_error.hpp"
#include "harness/npy_bytes.hpp"
#include "harness/rank_counts.hpp"

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace io = kernelsolve::io;
using io::ElementType;
using io::FileError;
using kernelsolve::Communicator;
using kernelsolve::InvalidArgument;
using kernelsolve::RowPartition;

/// A fresh directory for one test, made by world rank 0 and removed at the end.
class ArrayFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path;
    if (rank() == 0) {
      std::string pattern = (std::filesystem::temp_directory_path() / "kernelsolve-io-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      path = pattern;
    }
    int length = static_cast<int>(path.size());
    MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
    path.resize(static_cast<std::size_t>(length));
    MPI_Bcast(path.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
    directory_ = path;
  }
  void TearDown() override {
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank() == 0) std::filesystem::remove_all(directory_);
  }

  static int rank() {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
  }
  [[nodiscard]] std::string file(std::string const& name) const { return (directory_ / name).string(); }

  /// Rank 0 writes a fixture file; the others wait for it.
  void write_fixture(std::string const& name, std::string const& bytes) const {
    if (rank() == 0) std::ofstream(file(name), std::ios::binary) << bytes;
    MPI_Barrier(MPI_COMM_WORLD);
  }

  /// Names in the directory (after all ranks are done with it).
  [[nodiscard]] std::vector<std::string> listing() const {
    MPI_Barrier(MPI_COMM_WORLD);
    std::vector<std::string> names;
    for (auto const& entry : std::filesystem::directory_iterator(directory_))
      names.push_back(entry.path().filename().string());
    return names;
  }

  std::filesystem::path directory_;
};

/// Element (i, j) of the test arrays: exact in float32 too.
double value_at(std::int64_t row, std::int64_t column) {
  return 0.25 * static_cast<double>(10 * row + column) - 3;
}

std::vector<double> test_array(std::int64_t rows, std::int64_t columns) {
  std::vector<double> values;
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < columns; ++j) values.push_back(value_at(i, j));
  return values;
}

/// This rank's rows of a global row-major array under the balanced partition.
std::vector<double> local_block(Communicator const& comm, std::vector<double> const& all, std::int64_t columns) {
  auto const partition = RowPartition::balanced(static_cast<std::int64_t>(all.size()) / columns, comm.size());
  return std::vector<double>(all.begin() + partition.begin(comm.rank()) * columns,
                             all.begin() + partition.end(comm.rank()) * columns);
}

/// Reads the whole array at `where`, each rank its balanced block, and concatenates the blocks on every rank.
std::vector<double> read_in_blocks(Communicator const& comm, io::ArrayLocation const& where,
                                   io::ArrayShape const& shape) {
  auto const partition = RowPartition::balanced(shape.rows, comm.size());
  std::vector<double> const local =
      io::read_rows(comm, where, shape, partition.begin(comm.rank()), partition.local_rows(comm.rank()));
  EXPECT_EQ(static_cast<std::int64_t>(local.size()), partition.local_rows(comm.rank()) * shape.columns);
  std::vector<int> counts, offsets;
  for (int r = 0; r < comm.size(); ++r) {
    counts.push_back(static_cast<int>(partition.local_rows(r) * shape.columns));
    offsets.push_back(static_cast<int>(partition.begin(r) * shape.columns));
  }
  std::vector<double> all(static_cast<std::size_t>(shape.rows * shape.columns));
  MPI_Allgatherv(local.data(), static_cast<int>(local.size()), MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                 MPI_DOUBLE, comm.get());
  return all;
}

/// For every rank count: write the array with that many ranks (each its block), inspect and read it back.
void expect_round_trip_on_every_rank_count(std::string const& location_text, std::int64_t rows, std::int64_t columns,
                                           bool one_dimensional, ElementType type) {
  SCOPED_TRACE(location_text + " " + io::to_string(type) + (one_dimensional ? " 1-D" : " 2-D"));
  std::vector<double> const expected = test_array(rows, columns);
  io::ArrayLocation const where = io::parse_array_location(location_text);
  bool const csv = where.format == io::FileFormat::csv;
  auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm raw) {
    Communicator const comm(raw);
    auto const partition = RowPartition::balanced(rows, comm.size());
    io::write_rows(comm, where, rows, columns, one_dimensional, type, partition.begin(comm.rank()),
                   local_block(comm, expected, columns));
    io::ArrayShape const shape = io::inspect_array(comm, where);
    EXPECT_EQ(shape, (io::ArrayShape{rows, columns, one_dimensional && !csv, csv ? ElementType::float64 : type}));
    return read_in_blocks(comm, where, shape);
  });
  for (auto const& result : results) EXPECT_EQ(result, expected);
}

TEST_F(ArrayFiles, NpyRoundTripsOnEveryRankCount) {
  for (ElementType type : {ElementType::float32, ElementType::float64}) {
    expect_round_trip_on_every_rank_count(file("points.npy"), 7, 3, false, type);
    expect_round_trip_on_every_rank_count(file("weights.npy"), 5, 1, true, type);
    expect_round_trip_on_every_rank_count(file("column.npy"), 4, 1, false, type);
  }
  EXPECT_EQ(listing().size(), 3u);  // no temporary files left
}

TEST_F(ArrayFiles, Hdf5RoundTripsOnEveryRankCountWithGroups) {
  for (ElementType type : {ElementType::float32, ElementType::float64}) {
    expect_round_trip_on_every_rank_count(file("data.h5") + ":/inputs/points", 7, 3, false, type);
    expect_round_trip_on_every_rank_count(file("data.hdf5") + ":/a/b/weights", 5, 1, true, type);
    expect_round_trip_on_every_rank_count(file("top.h5") + ":x", 4, 2, false, type);
  }
  EXPECT_EQ(listing().size(), 3u);
}

TEST_F(ArrayFiles, CsvRoundTripsOnEveryRankCount) {
  expect_round_trip_on_every_rank_count(file("points.csv"), 7, 3, false, ElementType::float64);
  expect_round_trip_on_every_rank_count(file("weights.csv"), 5, 1, true, ElementType::float32);
  // Full precision: values that need all 17 (or 9) significant digits read back exactly.
  Communicator const comm(MPI_COMM_WORLD);
  std::vector<double> const awkward = {0.1, 1.0 / 3.0, 2.0 / 3.0e-300, 123456789.123456789, -0.0, 1e300};
  io::ArrayLocation const where = io::parse_array_location(file("awkward.csv"));
  io::write_rows(comm, where, 6, 1, false, ElementType::float64, comm.rank() == 0 ? 0 : 6,
                 comm.rank() == 0 ? awkward : std::vector<double>{});
  EXPECT_EQ(read_in_blocks(comm, where, io::inspect_array(comm, where)), awkward);
}

/// A .npy file made by hand: header of the given version around the dict, then the data bytes.
std::string npy_file(std::string const& dict, std::string const& data, int major_version = 1) {
  return kernelsolve::test::npy_header(dict, major_version) + data;
}

template <class Scalar>
std::string bytes_of(std::vector<double> const& values) {
  std::string bytes;
  for (double value : values) {
    Scalar const element = static_cast<Scalar>(value);
    bytes.append(reinterpret_cast<char const*>(&element), sizeof element);
  }
  return bytes;
}

/// The elements of bytes_of<Scalar>(values) with their bytes reversed: what numpy writes for dtype '>f4' / '>f8'.
template <class Scalar>
std::string big_endian_bytes_of(std::vector<double> const& values) {
  std::string bytes = bytes_of<Scalar>(values);
  for (std::size_t k = 0; k < bytes.size(); k += sizeof(Scalar))
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(k),
                 bytes.begin() + static_cast<std::ptrdiff_t>(k + sizeof(Scalar)));
  return bytes;
}

/// Reads the file at `name` on every rank count and checks it holds `expected` with `shape`.
void expect_reads_on_every_rank_count(std::string const& path, io::ArrayShape const& shape,
                                      std::vector<double> const& expected) {
  SCOPED_TRACE(path);
  auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm raw) {
    Communicator const comm(raw);
    io::ArrayLocation const where = io::parse_array_location(path);
    EXPECT_EQ(io::inspect_array(comm, where), shape);
    return read_in_blocks(comm, where, shape);
  });
  for (auto const& result : results) EXPECT_EQ(result, expected);
}

TEST_F(ArrayFiles, ReadsNumpyFilesInFortranOrderAndEveryVersion) {
  std::vector<double> const c_order = test_array(5, 3);
  std::vector<double> fortran_order;  // column by column
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 5; ++i) fortran_order.push_back(value_at(i, j));
  write_fixture("fortran.npy", npy_file("{'descr': '<f8', 'fortran_order': True, 'shape': (5, 3), }",
                                        bytes_of<double>(fortran_order)));
  write_fixture("fortran4.npy",
                npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (5, 3), }", bytes_of<float>(fortran_order)));
  write_fixture("v2.npy",
                npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }", bytes_of<float>(c_order), 2));
  write_fixture("v3.npy",
                npy_file("{'descr': '|f8', 'fortran_order': False, 'shape': (5, 3), }", bytes_of<double>(c_order), 3));
  write_fixture("one_d.npy", npy_file("{'descr': '=f8', 'fortran_order': True, 'shape': (6,), }",
                                      bytes_of<double>(test_array(6, 1))));
  expect_reads_on_every_rank_count(file("fortran.npy"), {5, 3, false, ElementType::float64}, c_order);
  expect_reads_on_every_rank_count(file("fortran4.npy"), {5, 3, false, ElementType::float32}, c_order);
  expect_reads_on_every_rank_count(file("v2.npy"), {5, 3, false, ElementType::float32}, c_order);
  expect_reads_on_every_rank_count(file("v3.npy"), {5, 3, false, ElementType::float64}, c_order);
  expect_reads_on_every_rank_count(file("one_d.npy"), {6, 1, true, ElementType::float64}, test_array(6, 1));
}

TEST_F(ArrayFiles, ReadsBigEndianNumpyFilesByteSwapped) {
  std::vector<double> const c_order = test_array(5, 3);
  std::vector<double> fortran_order;
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 5; ++i) fortran_order.push_back(value_at(i, j));
  write_fixture("big8.npy", npy_file("{'descr': '>f8', 'fortran_order': False, 'shape': (5, 3), }",
                                     big_endian_bytes_of<double>(c_order)));
  write_fixture("big4.npy", npy_file("{'descr': '>f4', 'fortran_order': True, 'shape': (5, 3), }",
                                     big_endian_bytes_of<float>(fortran_order)));
  expect_reads_on_every_rank_count(file("big8.npy"), {5, 3, false, ElementType::float64}, c_order);
  expect_reads_on_every_rank_count(file("big4.npy"), {5, 3, false, ElementType::float32}, c_order);
}

TEST_F(ArrayFiles, WrittenNpyHeaderFollowsNumpysFormat) {
  Communicator const comm(MPI_COMM_WORLD);
  auto const partition = RowPartition::balanced(5, comm.size());
  io::write_rows(comm, io::parse_array_location(file("b.npy")), 5, 2, false, ElementType::float64,
                 partition.begin(comm.rank()), local_block(comm, test_array(5, 2), 2));
  std::ifstream stream(file("b.npy"), std::ios::binary);
  std::string const bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  std::string const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2), }";
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(bytes[6], '\x01');
  EXPECT_EQ(bytes[7], '\x00');
  std::size_t const header_length =
      static_cast<unsigned char>(bytes[8]) + 256u * static_cast<unsigned char>(bytes[9]);  // little-endian
  std::size_t const data_offset = 10 + header_length;
  EXPECT_EQ(data_offset % 64, 0u);
  EXPECT_EQ(bytes.substr(10, dict.size()), dict);
  EXPECT_EQ(bytes.find_first_not_of(' ', 10 + dict.size()), data_offset - 1);
  EXPECT_EQ(bytes[data_offset - 1], '\n');
  EXPECT_EQ(bytes.size(), data_offset + 5 * 2 * 8);
  EXPECT_EQ(bytes.substr(data_offset), bytes_of<double>(test_array(5, 2)));
}

TEST_F(ArrayFiles, ReadsHandMadeCsvFiles) {
  write_fixture("hand.csv",
                "# points measured on Tuesday\n"
                "x, y,z\n"
                "\n"
                "1, 2.5, -3   # first\n"
                "4 5 6e-1\n"
                " +7,8 ,9\n");
  expect_reads_on_every_rank_count(file("hand.csv"), {3, 3, false, ElementType::float64},
                                   {1, 2.5, -3, 4, 5, 0.6, 7, 8, 9});
}

/// Expects FileError with the path first and `problem` in the message on every rank, and no file left besides the
/// fixtures.
#define EXPECT_FILE_ERROR(statement, expected_path, problem)                                                \
  do {                                                                                                      \
    EXPECT_THROW_WITH_MESSAGE(statement, FileError, problem);                                               \
    try {                                                                                                   \
      statement;                                                                                            \
    } catch (FileError const& error) {                                                                      \
      EXPECT_EQ(std::string(error.what()).rfind(std::string(expected_path) + ": ", 0), 0u) << error.what(); \
      EXPECT_EQ(error.path(), expected_path);                                                               \
    }                                                                                                       \
  } while (false)

TEST_F(ArrayFiles, BadInputsGiveTheSameFileErrorOnEveryRank) {
  Communicator const comm(MPI_COMM_WORLD);
  std::string const valid_data = bytes_of<double>(test_array(5, 2));
  write_fixture("truncated.npy",
                npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2), }", valid_data.substr(0, 50)));
  write_fixture("big_ints.npy", npy_file("{'descr': '>i8', 'fortran_order': False, 'shape': (5, 2), }", valid_data));
  write_fixture("ints.npy", npy_file("{'descr': '<i4', 'fortran_order': False, 'shape': (5, 2), }", valid_data));
  write_fixture("cube.npy", npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 1, 2), }", valid_data));
  write_fixture("magic.npy", "\x93NUMPX" + npy_file("{}", valid_data).substr(6));
  write_fixture("dict.npy", npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2) ", valid_data));
  write_fixture("ragged.csv", "1,2\n3,4\n5\n");
  write_fixture("words.csv", "a,b\n1,2\n3,x\n");
  write_fixture("not_hdf5.h5", "plain text");
  std::size_t const fixtures = listing().size();

  struct Case {
    std::string location;
    char const* problem;
  };
  Case const cases[] = {
      {file("missing.npy"), "cannot open for reading: No such file or directory"},
      {file("missing.csv"), "cannot open for reading: No such file or directory"},
      {file("missing.h5") + ":/x", "cannot open for reading: No such file or directory"},
      {file("truncated.npy"), "truncated: the header promises 80 bytes of data"},
      {file("big_ints.npy"), "unsupported dtype '>i8'"},
      {file("ints.npy"), "unsupported dtype '<i4'"},
      {file("cube.npy"), "unsupported shape (5, 1, 2)"},
      {file("magic.npy"), "bad magic"},
      {file("dict.npy"), "malformed header"},
      {file("ragged.csv"), "line 3 has 1 values, but line 1 has 2"},
      {file("words.csv"), "line 3: 'x' is not a number"},
      {file("not_hdf5.h5") + ":/x", "not an HDF5 file"},
  };
  for (auto const& c : cases) {
    io::ArrayLocation const where = io::parse_array_location(c.location);
    EXPECT_FILE_ERROR(io::inspect_array(comm, where), where.path, c.problem);
    EXPECT_FILE_ERROR(io::read_rows(comm, where, io::ArrayShape{5, 2, false, ElementType::float64}, 0, 0), where.path,
                      c.problem);
  }

  // Unwritable outputs: a missing directory, and a "directory" that is a file.
  std::vector<double> const block = local_block(comm, test_array(4, 2), 2);
  auto const first_row = RowPartition::balanced(4, comm.size()).begin(comm.rank());
  for (std::string const name : {"no_such_directory/out", "truncated.npy/out"}) {
    for (std::string const suffix : {".npy", ".csv", ".h5:/x"}) {
      io::ArrayLocation const where = io::parse_array_location(file(name) + suffix);
      EXPECT_FILE_ERROR(io::write_rows(comm, where, 4, 2, false, ElementType::float64, first_row, block), where.path,
                        "cannot write: cannot create a file in directory");
    }
  }
  EXPECT_EQ(listing().size(), fixtures);  // no output and no temporary file
}

TEST_F(ArrayFiles, Hdf5DatasetProblemsNameTheFile) {
  Communicator const comm(MPI_COMM_WORLD);
  auto const partition = RowPartition::balanced(4, comm.size());
  io::write_rows(comm, io::parse_array_location(file("d.h5") + ":/g/x"), 4, 2, false, ElementType::float64,
                 partition.begin(comm.rank()), local_block(comm, test_array(4, 2), 2));
  io::ArrayLocation const missing = io::parse_array_location(file("d.h5") + ":/g/y");
  EXPECT_FILE_ERROR(io::inspect_array(comm, missing), missing.path, "has no dataset '/g/y'");
  io::ArrayLocation const missing_group = io::parse_array_location(file("d.h5") + ":/nope/y");
  EXPECT_FILE_ERROR(io::inspect_array(comm, missing_group), missing_group.path, "has no dataset '/nope/y'");
  // A failure after the temporary file was created removes it, and leaves no output.
  io::ArrayLocation const bad_name = io::parse_array_location(file("bad.h5") + ":.");
  EXPECT_FILE_ERROR(io::write_rows(comm, bad_name, 4, 2, false, ElementType::float64, partition.begin(comm.rank()),
                                   local_block(comm, test_array(4, 2), 2)),
                    bad_name.path, "cannot create dataset '.'");
  EXPECT_EQ(listing(), std::vector<std::string>{"d.h5"});
}

TEST_F(ArrayFiles, ReadingAnArrayThatChangedShapeIsAFileError) {
  Communicator const comm(MPI_COMM_WORLD);
  write_fixture("small.npy", npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                                      bytes_of<double>(test_array(2, 2))));
  io::ArrayLocation const where = io::parse_array_location(file("small.npy"));
  EXPECT_FILE_ERROR(io::read_rows(comm, where, io::ArrayShape{3, 2, false, ElementType::float64}, 0, 0), where.path,
                    "changed since it was inspected: it holds (2, 2) float64, expected (3, 2) float64");
}

TEST_F(ArrayFiles, BadRowBlocksAreInvalidArgumentsOnEveryRank) {
  Communicator const comm(MPI_COMM_WORLD);
  io::ArrayLocation const where = io::parse_array_location(file("x.npy"));
  io::ArrayShape const shape{4, 2, false, ElementType::float64};
  EXPECT_THROW_WITH_MESSAGE(io::read_rows(comm, where, shape, comm.rank() == comm.size() - 1 ? 3 : 0, 2),
                            InvalidArgument, "rows [3, 5) are outside the array's 4 rows");
  // Every rank claims rows [0, 1): the blocks overlap unless there is one rank.
  if (comm.size() > 1) {
    EXPECT_THROW_WITH_MESSAGE(io::write_rows(comm, where, comm.size(), 2, false, ElementType::float64, 0, {1, 2}),
                              InvalidArgument, "rank 1 writes rows from 0");
  }
  EXPECT_THROW_WITH_MESSAGE(io::write_rows(comm, where, 4, 2, false, ElementType::float64, 0,
                                           comm.rank() == 0 ? std::vector<double>{1} : std::vector<double>{}),
                            InvalidArgument, "values are not whole rows of 2 columns");
  EXPECT_THROW_WITH_MESSAGE(io::write_rows(comm, where, 4, 2, true, ElementType::float64, 0, {}), InvalidArgument,
                            "columns must be >= 1 and 1 for a 1-D array");
  EXPECT_EQ(listing().size(), 0u);
}

TEST(ArrayLocation, ParsesFormatsAndDatasets) {
  auto const npy = io::parse_array_location("dir/x.npy");
  EXPECT_EQ(npy.path, "dir/x.npy");
  EXPECT_EQ(npy.format, io::FileFormat::npy);
  EXPECT_EQ(io::parse_array_location("PTS.CSV").format, io::FileFormat::csv);
  auto const h5 = io::parse_array_location("run:1/data.h5:/group/x");
  EXPECT_EQ(h5.path, "run:1/data.h5");
  EXPECT_EQ(h5.dataset, "/group/x");
  EXPECT_EQ(h5.format, io::FileFormat::hdf5);
  EXPECT_EQ(io::parse_array_location("d.hdf5:x").dataset, "x");
  EXPECT_THROW_WITH_MESSAGE(io::parse_array_location("x.txt"), FileError, "x.txt: unknown file extension '.txt'");
  EXPECT_THROW_WITH_MESSAGE(io::parse_array_location("dir.v2/x"), FileError, "dir.v2/x: no file extension");
  EXPECT_THROW_WITH_MESSAGE(io::parse_array_location("data.h5"), FileError, "data.h5: an HDF5 file needs a dataset");
  EXPECT_THROW_WITH_MESSAGE(io::parse_array_location("data.h5:"), FileError, "data.h5: the HDF5 dataset name");
}

}  // namespace
