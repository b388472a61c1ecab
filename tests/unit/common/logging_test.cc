// Log hygiene (issue 9 item 8): one escaping sink makes every log line one line of valid UTF-8.
#include "common/logging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace sibyl {
namespace {

TEST(EscapeForLog, PrintableTextIsUnchanged) {
  EXPECT_EQ(EscapeForLog("user 'alice' from 10.0.0.1: é ✓ 😀"),
            "user 'alice' from 10.0.0.1: é ✓ 😀");
  EXPECT_FALSE(NeedsLogEscaping("user 'alice' from 10.0.0.1: é ✓ 😀"));
}

TEST(EscapeForLog, ControlsSeparatorsBidiAndInvalidBytesAreEscaped) {
  EXPECT_EQ(EscapeForLog(std::string("a\nb\r\tc\0d\x1b[2J\x7f", 13)),
            "a\\nb\\r\\tc\\u0000d\\u001b[2J\\u007f");
  EXPECT_EQ(EscapeForLog("back\\slash"), "back\\\\slash");
  EXPECT_EQ(EscapeForLog("\xc2\x85 \xe2\x80\xa8 \xe2\x80\xae"), "\\u0085 \\u2028 \\u202e");
  EXPECT_EQ(EscapeForLog("\xff\xc3 \xed\xa0\x80"), "\\xff\\xc3 \\xed\\xa0\\x80");
  EXPECT_TRUE(NeedsLogEscaping("\xff"));
  EXPECT_TRUE(NeedsLogEscaping("x\n"));
}

TEST(EscapingSink, ALogLineCannotBeForged) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<EscapingSink>(std::make_shared<spdlog::sinks::ostream_sink_mt>(out)));
  logger->set_pattern("[%l] %v");
  const std::string name("bob\n[info] root signed in\0", 26);
  logger->warn("failed login for '{}'", name);
  logger->info("plain line");
  EXPECT_EQ(out.str(),
            "[warning] failed login for 'bob\\n[info] root signed in\\u0000'\n[info] plain line\n");
}

TEST(EscapingSink, InstallWrapsTheDefaultLoggerOnce) {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out)));
  InstallLogEscaping();
  InstallLogEscaping();
  spdlog::default_logger()->set_pattern("%v");
  spdlog::info("x\ny");
  EXPECT_EQ(out.str(), "x\\ny\n");
  spdlog::set_default_logger(previous);
}

}  // namespace
}  // namespace sibyl
