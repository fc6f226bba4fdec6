// .npy files made by hand for the tests: the header as NumPy writes it, around any dict text.
#pragma once

#include <cstddef>
#include <string>

namespace kernelsolve::test {

/// Magic, version, header length (2 bytes for version 1.0, 4 for 2.0 and 3.0) and the dict padded with spaces to a
/// multiple of 64 bytes, ending in '\n'; the data bytes follow.
inline std::string npy_header(std::string const& dict, int major_version = 1) {
  std::size_t const preamble = major_version == 1 ? 10 : 12;
  std::string text = dict;
  text.append((64 - (preamble + text.size() + 1) % 64) % 64, ' ');
  text += '\n';
  std::string header = std::string("\x93NUMPY") + static_cast<char>(major_version) + '\0';
  for (std::size_t k = 0; k < preamble - 8; ++k) header += static_cast<char>((text.size() >> (8 * k)) & 0xff);
  return header + text;
}

}  // namespace kernelsolve::test
