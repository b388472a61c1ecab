// Arithmetic and function calls in CQL text (issue 13): Cassandra 4.1's Parser.g termAddition /
// termMultiplication / termGroup and selectionAddition / selectionMultiplication /
// selectionGroup, operators as calls of system._add... (FunctionCall.Raw.newOperation).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cql/parser/parser.h"

namespace sibyl::cql::parser {
namespace {

using testing::HasSubstr;

std::shared_ptr<const Statement> Parse(std::string_view text) {
  auto s = ParseStatement(text);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().ToString();
  return s.ok() ? *s : nullptr;
}

// A term as a prefix expression: _add(1, _multiply(2, 3)).
std::string Show(const TermPtr& t) {
  if (const auto* lit = std::get_if<Literal>(&t->value)) return lit->text;
  if (std::holds_alternative<BindMarker>(t->value)) return "?";
  if (const auto* call = std::get_if<FunctionCall>(&t->value)) {
    std::string out = (call->name.keyspace.empty() ? "" : call->name.keyspace + ".") + call->name.name + "(";
    for (size_t i = 0; i < call->args.size(); ++i) out += (i ? ", " : "") + Show(call->args[i]);
    return out + ")";
  }
  if (const auto* cast = std::get_if<TypeCast>(&t->value)) return "(" + cast->type.ToString() + ")" + Show(cast->term);
  if (const auto* list = std::get_if<ListLiteral>(&t->value)) return "[" + std::to_string(list->elements.size()) + "]";
  return "?";
}

TermPtr Value(const std::string& term) {
  auto s = Parse("INSERT INTO t (k) VALUES (" + term + ")");
  return s ? std::get<InsertStatement>(s->body).values[0] : nullptr;
}

TEST(Arithmetic, TermsHaveCassandrasPrecedence) {
  EXPECT_EQ(Show(Value("1 + 2 * 3")), "system._add(1, system._multiply(2, 3))");
  EXPECT_EQ(Show(Value("1 - 2 - 3")), "system._substract(system._substract(1, 2), 3)");
  EXPECT_EQ(Show(Value("7 % 4 / 2")), "system._divide(system._modulo(7, 4), 2)");
  EXPECT_EQ(Show(Value("- 5")), "-5");
  EXPECT_EQ(Show(Value("-abs(?)")), "system._negate(abs(?))");
  EXPECT_EQ(Show(Value("(int)? + 1")), "system._add((int)?, 1)");
  EXPECT_EQ(Show(Value("toTimestamp(now()) - 1d")), "system._substract(totimestamp(now()), 1d)");
  EXPECT_EQ(Show(Value("'2024-01-01' + P2W")), "system._add(2024-01-01, P2W)");
}

TEST(Arithmetic, PrependAndCounterUpdatesStayAssignments) {
  auto s = Parse("UPDATE t SET l = [1] + l, c = c + 1, d = d - 2 WHERE k = 1");
  const auto& u = std::get<UpdateStatement>(s->body);
  EXPECT_EQ(u.assignments[0].kind, Assignment::Kind::kPrepend);
  EXPECT_EQ(u.assignments[1].kind, Assignment::Kind::kAdd);
  EXPECT_EQ(u.assignments[2].kind, Assignment::Kind::kSubtract);
}

TEST(Arithmetic, SelectorsAreOperationsOverSelectors) {
  auto s = Parse("SELECT a + b * 2, -a, (a + 1) * 2, system.now(), ks.f(a) AS x FROM t");
  const auto& sel = std::get<SelectStatement>(s->body).selectors;
  ASSERT_EQ(sel.size(), 5u);
  EXPECT_EQ(sel[0]->function.name, "_add");
  EXPECT_EQ(sel[0]->args[1]->function.name, "_multiply");
  EXPECT_EQ(sel[1]->function.name, "_negate");
  EXPECT_EQ(sel[2]->function.name, "_multiply");
  EXPECT_EQ(sel[2]->args[0]->function.name, "_add");
  EXPECT_EQ(sel[3]->function.keyspace, "system");
  EXPECT_EQ(sel[3]->function.name, "now");
  EXPECT_EQ(sel[4]->function.keyspace, "ks");
  EXPECT_EQ(sel[4]->alias, "x");
  // Tuples in parentheses stay terms.
  auto t = Parse("SELECT (1, 2) FROM t");
  EXPECT_EQ(std::get<SelectStatement>(t->body).selectors[0]->kind, Selector::Kind::kTerm);
}

TEST(Arithmetic, DurationLiteralForms) {
  EXPECT_EQ(Show(Value("1\xc2\xb5s")), "1\xc2\xb5s");
  EXPECT_EQ(Show(Value("P0001-02-03T04:05:06")), "P0001-02-03T04:05:06");
}

TEST(Arithmetic, OperatorChainsCountAgainstTheNestingLimit) {
  std::string chain = "1";
  for (int i = 0; i < 200; ++i) chain += " + 1";
  auto s = ParseStatement("INSERT INTO t (k) VALUES (" + chain + ")");
  EXPECT_THAT(s.status().message(), HasSubstr("nested too deeply"));
  std::string selectors = "a";
  for (int i = 0; i < 200; ++i) selectors += " * a";
  auto sel = ParseStatement("SELECT " + selectors + " FROM t");
  EXPECT_THAT(sel.status().message(), HasSubstr("nested too deeply"));
  std::string ok = "1";
  for (int i = 0; i < 100; ++i) ok += " + 1";
  EXPECT_TRUE(ParseStatement("INSERT INTO t (k) VALUES (" + ok + ")").ok());
}

TEST(Arithmetic, FuzzSeedsOfIssue13Parse) {
  for (const char* name : {"issue13-selector-arithmetic", "issue13-term-arithmetic",
                           "issue13-prepend-and-negation"}) {
    std::ifstream in(std::string(SIBYL_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz_cql_parser/" + name);
    std::stringstream text;
    text << in.rdbuf();
    ASSERT_FALSE(text.str().empty()) << name;
    EXPECT_TRUE(ParseStatement(text.str()).ok()) << name << ": "
                                                 << ParseStatement(text.str()).status().ToString();
  }
}

}  // namespace
}  // namespace sibyl::cql::parser
