// Implementation of kernelsolve::Communicator: the MPI calls that do not depend on a scalar type.
#include <kernelsolve/error.hpp>
#include <kernelsolve/operator/communicator.hpp>

#include <utility>

namespace kernelsolve {

Communicator::Communicator(MPI_Comm comm) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  KS_USER_REQUIRE(initialized, "MPI must be initialized (MPI_Init) before kernelsolve is used");
  KS_USER_REQUIRE(comm != MPI_COMM_NULL, "the communicator must not be MPI_COMM_NULL");
  MPI_Comm_dup(comm, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

Communicator::~Communicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
}

Communicator::Communicator(Communicator&& other) noexcept
    : comm_(std::exchange(other.comm_, MPI_COMM_NULL)), rank_(other.rank_), size_(other.size_) {}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    Communicator discarded(std::move(*this));
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
    rank_ = other.rank_;
    size_ = other.size_;
  }
  return *this;
}

std::vector<std::int64_t> Communicator::gather_from_all(std::int64_t local_value) const {
  std::vector<std::int64_t> values(static_cast<std::size_t>(size_));
  MPI_Allgather(&local_value, 1, MPI_INT64_T, values.data(), 1, MPI_INT64_T, comm_);
  return values;
}

std::vector<double> Communicator::gather_from_all(std::vector<double> const& local_values) const {
  int const count = static_cast<int>(local_values.size());
  std::vector<double> values(local_values.size() * static_cast<std::size_t>(size_));
  MPI_Allgather(local_values.data(), count, MPI_DOUBLE, values.data(), count, MPI_DOUBLE, comm_);
  return values;
}

std::int64_t Communicator::min_over_ranks(std::int64_t value) const {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_MIN, comm_);
  return value;
}

std::int64_t Communicator::max_over_ranks(std::int64_t value) const {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_MAX, comm_);
  return value;
}

void Communicator::throw_if_any_rank_failed(bool failed_here, std::string const& message_here) const {
  if (auto message = message_of_first_failed_rank(failed_here, message_here)) throw InvalidArgument(*message);
}

std::optional<std::string> Communicator::message_of_first_failed_rank(bool failed_here,
                                                                      std::string const& message_here) const {
  int const first_failed_rank = static_cast<int>(min_over_ranks(failed_here ? rank_ : size_));
  if (first_failed_rank == size_) return std::nullopt;
  // The failing rank sends its message to everyone, so that all ranks report the same error.
  int length = rank_ == first_failed_rank ? static_cast<int>(message_here.size()) : 0;
  MPI_Bcast(&length, 1, MPI_INT, first_failed_rank, comm_);
  std::string message = rank_ == first_failed_rank ? message_here : std::string(static_cast<std::size_t>(length), ' ');
  MPI_Bcast(message.data(), length, MPI_CHAR, first_failed_rank, comm_);
  if (size_ > 1) message += detail::concatenate(" (found on rank ", first_failed_rank, ")");
  return message;
}

}  // namespace kernelsolve
