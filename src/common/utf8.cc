#include "common/utf8.h"

#include <fmt/format.h>

#include <cstdint>

namespace sibyl {

size_t Utf8SequenceLength(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t c = byte(pos);
  if (c < 0x80) return 1;
  // RFC 3629 table 3-7 of the Unicode standard: the second byte's range depends on the first,
  // which rules out overlong forms, surrogates and code points above U+10FFFF.
  size_t length = 0;
  uint8_t lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    length = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    length = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    length = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  if (byte(pos + 1) < lo || byte(pos + 1) > hi) return 0;
  for (size_t i = 2; i < length; ++i) {
    if ((byte(pos + i) & 0xc0) != 0x80) return 0;
  }
  return length;
}

size_t FindInvalidUtf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    // ASCII runs are the common case: skip them without the table.
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const size_t length = Utf8SequenceLength(text, pos);
    if (length == 0) return pos;
    pos += length;
  }
  return text.size();
}

std::string_view Utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = Utf8SequenceLength(text, pos);
    if (length == 0) length = 1;
    if (pos + length > max_bytes) break;
    pos += length;
  }
  return text.substr(0, pos);
}

std::string QuoteForMessage(std::string_view text, size_t max_bytes) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const uint8_t c = static_cast<uint8_t>(text[pos]);
    size_t length = Utf8SequenceLength(text, pos);
    std::string piece;
    if (length == 0) {
      piece = fmt::format("\\x{:02x}", c);
      length = 1;
    } else if (c == '\n') {
      piece = "\\n";
    } else if (c == '\t') {
      piece = "\\t";
    } else if (c == '\r') {
      piece = "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      piece = fmt::format("\\u{:04x}", c);
    } else if (length == 2 && c == 0xc2 && static_cast<uint8_t>(text[pos + 1]) < 0xa0) {
      piece = fmt::format("\\u{:04x}", static_cast<uint8_t>(text[pos + 1]));  // C1 controls
    } else {
      piece = std::string(text.substr(pos, length));
    }
    if (out.size() + piece.size() > max_bytes) {
      out += "...";
      return out;
    }
    out += piece;
    pos += length;
  }
  return out;
}

}  // namespace sibyl
