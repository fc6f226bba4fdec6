// The .npy header parser and writer on their own (no files, no MPI): valid headers of every version, numpy's exact
// output, and one test per malformed or unsupported header.
#include "harness/npy_bytes.hpp"

#include <kernelsolve/io/npy_header.hpp>

#include "harness/expect_error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using kernelsolve::io::ElementType;
using kernelsolve::io::format_npy_header;
using kernelsolve::io::NpyHeaderError;
using kernelsolve::io::parse_npy_header;

using kernelsolve::test::npy_header;

TEST(NpyHeader, ParsesNumpysVersion1Header) {
  auto const header = parse_npy_header(npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2), }"));
  EXPECT_EQ(header.major_version, 1);
  EXPECT_EQ(header.element_type, ElementType::float64);
  EXPECT_FALSE(header.fortran_order);
  EXPECT_EQ(header.shape, (std::vector<std::int64_t>{5, 2}));
  EXPECT_EQ(header.data_offset, 128);  // 10 + 60 characters of dict + '\n', padded to a multiple of 64
  EXPECT_EQ(header.data_bytes, 80);
}

TEST(NpyHeader, ParsesVersions2And3AnyKeyOrderAndSpellings) {
  auto const v2 = parse_npy_header(npy_header("{'descr': '<f4', 'fortran_order': True, 'shape': (7,), }", 2));
  EXPECT_EQ(v2.major_version, 2);
  EXPECT_EQ(v2.element_type, ElementType::float32);
  EXPECT_TRUE(v2.fortran_order);
  EXPECT_EQ(v2.shape, (std::vector<std::int64_t>{7}));
  EXPECT_EQ(v2.data_bytes, 28);
  auto const v3 = parse_npy_header(npy_header("{\"shape\":(3L,4L),\"fortran_order\":False,\"descr\":\"|f8\"}", 3));
  EXPECT_EQ(v3.major_version, 3);
  EXPECT_EQ(v3.shape, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(v3.element_type, ElementType::float64);
  EXPECT_EQ(parse_npy_header(npy_header("{'descr': '=f4', 'fortran_order': False, 'shape': (0, 3)}")).data_bytes, 0);
}

TEST(NpyHeader, BigEndianDtypesAreReadByteSwapped) {
  auto const big = parse_npy_header(npy_header("{'descr': '>f8', 'fortran_order': False, 'shape': (5, 2), }"));
  EXPECT_EQ(big.element_type, ElementType::float64);
  EXPECT_TRUE(big.big_endian);
  EXPECT_EQ(big.data_bytes, 80);
  auto const big4 = parse_npy_header(npy_header("{'descr': '>f4', 'fortran_order': True, 'shape': (3,), }"));
  EXPECT_EQ(big4.element_type, ElementType::float32);
  EXPECT_TRUE(big4.big_endian);
  for (char const* little : {"<f8", "|f8", "=f8"})
    EXPECT_FALSE(parse_npy_header(
                     npy_header(std::string("{'descr': '") + little + "', 'fortran_order': False, 'shape': (5, 2), }"))
                     .big_endian)
        << little;
}

TEST(NpyHeader, WritesExactlyWhatNumpyWrites) {
  std::string const expected_dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2), }";
  std::string const header = format_npy_header(ElementType::float64, {5, 2});
  ASSERT_EQ(header.size() % 64, 0u);
  EXPECT_EQ(header.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(static_cast<unsigned char>(header[8]) + 256 * static_cast<unsigned char>(header[9]), header.size() - 10);
  EXPECT_EQ(header.substr(10, expected_dict.size()), expected_dict);
  EXPECT_EQ(header.find_first_not_of(' ', 10 + expected_dict.size()), header.size() - 1);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header, npy_header(expected_dict));
  EXPECT_EQ(format_npy_header(ElementType::float32, {7}),
            npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }"));
}

TEST(NpyHeader, RejectsMalformedAndUnsupportedHeaders) {
  struct Case {
    std::string bytes;
    char const* message;
  };
  std::string const good = npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (5, 2), }");
  Case const cases[] = {
      {"", "bad magic"},
      {"\x93NUMPX\x01\x00\x10\x00", "bad magic"},
      {std::string("\x93NUMPY\x04\x00\x10\x00", 10), "unsupported .npy format version 4.0"},
      {std::string("\x93NUMPY\x01", 7), "ends inside the version"},
      {std::string("\x93NUMPY\x02\x00\x10\x00", 10), "ends inside the header length"},
      {good.substr(0, 40), "truncated"},
      {npy_header("{'descr': '>i8', 'fortran_order': False, 'shape': (5, 2), }"), "unsupported dtype '>i8'"},
      {npy_header("{'descr': '!f8', 'fortran_order': False, 'shape': (5, 2), }"), "unsupported dtype '!f8'"},
      {npy_header("{'descr': '<i4', 'fortran_order': False, 'shape': (5, 2), }"), "unsupported dtype '<i4'"},
      {npy_header("{'descr': '<c16', 'fortran_order': False, 'shape': (5,), }"), "unsupported dtype '<c16'"},
      {npy_header("{'descr': '|O', 'fortran_order': False, 'shape': (5,), }"), "unsupported dtype '|O'"},
      {npy_header("{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (5,), }"), "structured"},
      {npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4), }"), "3-D"},
      {npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (), }"), "0-D"},
      {npy_header("{'descr': '<f8', 'fortran_order': False, }"), "lacks the key 'shape'"},
      {npy_header("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (5,)}"), "duplicate key"},
      {npy_header("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (5,)}"), "True or False"},
      {npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (5, -2)}"), "non-negative integer"},
      {npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}"), "too large"},
      {npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}"), "too many"},
      {npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), 'extra': 1}"), "unexpected key"},
      {npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (5,)} x"), "unexpected text"},
      {npy_header("{'descr': '<f8' 'fortran_order': False, 'shape': (5,)}"), "expected ',' or '}'"},
      {npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (5 }"), "expected ',' or ')'"},
      {npy_header("{'descr: '<f8'}"), "expected ':'"},
      {npy_header("['descr', '<f8']"), "expected '{'"},
  };
  for (auto const& c : cases) EXPECT_THROW_WITH_MESSAGE(parse_npy_header(c.bytes), NpyHeaderError, c.message);
}

}  // namespace
