// Running the same computation on the first 1, 2, ..., P ranks of MPI_COMM_WORLD, to check that results do not
// depend on the rank count, and (through ctest's <name>_np2_threads2 entries) not on the OpenMP thread count either.
#pragma once

#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace kernelsolve::test {

namespace detail {

/// Where this call of on_each_rank_count keeps its bits: <dir>/<suite>.<test>.<n>, n counting the calls of one test.
inline std::string bits_file(char const* directory) {
  static std::map<std::string, int> calls;
  auto const* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : std::string("outside");
  for (char& c : name)
    if (c == '/') c = '_';
  int const call = calls[name]++;
  return std::string(directory) + "/" + name + "." + std::to_string(call);
}

/// With KERNELSOLVE_TEST_RECORD_BITS=dir, writes the results to dir; with KERNELSOLVE_TEST_EXPECT_BITS=dir, requires
/// each result to have the bits of the one recorded there for the same rank count (a run with one OpenMP thread per
/// rank), as a test failure. Rank 0 only; does nothing without either variable.
inline void record_or_compare_bits(std::vector<std::vector<double>> const& results) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char const* record = std::getenv("KERNELSOLVE_TEST_RECORD_BITS");
  char const* expect = std::getenv("KERNELSOLVE_TEST_EXPECT_BITS");
  if (record && *record) {
    std::string const path = bits_file(record);
    if (rank != 0) return;
    std::error_code error;
    std::filesystem::create_directories(record, error);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    auto const count = static_cast<std::uint64_t>(results.size());
    out.write(reinterpret_cast<char const*>(&count), sizeof count);
    for (auto const& result : results) {
      auto const size = static_cast<std::uint64_t>(result.size());
      out.write(reinterpret_cast<char const*>(&size), sizeof size);
      out.write(reinterpret_cast<char const*>(result.data()), static_cast<std::streamsize>(size * sizeof(double)));
    }
    if (!out) ADD_FAILURE() << "cannot write " << path;
  } else if (expect && *expect) {
    std::string const path = bits_file(expect);
    if (rank != 0) return;
    std::ifstream in(path, std::ios::binary);
    std::uint64_t count = 0;
    if (!in.read(reinterpret_cast<char*>(&count), sizeof count)) {
      ADD_FAILURE() << "no bits recorded in " << path << " (the run with one thread per rank records them)";
      return;
    }
    for (std::uint64_t k = 0; k < count && k < results.size(); ++k) {
      std::uint64_t size = 0;
      in.read(reinterpret_cast<char*>(&size), sizeof size);
      std::vector<double> recorded(size);
      in.read(reinterpret_cast<char*>(recorded.data()), static_cast<std::streamsize>(size * sizeof(double)));
      ASSERT_TRUE(in) << path << " is truncated";
      ASSERT_EQ(results[k].size(), size) << "on " << k + 1 << " ranks";
      for (std::size_t i = 0; i < size; ++i)
        ASSERT_EQ(0, std::memcmp(&results[k][i], &recorded[i], sizeof(double)))
            << "value " << i << " on " << k + 1 << " ranks: " << results[k][i] << " with this thread count, "
            << recorded[i] << " with one thread per rank (" << path << ")";
    }
  }
}

}  // namespace detail

/// For k = 1 .. world size: calls compute(communicator of world ranks 0..k-1) on those ranks, and returns what world
/// rank 0 computed for each k, on every rank. compute returns a std::vector<double> of the same size for every k.
template <class Compute>
std::vector<std::vector<double>> on_each_rank_count(Compute&& compute) {
  int rank = 0, world = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world);
  std::vector<std::vector<double>> results;
  for (int ranks = 1; ranks <= world; ++ranks) {
    MPI_Comm sub;
    MPI_Comm_split(MPI_COMM_WORLD, rank < ranks ? 0 : MPI_UNDEFINED, rank, &sub);
    std::vector<double> result;
    if (sub != MPI_COMM_NULL) {
      result = compute(sub);
      MPI_Comm_free(&sub);
    }
    int size = static_cast<int>(result.size());
    MPI_Bcast(&size, 1, MPI_INT, 0, MPI_COMM_WORLD);
    result.resize(static_cast<std::size_t>(size));
    MPI_Bcast(result.data(), size, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    results.push_back(result);
  }
  detail::record_or_compare_bits(results);
  return results;
}

}  // namespace kernelsolve::test
