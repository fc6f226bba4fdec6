// The header of a NumPy .npy file: parsing (validating magic, version, length and the dict
// {'descr': ..., 'fortran_order': ..., 'shape': (...), }) and writing it the way numpy does.
// Host-only: no Kokkos, no MPI, so that the parser can be fuzzed on its own.
#pragma once

#include <kernelsolve/io/element_type.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kernelsolve::io {

/// \brief A header that is not a valid .npy header, or describes an array kernelsolve does not read.
/// The message says what is wrong, without a file name (the file readers add it).
class NpyHeaderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief What a .npy header says about the array that follows it.
struct NpyHeader {
  int major_version = 1;
  ElementType element_type = ElementType::float64;
  bool big_endian = false;  ///< '>f4' / '>f8': the readers swap the bytes of each element
  bool fortran_order = false;
  std::vector<std::int64_t> shape;  ///< 1 or 2 extents, each >= 0
  std::int64_t data_offset = 0;     ///< bytes before the data: magic, version, length field and dict
  std::int64_t data_bytes = 0;      ///< product of the extents times the element size
};

/// Bytes of a .npy file needed to know the header's full length (magic, version and the length field).
inline constexpr std::size_t npy_preamble_size = 12;

/// \brief The full header length (= data offset) announced by the first bytes of a .npy file.
/// \param preamble the first min(npy_preamble_size, file size) bytes of the file.
/// \throws NpyHeaderError on a bad magic, an unknown version or a too short preamble.
std::int64_t npy_header_length(std::string_view preamble);

/// \brief Parses and validates a .npy header: magic "\x93NUMPY", version 1.0, 2.0 or 3.0, the little-endian
/// header length, and the dict with exactly the keys 'descr' ('<f4', '<f8', big-endian '>f4', '>f8'; '|' and '='
/// native), 'fortran_order' (True/False) and 'shape' (a tuple of one or two extents).
/// \param bytes the start of the file, at least npy_header_length() bytes (more is ignored).
/// \throws NpyHeaderError naming the problem; never reads outside `bytes`.
NpyHeader parse_npy_header(std::string_view bytes);

/// \brief The version 1.0 header numpy writes for a C-order array of this type and shape, padded with spaces and
/// ending in '\n' so that the data starts at a multiple of 64 bytes.
/// \param shape one extent (1-D) or two (rows, columns).
std::string format_npy_header(ElementType type, std::vector<std::int64_t> const& shape);

}  // namespace kernelsolve::io
