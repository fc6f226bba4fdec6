// Array files with kernelsolve::io: each rank writes and reads only its own rows of .npy, HDF5 and CSV arrays,
// collectively; a problem with a file is a FileError on every rank. Round trips checked, files removed at the end.
// Usage: array_files [work directory] (default: kernelsolve_array_files_example, created and removed).
#include <kernelsolve/core/row_partition.hpp>
#include <kernelsolve/io/array_file.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace {

/// Writes points.npy, reads it back, copies it to out.h5 and out.csv; 0 when every round trip is exact, else 3.
int round_trips(kernelsolve::Communicator const& comm) {
  namespace io = kernelsolve::io;
  int const rank = comm.rank();
  // This rank's rows of a 100 x 3 array: element (i, j) = i + j / 4 (exact in float64 and float32).
  std::int64_t const rows = 100, columns = 3;
  auto const mine = kernelsolve::RowPartition::balanced(rows, comm.size());
  std::vector<double> written;
  for (std::int64_t i = mine.begin(rank); i < mine.end(rank); ++i)
    for (std::int64_t j = 0; j < columns; ++j) written.push_back(static_cast<double>(i) + 0.25 * j);
  io::write_rows(comm, io::parse_array_location("points.npy"), rows, columns, /*one_dimensional=*/false,
                 io::ElementType::float32, mine.begin(rank), written);

  auto where = io::parse_array_location("points.npy");
  io::ArrayShape shape = io::inspect_array(comm, where);  // rows, columns, 1-D or 2-D, float32 or float64
  auto partition = kernelsolve::RowPartition::balanced(shape.rows, comm.size());
  std::vector<double> my_rows = io::read_rows(comm, where, shape, partition.begin(comm.rank()),
                                              partition.local_rows(comm.rank()));  // row-major doubles
  io::write_rows(comm, io::parse_array_location("out.h5:/solution/c"), shape.rows, shape.columns,
                 /*one_dimensional=*/false, io::ElementType::float64, partition.begin(comm.rank()), my_rows);

  // Read the HDF5 dataset back, and write and read a CSV copy (every rank parses a CSV file: small files only).
  auto const hdf5 = io::parse_array_location("out.h5:/solution/c");
  auto const hdf5_shape = io::inspect_array(comm, hdf5);
  auto const from_hdf5 = io::read_rows(comm, hdf5, hdf5_shape, partition.begin(rank), partition.local_rows(rank));
  io::write_rows(comm, io::parse_array_location("out.csv"), shape.rows, shape.columns, false, io::ElementType::float64,
                 partition.begin(rank), my_rows);
  auto const csv = io::parse_array_location("out.csv");
  auto const from_csv =
      io::read_rows(comm, csv, io::inspect_array(comm, csv), partition.begin(rank), partition.local_rows(rank));

  // A missing file: io::FileError on every rank, its message starting with the file.
  std::string missing_message;
  try {
    io::inspect_array(comm, io::parse_array_location("missing.npy"));
  } catch (io::FileError const& error) {
    missing_message = error.what();
  }

  bool const correct = shape.rows == rows && shape.columns == columns && !shape.one_dimensional &&
                       shape.element_type == io::ElementType::float32 && my_rows == written &&
                       hdf5_shape.element_type == io::ElementType::float64 && from_hdf5 == written &&
                       from_csv == written && missing_message.rfind("missing.npy: ", 0) == 0;
  if (rank == 0) {
    std::printf("array_files: %lld x %lld through .npy (float32), HDF5 and CSV on %d ranks: %s; %s\n",
                static_cast<long long>(shape.rows), static_cast<long long>(shape.columns), comm.size(),
                correct ? "the same values" : "DIFFERENT values", missing_message.c_str());
  }
  return correct ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int exit_code = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    // A directory of its own, so that the example can run beside other programs writing files.
    std::string const directory = argc > 1 ? argv[1] : "kernelsolve_array_files_example";
    char original[4096] = {};
    bool const have_original = getcwd(original, sizeof original) != nullptr;
    if (rank == 0) mkdir(directory.c_str(), 0755);  // may exist already
    MPI_Barrier(MPI_COMM_WORLD);
    int entered = have_original && chdir(directory.c_str()) == 0;
    MPI_Allreduce(MPI_IN_PLACE, &entered, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);  // every rank, or none, goes on
    if (!entered) {
      if (rank == 0) std::fprintf(stderr, "array_files: error: cannot work in the directory %s\n", directory.c_str());
      exit_code = 1;
    } else {
      try {
        kernelsolve::Communicator const comm(MPI_COMM_WORLD);
        exit_code = round_trips(comm);
      } catch (std::exception const& error) {
        std::fprintf(stderr, "array_files: error on rank %d: %s\n", rank, error.what());
        exit_code = 1;
      }
      MPI_Barrier(MPI_COMM_WORLD);
      if (rank == 0) {
        for (char const* file : {"points.npy", "out.h5", "out.csv"}) std::remove(file);
      }
      if (chdir(original) == 0 && rank == 0 && argc <= 1) rmdir(directory.c_str());
    }
  }
  MPI_Finalize();
  return exit_code;
}
