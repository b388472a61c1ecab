#pragma once
// Helpers for protocol tests: hex literals and a Status matcher.

#include <gmock/gmock.h>

#include <cctype>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sibyl::testing {

// "84 00 00 01" -> bytes; spaces are ignored.
inline std::string Hex(std::string_view hex) {
  std::string out;
  int nibble = -1;
  for (char c : hex) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                                                               : std::tolower(c) - 'a' + 10;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<char>(nibble * 16 + v));
      nibble = -1;
    }
  }
  return out;
}

// Bytes -> "84 00 00 01", for readable failures.
inline std::string ToHex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out.push_back(' ');
    const auto b = static_cast<unsigned char>(bytes[i]);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const auto& status = [&]() -> const ::sibyl::Status& {
    if constexpr (std::is_same_v<std::decay_t<decltype(arg)>, ::sibyl::Status>) {
      return arg;
    } else {
      return arg.status();
    }
  }();
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, status.message(), result_listener);
}

}  // namespace sibyl::testing
