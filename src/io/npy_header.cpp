// Parsing and writing of .npy headers (format versions 1.0, 2.0 and 3.0), following numpy/lib/format.py.
// Host-only: no Kokkos, no MPI. Every read is bounds-checked, so that any byte string gives a header or an
// NpyHeaderError.
#include <kernelsolve/io/npy_header.hpp>

#include <cstdint>
#include <limits>
#include <sstream>
#include <utility>

namespace kernelsolve::io {
namespace {

constexpr std::string_view magic = "\x93NUMPY";
// numpy refuses headers longer than 10000 bytes by default; this bound only guards against absurd lengths.
constexpr std::int64_t max_header_length = std::int64_t(1) << 20;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr bool host_is_little_endian = true;
#else
constexpr bool host_is_little_endian = false;
#endif

[[noreturn]] void fail(std::string const& problem) {
  throw NpyHeaderError(problem);
}

/// A printable version of (the start of) a piece of header text, for error messages.
std::string quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text.substr(0, 40)) {
    auto const byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      static char const digits[] = "0123456789abcdef";
      out += "\\x";
      out += digits[byte >> 4];
      out += digits[byte & 15];
    }
  }
  return out + (text.size() > 40 ? "...'" : "'");
}

/// A cursor over the header dict text: the subset of Python literal syntax numpy writes.
class DictParser {
 public:
  explicit DictParser(std::string_view text) : text_(text) {}

  void skip_space() {
    while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t' ||
                                        text_[position_] == '\n' || text_[position_] == '\r'))
      ++position_;
  }
  bool at_end() {
    skip_space();
    return position_ == text_.size();
  }
  /// Consumes `c` (after spaces) when it is next.
  bool accept(char c) {
    skip_space();
    if (position_ < text_.size() && text_[position_] == c) {
      ++position_;
      return true;
    }
    return false;
  }
  void expect(char c, char const* what) {
    if (!accept(c)) fail(std::string("malformed header: expected ") + what + " at " + rest());
  }
  /// A Python string literal in single or double quotes, without escapes.
  std::string_view string_literal(char const* what) {
    skip_space();
    if (position_ >= text_.size() || (text_[position_] != '\'' && text_[position_] != '"'))
      fail(std::string("malformed header: expected ") + what + " (a quoted string) at " + rest());
    char const quote = text_[position_++];
    std::size_t const begin = position_;
    while (position_ < text_.size() && text_[position_] != quote) {
      if (text_[position_] == '\\') fail("malformed header: escapes in strings are not supported at " + rest());
      ++position_;
    }
    if (position_ == text_.size()) fail("malformed header: unterminated string " + quoted(text_.substr(begin - 1)));
    return text_.substr(begin, position_++ - begin);
  }
  /// A word of letters (True, False).
  std::string_view word() {
    skip_space();
    std::size_t const begin = position_;
    while (position_ < text_.size() && ((text_[position_] >= 'A' && text_[position_] <= 'Z') ||
                                        (text_[position_] >= 'a' && text_[position_] <= 'z')))
      ++position_;
    return text_.substr(begin, position_ - begin);
  }
  /// A non-negative decimal integer (Python 2 numpy may append 'L').
  std::int64_t extent() {
    skip_space();
    std::size_t const begin = position_;
    std::int64_t value = 0;
    while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') {
      int const digit = text_[position_++] - '0';
      if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10)
        fail("malformed header: shape extent " + quoted(text_.substr(begin)) + " is too large");
      value = value * 10 + digit;
    }
    if (position_ == begin) fail("malformed header: expected a non-negative integer in 'shape' at " + rest());
    if (position_ < text_.size() && text_[position_] == 'L') ++position_;
    return value;
  }
  /// The text from the cursor on, quoted and shortened, for error messages.
  std::string rest() const { return position_ >= text_.size() ? "the end" : quoted(text_.substr(position_)); }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
};

/// The element type of a 'descr' and whether its bytes are big-endian.
std::pair<ElementType, bool> element_type_of(std::string_view descr) {
  // numpy writes '<f8' on little-endian hosts and '>f8' for arrays saved big-endian (astype('>f8'), or a file from a
  // big-endian machine); '|' (not applicable) and '=' (native) mean the host's order.
  std::string const shown = "'" + std::string(descr) + "'";
  if (descr.size() == 3 && descr[1] == 'f' && (descr[2] == '4' || descr[2] == '8') &&
      (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=')) {
    bool const big = descr[0] == '>' || ((descr[0] == '|' || descr[0] == '=') && !host_is_little_endian);
    return {descr[2] == '4' ? ElementType::float32 : ElementType::float64, big};
  }
  fail("unsupported dtype " + shown + ": kernelsolve reads float32 ('<f4', '>f4') and float64 ('<f8', '>f8') arrays");
}

std::string shape_text(std::vector<std::int64_t> const& shape) {
  std::ostringstream text;
  text << '(';
  for (std::size_t k = 0; k < shape.size(); ++k) text << (k ? ", " : "") << shape[k];
  if (shape.size() == 1) text << ',';
  text << ')';
  return text.str();
}

}  // namespace

std::int64_t npy_header_length(std::string_view preamble) {
  if (preamble.size() < magic.size() || preamble.substr(0, magic.size()) != magic)
    fail("not a .npy file: bad magic " + quoted(preamble.substr(0, magic.size())) + " (expected '\\x93NUMPY')");
  if (preamble.size() < 8) fail("malformed header: the file ends inside the version field");
  auto const major = static_cast<unsigned char>(preamble[6]);
  auto const minor = static_cast<unsigned char>(preamble[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    fail("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
         " (kernelsolve reads 1.0, 2.0 and 3.0)");
  std::size_t const length_bytes = major == 1 ? 2 : 4;
  if (preamble.size() < 8 + length_bytes) fail("malformed header: the file ends inside the header length field");
  std::int64_t length = 0;  // little-endian unsigned
  for (std::size_t k = 0; k < length_bytes; ++k)
    length |= std::int64_t(static_cast<unsigned char>(preamble[8 + k])) << (8 * k);
  if (length > max_header_length)
    fail("malformed header: header length " + std::to_string(length) + " is implausibly large");
  return static_cast<std::int64_t>(8 + length_bytes) + length;
}

NpyHeader parse_npy_header(std::string_view bytes) {
  NpyHeader header;
  header.data_offset = npy_header_length(bytes.substr(0, npy_preamble_size));
  header.major_version = static_cast<unsigned char>(bytes[6]);
  if (static_cast<std::int64_t>(bytes.size()) < header.data_offset)
    fail("truncated: the header is " + std::to_string(header.data_offset) + " bytes long but the file has only " +
         std::to_string(bytes.size()));
  std::size_t const dict_begin = header.major_version == 1 ? 10 : 12;
  DictParser parser(bytes.substr(dict_begin, static_cast<std::size_t>(header.data_offset) - dict_begin));

  bool have_descr = false, have_fortran_order = false, have_shape = false;
  parser.expect('{', "'{' opening the header dict");
  while (!parser.accept('}')) {
    std::string_view const key = parser.string_literal("a key");
    parser.expect(':', "':' after a key");
    if (key == "descr") {
      if (have_descr) fail("malformed header: duplicate key 'descr'");
      have_descr = true;
      if (parser.accept('['))
        fail(
            "unsupported dtype: structured arrays (a list 'descr') are not supported; kernelsolve reads float32 "
            "('<f4') and float64 ('<f8') arrays");
      auto const [type, big_endian] = element_type_of(parser.string_literal("the 'descr' value"));
      header.element_type = type;
      header.big_endian = big_endian;
    } else if (key == "fortran_order") {
      if (have_fortran_order) fail("malformed header: duplicate key 'fortran_order'");
      have_fortran_order = true;
      std::string_view const value = parser.word();
      if (value != "True" && value != "False")
        fail("malformed header: 'fortran_order' must be True or False, got " + quoted(value));
      header.fortran_order = value == "True";
    } else if (key == "shape") {
      if (have_shape) fail("malformed header: duplicate key 'shape'");
      have_shape = true;
      parser.expect('(', "'(' opening the 'shape' tuple");
      while (!parser.accept(')')) {
        if (header.shape.size() == 32) fail("malformed header: 'shape' has more than 32 extents");
        header.shape.push_back(parser.extent());
        if (!parser.accept(',')) {
          parser.expect(')', "',' or ')' in the 'shape' tuple");
          break;
        }
      }
    } else {
      fail("malformed header: unexpected key " + quoted(key) + " (expected 'descr', 'fortran_order' and 'shape')");
    }
    if (!parser.accept(',')) {
      parser.expect('}', "',' or '}' in the header dict");
      break;
    }
  }
  if (!parser.at_end()) fail("malformed header: unexpected text after the dict: " + parser.rest());
  if (!have_descr || !have_fortran_order || !have_shape)
    fail(std::string("malformed header: the dict lacks the key '") +
         (!have_descr           ? "descr"
          : !have_fortran_order ? "fortran_order"
                                : "shape") +
         "'");

  if (header.shape.size() != 1 && header.shape.size() != 2)
    fail("unsupported shape " + shape_text(header.shape) + ": kernelsolve reads 1-D and 2-D arrays, this one is " +
         std::to_string(header.shape.size()) + "-D");
  // data_bytes = product of extents * element size, without overflow
  std::int64_t elements = 1;
  for (std::int64_t extent : header.shape) {
    if (extent != 0 && elements > std::numeric_limits<std::int64_t>::max() / 8 / extent)
      fail("unsupported shape " + shape_text(header.shape) + ": too many elements");
    elements *= extent;
  }
  header.data_bytes = elements * element_size(header.element_type);
  return header;
}

std::string format_npy_header(ElementType type, std::vector<std::int64_t> const& shape) {
  // numpy: "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2), }", spaces, '\n'; data at a multiple of 64.
  std::string dict = std::string("{'descr': '") + (type == ElementType::float32 ? "<f4" : "<f8") +
                     "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  std::size_t const unpadded = magic.size() + 2 + 2 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  if (dict.size() > 65535) throw NpyHeaderError("shape " + shape_text(shape) + " is too long for a .npy 1.0 header");
  std::string header(magic);
  header += '\x01';
  header += '\x00';
  header += static_cast<char>(dict.size() & 0xff);
  header += static_cast<char>(dict.size() >> 8);
  return header + dict;
}

}  // namespace kernelsolve::io
