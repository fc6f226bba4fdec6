// Exception types of kernelsolve and the checks that raise them.
// User input errors throw InvalidArgument (a std::invalid_argument); broken internal invariants throw std::logic_error.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace kernelsolve {

/// \brief Thrown when an argument given to a public function breaks a documented rule.
/// The message names the function, the argument, the rule and the value: "alpha must be >= 0, got -1".
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// \brief An InvalidArgument about the extents of two operands that must agree.
class DimensionMismatch : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

namespace detail {

template <class... Parts>
std::string concatenate(Parts const&... parts) {
  std::ostringstream stream;
  (stream << ... << parts);
  return stream.str();
}

template <class Exception, class... Parts>
[[noreturn]] void throw_error(char const* where, Parts const&... parts) {
  throw Exception(concatenate("kernelsolve::", where, ": ", parts...));
}

}  // namespace detail
}  // namespace kernelsolve

/// Checks user input: throws kernelsolve::InvalidArgument("kernelsolve::<function>: <message parts>").
#define KS_USER_REQUIRE(condition, ...)                                                                          \
  do {                                                                                                           \
    if (!(condition)) ::kernelsolve::detail::throw_error<::kernelsolve::InvalidArgument>(__func__, __VA_ARGS__); \
  } while (false)

/// Checks that two extents agree: throws kernelsolve::DimensionMismatch naming both operands and their extents.
#define KS_REQUIRE_EQUAL_EXTENTS(first_name, first_extent, second_name, second_extent)                   \
  do {                                                                                                   \
    if (static_cast<long long>(first_extent) != static_cast<long long>(second_extent))                   \
      ::kernelsolve::detail::throw_error<::kernelsolve::DimensionMismatch>(                              \
          __func__, first_name, " (", static_cast<long long>(first_extent), ") and ", second_name, " (", \
          static_cast<long long>(second_extent), ") must have the same extent");                         \
  } while (false)

/// Checks an internal invariant (a bug in kernelsolve if it fails): throws std::logic_error.
#define KS_REQUIRE(condition)                                                                                     \
  do {                                                                                                            \
    if (!(condition))                                                                                             \
      ::kernelsolve::detail::throw_error<std::logic_error>(__func__, "internal invariant violated: " #condition); \
  } while (false)
