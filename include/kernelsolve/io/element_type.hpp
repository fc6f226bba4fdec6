// The element types that kernelsolve reads from and writes to array files (float32, float64), their sizes and names.
// Host-only, no Kokkos, no MPI.
#pragma once

#include <cstdint>

namespace kernelsolve::io {

/// \brief The scalar type of the elements stored in an array file (values in memory are always double).
enum class ElementType { float32, float64 };

/// \brief Bytes per element: 4 or 8.
constexpr std::int64_t element_size(ElementType type) {
  return type == ElementType::float32 ? 4 : 8;
}

/// \brief "float32" or "float64".
constexpr char const* to_string(ElementType type) {
  return type == ElementType::float32 ? "float32" : "float64";
}

}  // namespace kernelsolve::io
