// EXPECT_THROW_WITH_MESSAGE: the statement throws the exception type, and its message contains a given text.
#pragma once

#include <gtest/gtest.h>

#include <string>

#define EXPECT_THROW_WITH_MESSAGE(statement, exception_type, expected_text)                       \
  do {                                                                                            \
    try {                                                                                         \
      statement;                                                                                  \
      ADD_FAILURE() << "expected " #exception_type " from: " #statement;                          \
    } catch (exception_type const& error) {                                                       \
      EXPECT_NE(std::string(error.what()).find(expected_text), std::string::npos)                 \
          << "message \"" << error.what() << "\" does not contain \"" << (expected_text) << "\""; \
    }                                                                                             \
  } while (false)
