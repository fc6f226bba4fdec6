// Errors agreed on by every rank before anyone throws: a problem found on some ranks becomes the same exception on
// all of them, so that no rank is left waiting in a collective that the others have left.
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/error.hpp>

#include <optional>
#include <string>

namespace kernelsolve::detail {

/// Throws Exception on every rank when any rank found a problem (collective; the lowest such rank's message).
template <class Exception>
void throw_on_every_rank_if(Communicator const& comm, std::optional<std::string> const& problem_here,
                            char const* where) {
  if (auto message = comm.message_of_first_failed_rank(problem_here.has_value(), problem_here.value_or("")))
    throw Exception(concatenate("kernelsolve::", where, ": ", *message));
}

}  // namespace kernelsolve::detail
