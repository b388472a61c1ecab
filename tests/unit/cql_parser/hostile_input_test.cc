// Hostile CQL text (issue 9 items 1 and 3): nesting is bounded by one limit, refused with a
// SyntaxException at the offending token, for any depth; messages quote input as valid,
// bounded UTF-8; over-long names never get past the parser.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>

#include <string>

#include "common/utf8.h"
#include "cql/parser/lexer.h"
#include "cql/parser/parser.h"
#include "cql/types/type.h"

namespace sibyl::cql::parser {
namespace {

using testing::HasSubstr;
using types::kMaxNestingDepth;

std::string Repeat(std::string_view unit, int n) {
  std::string out;
  out.reserve(unit.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

// One way of nesting: the statement with `n` levels of `open`...`close` around `core`, and how
// many parser levels the rest of the statement adds (`overhead`), so that n + overhead is the
// statement's depth.
struct Form {
  const char* name;
  std::string prefix, open, core, close, suffix;
  int overhead;
  std::string Statement(int n) const {
    return prefix + Repeat(open, n) + core + Repeat(close, n) + suffix;
  }
};

std::vector<Form> Forms() {
  return {
      {"parentheses in a selector", "SELECT ", "(", "1", ")", " FROM system.local", 2},
      {"lists", "INSERT INTO t (k, v) VALUES (0, ", "[", "1", "]", ")", 1},
      {"sets", "INSERT INTO t (k, v) VALUES (0, ", "{", "1", "}", ")", 1},
      {"maps", "INSERT INTO t (k, v) VALUES (0, ", "{1: ", "1", "}", ")", 1},
      {"user-type literals", "INSERT INTO t (k, v) VALUES (0, ", "{a: ", "1", "}", ")", 1},
      {"tuples in VALUES", "INSERT INTO t (k, v) VALUES (0, ", "(", "1", ")", ")", 1},
      {"IN lists", "SELECT * FROM t WHERE k IN (", "(", "1", ")", ")", 1},
      {"function calls in terms", "INSERT INTO t (k, v) VALUES (0, ", "f(", "1", ")", ")", 1},
      {"function calls in selectors", "SELECT ", "f(", "k", ")", " FROM t", 1},
      {"casts in selectors", "SELECT ", "cast(", "k", " as int)", " FROM t", 1},
      {"type casts in terms", "INSERT INTO t (k, v) VALUES (0, ", "(int) ", "1", "", ")", 1},
      {"types", "CREATE TABLE t (k int PRIMARY KEY, v ", "frozen<", "int", ">", ")", 1},
      {"nested collection types", "ALTER TABLE t ADD v ", "list<frozen<", "int", ">>", "", 1},
      {"the right side of a relation", "SELECT * FROM t WHERE (a, b) = ", "(", "1", ")", "", 1},
  };
}

TEST(Nesting, EveryFormIsAcceptedAtTheLimit) {
  for (const Form& form : Forms()) {
    // "nested collection types" open two levels per unit.
    const int per_unit = std::string(form.name) == "nested collection types" ? 2 : 1;
    const int n = (kMaxNestingDepth - form.overhead) / per_unit;
    auto s = ParseStatement(form.Statement(n));
    EXPECT_TRUE(s.ok()) << form.name << ": " << s.status().ToString();
  }
}

TEST(Nesting, EveryFormIsRefusedOneLevelPastTheLimitWithAPosition) {
  for (const Form& form : Forms()) {
    const int per_unit = std::string(form.name) == "nested collection types" ? 2 : 1;
    const int n = (kMaxNestingDepth - form.overhead) / per_unit + 1;
    auto s = ParseStatement(form.Statement(n));
    ASSERT_FALSE(s.ok()) << form.name;
    EXPECT_EQ(s.status().code(), ErrorCode::kSyntaxError) << form.name;
    EXPECT_THAT(s.status().message(), HasSubstr("nested too deeply")) << form.name;
    EXPECT_THAT(s.status().message(), testing::StartsWith("line 1:")) << form.name;
  }
}

TEST(Nesting, TheErrorPointsAtTheTokenThatOpensOneLevelTooMany) {
  // SELECT (((...1))): the selector is level 1 and each '(' one more; the literal inside
  // kMaxNestingDepth - 1 parentheses is level kMaxNestingDepth + 1.
  const int n = kMaxNestingDepth - 1;
  auto s = ParseStatement("SELECT " + Repeat("(", n) + "1" + Repeat(")", n) + " FROM t");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            fmt::format("line 1:{} statement nested too deeply: more than {} levels of "
                        "parentheses, brackets, braces, type parameters or function calls",
                        7 + n, kMaxNestingDepth));
}

TEST(Nesting, Issue9TwentyThousandParenthesesAreASyntaxErrorNotACrash) {
  // Before the fix this overflowed the stack (SIGSEGV); any depth must be refused.
  for (int n : {20000, 200000}) {
    auto s = ParseStatement("SELECT " + Repeat("(", n) + "1" + Repeat(")", n) +
                            " FROM system.local");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), ErrorCode::kSyntaxError);
    EXPECT_THAT(s.status().message(), HasSubstr("nested too deeply"));
  }
  for (const char* open : {"[", "{", "f(", "(int) "}) {
    auto s = ParseStatement(std::string("INSERT INTO t (k) VALUES (") + Repeat(open, 100000));
    EXPECT_THAT(s.status().message(), HasSubstr("nested too deeply")) << open;
  }
}

TEST(Nesting, TypeNamesFromTheSchemaHaveTheSameLimit) {
  const int n = kMaxNestingDepth - 1;
  EXPECT_TRUE(types::ParseTypeName(Repeat("frozen<", n) + "int" + Repeat(">", n)).ok());
  auto deep = types::ParseTypeName(Repeat("frozen<", n + 1) + "int" + Repeat(">", n + 1));
  EXPECT_EQ(deep.status().code(), ErrorCode::kInvalid);
  EXPECT_THAT(deep.status().message(), HasSubstr("nested too deeply"));
}

// Parses the deepest statement of every form on a thread with `stack_bytes` of stack.
void* ParseDeepest(void*) {
  for (const Form& form : Forms()) {
    const int per_unit = std::string(form.name) == "nested collection types" ? 2 : 1;
    auto s = ParseStatement(form.Statement((kMaxNestingDepth - form.overhead) / per_unit));
    if (!s.ok()) return reinterpret_cast<void*>(1);
  }
  return nullptr;
}

TEST(Nesting, TheLimitFitsFarBelowAWorkerThreadsStack) {
  // Worker threads have the default 8 MiB; the deepest statements must fit in a quarter of that
  // even with sanitizers' larger frames (measured: 71 KiB optimised, 1.1 MiB with ASan at -O0).
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 2 << 20);
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, &ParseDeepest, nullptr), 0);
  void* result = nullptr;
  pthread_join(thread, &result);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(result, nullptr);
}

TEST(Messages, InvalidUtf8QueryTextIsRefusedAsCassandraDoes) {
  auto s = ParseStatement("SELECT * FROM t WHERE k = '\xff'");
  EXPECT_EQ(s.status().code(), ErrorCode::kProtocolError);
  EXPECT_THAT(s.status().message(), testing::StartsWith("Cannot decode string as UTF8: '"));
  EXPECT_THAT(s.status().message(), HasSubstr("(at byte 27)"));
  EXPECT_TRUE(IsValidUtf8(s.status().message()));
  // Invalid bytes inside a quoted identifier never reach a name.
  EXPECT_EQ(ParseStatement("SELECT \"a\xc3\" FROM t").status().code(), ErrorCode::kProtocolError);
  // Overlong forms and surrogates are refused too (Java's decoder is strict).
  EXPECT_EQ(ParseStatement("SELECT '\xc0\xaf' FROM t").status().code(), ErrorCode::kProtocolError);
  EXPECT_EQ(ParseStatement("SELECT '\xed\xa0\x80' FROM t").status().code(),
            ErrorCode::kProtocolError);
}

TEST(Messages, Issue9ARecognitionErrorQuotesAWholeCharacter) {
  // Before: "token recognition error at: '\xc2'" (half of µ), which drivers cannot decode.
  auto s = ParseStatement("SELECT \xc2\xb5 FROM t");
  EXPECT_EQ(s.status().message(), "line 1:7 token recognition error at: '\xc2\xb5'");
  // Columns count characters (UTF-16 units, as Cassandra), not bytes.
  auto after = ParseStatement("SELECT '\xc2\xb5\xc2\xb5\xc2\xb5' FORM t");
  EXPECT_EQ(after.status().message(), "line 1:13 mismatched input 'FORM' expecting K_FROM");
  auto astral = ParseStatement("SELECT '\xf0\x9f\x98\x80' FORM t");  // a surrogate pair: 2
  EXPECT_EQ(astral.status().message(), "line 1:12 mismatched input 'FORM' expecting K_FROM");
}

TEST(Messages, ControlCharactersAreEscaped) {
  auto s = ParseStatement(std::string("SELECT \x01 FROM t"));
  EXPECT_EQ(s.status().message(), "line 1:7 token recognition error at: '\\u0001'");
  auto nul = ParseStatement(std::string("SELECT k FROM t WHERE k = 1 \0", 29));
  EXPECT_THAT(nul.status().message(), HasSubstr("'\\u0000'"));
}

TEST(Messages, QuotedInputIsBounded) {
  // A megabyte token in an error message stays a short, valid message.
  std::string huge(1 << 20, '9');
  for (const std::string& text :
       {"SELECT k FROM t " + huge, "SELECT k FROM t WHERE " + huge + "x",
        "SELECT k FROM t WHERE k = 0x" + std::string(1 << 20, 'a') + "g",
        "SELECT k FROM t " + Repeat("\xe2\x82\xac", 100000)}) {
    auto s = ParseStatement(text);
    ASSERT_FALSE(s.ok());
    EXPECT_LT(s.status().message().size(), 400u) << s.status().message().substr(0, 100);
    EXPECT_TRUE(IsValidUtf8(s.status().message()));
  }
}

TEST(Names, IdentifiersUpToTheStringLimitAreAccepted) {
  std::string name(kMaxIdentifierBytes, 'a');
  EXPECT_TRUE(ParseStatement("SELECT " + name + " FROM t").ok());
  EXPECT_TRUE(ParseStatement("SELECT \"" + name + "\" FROM t").ok());
  EXPECT_TRUE(ParseStatement("SELECT k AS " + name + " FROM t").ok());
}

TEST(Names, Issue9OverLongNamesAreRefusedAtParseTime) {
  // An alias past 65,535 bytes made a RESULT frame whose [string] length wrapped around.
  std::string name(kMaxIdentifierBytes + 1, 'a');
  for (const std::string& text :
       {"SELECT k AS " + name + " FROM t", "SELECT \"" + name + "\" FROM t",
        "SELECT k FROM " + name, "SELECT k FROM t WHERE k = :" + name,
        "INSERT INTO t (" + name + ") VALUES (1)"}) {
    auto s = ParseStatement(text);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), ErrorCode::kSyntaxError);
    EXPECT_THAT(s.status().message(), HasSubstr("identifier too long: 65536 bytes"));
    EXPECT_LT(s.status().message().size(), 200u);
  }
}

TEST(Names, ASelectorTooLongToNameItsColumnNeedsAnAlias) {
  std::string literal = "'" + std::string(kMaxIdentifierBytes, 'x') + "'";
  auto s = ParseStatement("SELECT " + literal + " FROM t");
  EXPECT_EQ(s.status().code(), ErrorCode::kSyntaxError);
  EXPECT_THAT(s.status().message(), HasSubstr("line 1:7 selector too long"));
  EXPECT_TRUE(ParseStatement("SELECT " + literal + " AS x FROM t").ok());
  // Nested calls do not copy their argument's text once it is past the limit.
  auto nested = ParseStatement("SELECT " + Repeat("f(", 100) + literal + Repeat(")", 100) +
                               " AS x FROM t");
  EXPECT_TRUE(nested.ok()) << nested.status().ToString();
}

}  // namespace
}  // namespace sibyl::cql::parser
