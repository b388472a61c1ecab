#pragma once
// Log hygiene (issue 9 item 8): every line the server logs is one line of valid UTF-8, whatever
// bytes a client put into the names and values a message quotes. The escaping happens in one
// place, a sink wrapper around the default logger's sinks (InstallLogEscaping), so call sites
// keep writing spdlog::info("... '{}' ...", user_name) with raw values.

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/sinks/sink.h>

namespace sibyl {

// `text` with everything that could forge or garble a log line escaped: \n, \r and \t as
// themselves, other control characters (C0, DEL, C1), the line and paragraph separators
// U+2028/U+2029 and the bidirectional overrides (U+202A..U+202E, U+2066..U+2069) as \u00XX /
// \uXXXX, a backslash as \\, and bytes that are not valid UTF-8 as \xNN. Valid printable text
// is unchanged.
std::string EscapeForLog(std::string_view text);

// Whether EscapeForLog would change `text` (the fast path of the sink).
bool NeedsLogEscaping(std::string_view text);

// A sink that escapes each message's text (EscapeForLog) and hands it to `inner`. The pattern
// around the text (time, level) is the inner sink's and is not escaped. Thread-safe if `inner`
// is (spdlog's *_mt sinks are).
class EscapingSink final : public spdlog::sinks::sink {
 public:
  explicit EscapingSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override;
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  const std::shared_ptr<spdlog::sinks::sink> inner_;
};

// Wraps every sink of the default logger in an EscapingSink (once; a second call does
// nothing). Call at the start of main(), before other threads log.
void InstallLogEscaping();

}  // namespace sibyl
