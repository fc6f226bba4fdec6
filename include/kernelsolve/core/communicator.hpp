// kernelsolve's own MPI communicator (a duplicate of the caller's, freed by RAII) and the few collectives the
// distributed operator and the solver need, each named for what it carries.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kernelsolve {

/// \brief The MPI datatype of a C++ scalar (Cabana MpiTraits style).
template <class T>
struct mpi_type;
template <>
struct mpi_type<float> {
  static MPI_Datatype get() { return MPI_FLOAT; }
};
template <>
struct mpi_type<double> {
  static MPI_Datatype get() { return MPI_DOUBLE; }
};
template <>
struct mpi_type<int> {
  static MPI_Datatype get() { return MPI_INT; }
};
template <>
struct mpi_type<std::int64_t> {
  static MPI_Datatype get() { return MPI_INT64_T; }
};

/// \brief A duplicate of a user communicator, so that kernelsolve's messages never mix with the application's.
///
/// The library never initializes MPI: the application does, before constructing one. Move-only; the duplicate is
/// freed on destruction (unless MPI was already finalized). It times nothing: the solvers charge the reductions they
/// call to the phase timings of their operator (phase_timings.hpp), which the communicator does not carry.
class Communicator {
 public:
  /// \throws InvalidArgument when MPI is not initialized or comm is MPI_COMM_NULL.
  explicit Communicator(MPI_Comm comm);
  ~Communicator();
  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(Communicator const&) = delete;
  Communicator& operator=(Communicator const&) = delete;

  [[nodiscard]] MPI_Comm get() const { return comm_; }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }

  /// values[k] = sum over ranks of values[k], in place (dot products of the solver).
  template <class T>
  void sum_in_place(T* values, int count) const {
    MPI_Allreduce(MPI_IN_PLACE, values, count, mpi_type<T>::get(), MPI_SUM, comm_);
  }

  /// The local value of every rank, in rank order.
  [[nodiscard]] std::vector<std::int64_t> gather_from_all(std::int64_t local_value) const;

  /// Every rank's `local_values` (the same count on each), concatenated in rank order.
  [[nodiscard]] std::vector<double> gather_from_all(std::vector<double> const& local_values) const;

  /// \brief hi_lo holds double-doubles (hi, lo, hi, lo, ...): replaced in place by their sums over the ranks, added
  /// in rank order (a reduction to rank 0 with a non-commutative operation, then a broadcast), so that every rank
  /// gets the same bits and the memory is that of one rank's values (a gather would need it times the rank count).
  void sum_double_doubles_in_rank_order(std::vector<double>& hi_lo) const;

  /// \brief Personalized all-to-all exchange: send_counts[r] values of `values` (consecutive, in rank order) go to
  /// rank r; returns what every rank sent to this one, concatenated in rank order (one count exchange, then the data).
  [[nodiscard]] std::vector<double> exchange_with_all(std::vector<double> const& values,
                                                      std::vector<int> const& send_counts) const;

  /// Minimum and maximum of a value over all ranks.
  [[nodiscard]] std::int64_t min_over_ranks(std::int64_t value) const;
  [[nodiscard]] std::int64_t max_over_ranks(std::int64_t value) const;

  /// \brief Collective: if any rank found an error, every rank throws InvalidArgument with the message of the
  /// lowest such rank ("... (found on rank r)"), so that no rank goes on alone into a collective and deadlocks.
  void throw_if_any_rank_failed(bool failed_here, std::string const& message_here) const;

  /// \brief Collective: the message of the lowest rank that found an error (followed by " (found on rank r)" when
  /// there are several ranks), the same on every rank; nothing when no rank did. For callers that throw their own
  /// exception type.
  [[nodiscard]] std::optional<std::string> message_of_first_failed_rank(bool failed_here,
                                                                        std::string const& message_here) const;

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace kernelsolve
