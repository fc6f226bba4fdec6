// The app's clean stop under a scheduler: SIGTERM, SIGINT and SIGUSR1 (Slurm's --signal) end the solve at its next
// iteration on every rank instead of killing it.
#pragma once

#include <kernelsolve/solver/stop_token.hpp>

namespace kernelsolve::app {

/// \brief Installs handlers for SIGTERM, SIGINT and SIGUSR1 that set the returned token (once; later calls return
/// the same token). A solve given the token (StoppingCriteria::stop_token) ends with reason interrupted; the app then
/// writes its report, no other output, and exits with exit_interrupted. A second signal of the same kind kills the
/// process as before (the handler is reset after the first), so that an impatient user is never stuck.
StopToken const& stop_on_signals();

}  // namespace kernelsolve::app
