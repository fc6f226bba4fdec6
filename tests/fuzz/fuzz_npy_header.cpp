// libFuzzer target for the .npy header parser: any byte string must give a header or a NpyHeaderError, never a
// crash, an over-read (under AddressSanitizer) or another exception type.
#include <kernelsolve/io/npy_header.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view const bytes(reinterpret_cast<char const*>(data), size);
  try {
    kernelsolve::io::NpyHeader const header = kernelsolve::io::parse_npy_header(bytes);
    // What the parser promises about a header it accepts.
    if (header.data_offset > static_cast<std::int64_t>(size) || header.shape.empty() || header.shape.size() > 2 ||
        header.data_bytes < 0)
      __builtin_trap();
    // Writing the same array's header and parsing it back gives the same shape.
    kernelsolve::io::NpyHeader const again =
        kernelsolve::io::parse_npy_header(kernelsolve::io::format_npy_header(header.element_type, header.shape));
    if (again.shape != header.shape || again.element_type != header.element_type || again.data_offset % 64 != 0)
      __builtin_trap();
  } catch (kernelsolve::io::NpyHeaderError const&) {
    // Expected for malformed or unsupported headers.
  }
  return 0;
}
