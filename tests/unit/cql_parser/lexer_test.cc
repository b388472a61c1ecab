// The lexer: every token kind, with positions for error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cql/parser/lexer.h"

namespace sibyl::cql::parser {
namespace {

using testing::HasSubstr;

// "kind:text kind:text ..." without the EOF token.
std::string Render(std::string_view text) {
  auto tokens = Tokenize(text);
  if (!tokens.ok()) return tokens.status().ToString();
  static const char* kNames[] = {"id", "qid", "str", "int", "float", "uuid", "hex", "dur", "?", ":", "sym", "eof"};
  std::string out;
  for (const auto& t : *tokens) {
    if (t.kind == TokenKind::kEof) break;
    out += (out.empty() ? "" : " ") + std::string(kNames[static_cast<int>(t.kind)]) + ":" + t.text;
  }
  return out;
}

TEST(Lexer, IdentifiersAreLowerCasedUnlessQuoted) {
  EXPECT_EQ(Render("SELECT MyCol \"MyCol\" \"a\"\"b\""), "id:select id:mycol qid:MyCol qid:a\"b");
}

TEST(Lexer, StringsUnescapeQuotesAndDollarStrings) {
  EXPECT_EQ(Render("'it''s' $$raw 'x'$$"), "str:it's str:raw 'x'");
}

TEST(Lexer, NumbersUuidsBlobsAndDurations) {
  EXPECT_EQ(Render("42 -7 1.5 -2e10 .5 0xCAFE 123e4567-e89b-12d3-a456-426655440000 1h30m 12mo"),
            "int:42 int:-7 float:1.5 float:-2e10 float:.5 hex:0xCAFE "
            "uuid:123e4567-e89b-12d3-a456-426655440000 dur:1h30m dur:12mo");
}

TEST(Lexer, MarkersAndSymbols) {
  EXPECT_EQ(Render("? :name <= >= != ( ) , ; . * = < > [ ] { } : + -"),
            "?:? ::name sym:<= sym:>= sym:!= sym:( sym:) sym:, sym:; sym:. sym:* sym:= sym:< "
            "sym:> sym:[ sym:] sym:{ sym:} sym:: sym:+ sym:-");
}

TEST(Lexer, CommentsAreSkipped) {
  EXPECT_EQ(Render("a -- one\nb // two\nc /* three */ d"), "id:a id:b id:c id:d");
}

TEST(Lexer, TracksLineAndColumn) {
  auto tokens = Tokenize("SELECT\n  x");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[1].line, 2);
  EXPECT_EQ((*tokens)[1].column, 2);
}

TEST(Lexer, UnterminatedStringIsASyntaxErrorWithPosition) {
  auto tokens = Tokenize("SELECT 'abc");
  EXPECT_EQ(tokens.status().code(), ErrorCode::kSyntaxError);
  EXPECT_THAT(tokens.status().message(), HasSubstr("line 1:7"));
}

TEST(Lexer, UnknownCharacterIsASyntaxError) {
  auto tokens = Tokenize("SELECT # FROM t");
  EXPECT_EQ(tokens.status().code(), ErrorCode::kSyntaxError);
  EXPECT_THAT(tokens.status().message(), HasSubstr("line 1:7 token recognition error at: '#'"));
}

}  // namespace
}  // namespace sibyl::cql::parser
