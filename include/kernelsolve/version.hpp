// The version of kernelsolve this header belongs to.
#pragma once

#define KERNELSOLVE_VERSION_MAJOR 0
#define KERNELSOLVE_VERSION_MINOR 1
#define KERNELSOLVE_VERSION_PATCH 0

namespace kernelsolve {
/// "major.minor.patch"
inline constexpr char const* version_string = "0.1.0";
}  // namespace kernelsolve
