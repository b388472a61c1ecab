#include "common/logging.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <vector>

#include "common/utf8.h"

namespace sibyl {
namespace {

// The code point of the valid sequence text[pos, pos + length).
uint32_t CodePoint(std::string_view text, size_t pos, size_t length) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[pos + i]); };
  switch (length) {
    case 1: return byte(0);
    case 2: return (byte(0) & 0x1fu) << 6 | (byte(1) & 0x3fu);
    case 3: return (byte(0) & 0x0fu) << 12 | (byte(1) & 0x3fu) << 6 | (byte(2) & 0x3fu);
    default:
      return (byte(0) & 0x07u) << 18 | (byte(1) & 0x3fu) << 12 | (byte(2) & 0x3fu) << 6 |
             (byte(3) & 0x3fu);
  }
}

// Characters that end or reorder a line in a terminal, an editor or a log viewer.
bool Unsafe(uint32_t cp) {
  return cp < 0x20 || cp == '\\' || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
         cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

// Calls emit(pos, length, code point) for each character; length 0 marks a byte that is not
// valid UTF-8 (then the code point is that byte).
template <typename Emit>
void ForEachCharacter(std::string_view text, Emit&& emit) {
  size_t pos = 0;
  while (pos < text.size()) {
    const auto c = static_cast<uint8_t>(text[pos]);
    if (c < 0x80) {
      if (!emit(pos, 1, uint32_t{c})) return;
      ++pos;
      continue;
    }
    const size_t length = Utf8SequenceLength(text, pos);
    if (length == 0) {
      if (!emit(pos, 0, uint32_t{c})) return;
      ++pos;
      continue;
    }
    if (!emit(pos, length, CodePoint(text, pos, length))) return;
    pos += length;
  }
}

}  // namespace

bool NeedsLogEscaping(std::string_view text) {
  bool needs = false;
  ForEachCharacter(text, [&](size_t, size_t length, uint32_t cp) {
    needs = length == 0 || Unsafe(cp);
    return !needs;
  });
  return needs;
}

std::string EscapeForLog(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  ForEachCharacter(text, [&](size_t pos, size_t length, uint32_t cp) {
    if (length == 0) {
      out += fmt::format("\\x{:02x}", cp);
    } else if (!Unsafe(cp)) {
      out.append(text.substr(pos, length));
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\\') {
      out += "\\\\";
    } else {
      out += fmt::format("\\u{:04x}", cp);
    }
    return true;
  });
  return out;
}

void EscapingSink::log(const spdlog::details::log_msg& msg) {
  const std::string_view text(msg.payload.data(), msg.payload.size());
  if (!NeedsLogEscaping(text)) return inner_->log(msg);
  const std::string escaped = EscapeForLog(text);
  spdlog::details::log_msg copy = msg;
  copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
  inner_->log(copy);
}

void InstallLogEscaping() {
  auto logger = spdlog::default_logger();
  std::vector<spdlog::sink_ptr> wrapped;
  for (const auto& sink : logger->sinks()) {
    if (std::dynamic_pointer_cast<EscapingSink>(sink)) return;  // already installed
    wrapped.push_back(std::make_shared<EscapingSink>(sink));
  }
  logger->sinks() = std::move(wrapped);
}

}  // namespace sibyl
