// The ranks of a communicator that share this node (MPI_COMM_TYPE_SHARED), for the checks that compare what the
// ranks of a node ask for (cores, memory) with what the node has.
#pragma once

#include <mpi.h>

namespace kernelsolve::app {

/// The ranks of `comm` on this node, in their order in `comm`; freed by RAII. Collective over `comm`.
class NodeCommunicator {
 public:
  explicit NodeCommunicator(MPI_Comm comm) {
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node_);
    MPI_Comm_rank(node_, &rank_);
    MPI_Comm_size(node_, &size_);
  }
  ~NodeCommunicator() { MPI_Comm_free(&node_); }
  NodeCommunicator(NodeCommunicator const&) = delete;
  NodeCommunicator& operator=(NodeCommunicator const&) = delete;

  [[nodiscard]] MPI_Comm get() const { return node_; }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }

 private:
  MPI_Comm node_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace kernelsolve::app
