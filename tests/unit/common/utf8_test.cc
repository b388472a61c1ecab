// UTF-8 checks and message quoting (issue 9 item 3: messages must be valid UTF-8, bounded).
#include "common/utf8.h"

#include <gtest/gtest.h>

namespace sibyl {
namespace {

TEST(Utf8, AcceptsValidTextOfEveryLength) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xc2\xb5s"));          // µs
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));       // €
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));   // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
}

TEST(Utf8, RefusesWhatJavasStrictDecoderRefuses) {
  EXPECT_EQ(FindInvalidUtf8("ab\xff"), 2u);             // never valid
  EXPECT_EQ(FindInvalidUtf8("a\x80"), 1u);              // stray continuation
  EXPECT_EQ(FindInvalidUtf8("a\xc2"), 1u);              // truncated (half of µ)
  EXPECT_EQ(FindInvalidUtf8("\xc0\xaf"), 0u);           // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xe0\x80\xaf"), 0u);       // overlong
  EXPECT_EQ(FindInvalidUtf8("\xed\xa0\x80"), 0u);       // surrogate U+D800
  EXPECT_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);   // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ok\xe2\x82"), 2u);         // truncated at the end
}

TEST(Utf8, PrefixNeverCutsACharacter) {
  EXPECT_EQ(Utf8Prefix("a\xc2\xb5", 2), "a");
  EXPECT_EQ(Utf8Prefix("a\xc2\xb5", 3), "a\xc2\xb5");
  EXPECT_EQ(Utf8Prefix("\xf0\x9f\x98\x80x", 3), "");
  EXPECT_EQ(Utf8Prefix("abc", 10), "abc");
}

TEST(Utf8, QuoteEscapesInvalidBytesAndControls) {
  EXPECT_EQ(QuoteForMessage("\xff"), "\\xff");
  EXPECT_EQ(QuoteForMessage("\xc2"), "\\xc2");  // half a µ is shown as a byte, not emitted
  EXPECT_EQ(QuoteForMessage("\xc2\xb5"), "\xc2\xb5");
  EXPECT_EQ(QuoteForMessage("a\nb\tc\x01"), "a\\nb\\tc\\u0001");
  EXPECT_EQ(QuoteForMessage(std::string_view("\0", 1)), "\\u0000");
  EXPECT_TRUE(IsValidUtf8(QuoteForMessage("\xed\xa0\x80\xc0\xaf")));
}

TEST(Utf8, QuoteIsBoundedAtACharacterBoundary) {
  std::string long_text;
  for (int i = 0; i < 1000; ++i) long_text += "\xe2\x82\xac";  // 3000 bytes of €
  std::string quoted = QuoteForMessage(long_text, 100);
  EXPECT_TRUE(IsValidUtf8(quoted));
  EXPECT_LE(quoted.size(), 103u);
  EXPECT_EQ(quoted.substr(quoted.size() - 3), "...");
  EXPECT_EQ(quoted.size(), 99u + 3u);  // 33 whole characters, then "..."
}

}  // namespace
}  // namespace sibyl
