// Implementation of kernelsolve::Communicator: the MPI calls that do not depend on a scalar type.
#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/error.hpp>

#include <numeric>
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

namespace {

/// inout = in + inout for double-double pairs, `in` coming from the lower ranks (MPI keeps that order for a
/// non-commutative operation).
void add_double_doubles(void* in, void* inout, int* count, MPI_Datatype*) {
  auto const* lower = static_cast<double const*>(in);
  auto* higher = static_cast<double*>(inout);
  for (int k = 0; k + 1 < *count; k += 2) {
    detail::DoubleDouble sum{lower[k], lower[k + 1]};
    sum.add(detail::DoubleDouble{higher[k], higher[k + 1]});
    higher[k] = sum.hi;
    higher[k + 1] = sum.lo;
  }
}

}  // namespace

void Communicator::sum_double_doubles_in_rank_order(std::vector<double>& hi_lo) const {
  KS_USER_REQUIRE(hi_lo.size() % 2 == 0 && hi_lo.size() <= static_cast<std::size_t>(INT32_MAX),
                  "double-double sums need an even count below 2^31, got ", hi_lo.size());
  if (size_ == 1 || hi_lo.empty()) return;
  MPI_Op op = MPI_OP_NULL;
  MPI_Op_create(&add_double_doubles, /*commute=*/0, &op);
  int const count = static_cast<int>(hi_lo.size());
  std::vector<double> sums(rank_ == 0 ? hi_lo.size() : 0);
  MPI_Reduce(hi_lo.data(), sums.data(), count, MPI_DOUBLE, op, 0, comm_);
  MPI_Op_free(&op);
  if (rank_ == 0) hi_lo.swap(sums);
  MPI_Bcast(hi_lo.data(), count, MPI_DOUBLE, 0, comm_);
}

std::vector<double> Communicator::exchange_with_all(std::vector<double> const& values,
                                                    std::vector<int> const& send_counts) const {
  KS_USER_REQUIRE(send_counts.size() == static_cast<std::size_t>(size_), "exchange_with_all needs one count per rank (",
                  size_, "), got ", send_counts.size());
  std::vector<int> receive_counts(static_cast<std::size_t>(size_));
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, comm_);
  std::vector<int> send_offsets(static_cast<std::size_t>(size_), 0);
  std::vector<int> receive_offsets(static_cast<std::size_t>(size_), 0);
  std::exclusive_scan(send_counts.begin(), send_counts.end(), send_offsets.begin(), 0);
  std::exclusive_scan(receive_counts.begin(), receive_counts.end(), receive_offsets.begin(), 0);
  std::vector<double> received(
      static_cast<std::size_t>(std::accumulate(receive_counts.begin(), receive_counts.end(), 0)));
  MPI_Alltoallv(values.data(), send_counts.data(), send_offsets.data(), MPI_DOUBLE, received.data(),
                receive_counts.data(), receive_offsets.data(), MPI_DOUBLE, comm_);
  return received;
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
