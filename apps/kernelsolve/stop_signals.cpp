// Signal handlers that only set a lock-free atomic flag (async-signal-safe); the solver reads it between iterations.
#include "stop_signals.hpp"

#include <signal.h>  // sigaction (POSIX)

namespace kernelsolve::app {
namespace {

StopToken signal_token;

extern "C" void request_stop_on_signal(int) {
  signal_token.request_stop();
}

}  // namespace

StopToken const& stop_on_signals() {
  static bool const installed = [] {
    struct sigaction action {};
    action.sa_handler = request_stop_on_signal;
    sigemptyset(&action.sa_mask);
    // SA_RESETHAND: the next signal of the kind takes its default action (a second Ctrl-C kills); SA_RESTART: the
    // MPI and file calls under way go on.
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    int const signals[] = {SIGTERM, SIGINT, SIGUSR1};
    for (int signal : signals) sigaction(signal, &action, nullptr);
    return true;
  }();
  (void)installed;
  return signal_token;
}

}  // namespace kernelsolve::app
