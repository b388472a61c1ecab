// The console API's bodies as pure functions of bytes (issue 9 item 8): every type confusion,
// nesting or malformed body is a 400 ValidationError, never an exception.
#include "http/console_bodies.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sibyl::http {
namespace {

using testing::HasSubstr;

std::string CodeOf(const Status& s) {
  const auto* d = std::get_if<AwsErrorDetail>(&s.detail());
  return d ? d->code + "/" + std::to_string(d->http_status) + ": " + s.message() : s.ToString();
}

TEST(ConsoleBodies, SignInWithAnObjectWhereAStringBelongsIsAValidationError) {
  // Why: {"kind": {...}} made json::value() throw and the sign-in answered 500.
  for (const char* body : {R"({"kind":{"a":1}})", R"({"kind":"key","access_key_id":[1]})",
                           R"({"kind":"key","access_key_id":"A","secret_access_key":7})",
                           R"({"kind":"password","user_name":true,"password":"x"})",
                           R"({"kind":"password","user_name":"u","password":{}})"}) {
    auto parsed = ParseSignInBody(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_THAT(CodeOf(parsed.status()), HasSubstr("ValidationError/400: '")) << body;
    EXPECT_THAT(CodeOf(parsed.status()), HasSubstr("' must be a string.")) << body;
  }
}

TEST(ConsoleBodies, SignInFieldsAreReadByKind) {
  auto key = ParseSignInBody(R"({"kind":"key","access_key_id":"AKIA1","secret_access_key":"s"})");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->name, "AKIA1");
  EXPECT_EQ(key->secret, "s");
  auto password = ParseSignInBody(R"({"kind":"password","user_name":"bob","password":"p"})");
  ASSERT_TRUE(password.ok());
  EXPECT_EQ(password->name, "bob");
  EXPECT_EQ(password->secret, "p");
  auto empty = ParseSignInBody(R"({"user_name":null})");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->kind, "");
}

TEST(ConsoleBodies, NotAnObjectOrNotJsonIsRefused) {
  for (const char* body : {"", "[]", "\"x\"", "1", "{", "{\"a\":}", "\xff\xfe", "{\"a\":\"\xff\"}"}) {
    auto parsed = ParseSignInBody(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(CodeOf(parsed.status()), "ValidationError/400: Send a JSON object.") << body;
  }
}

TEST(ConsoleBodies, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto parsed = ParseIamParameters(deep);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(CodeOf(parsed.status()), HasSubstr("nests deeper than 32 levels"));
  // Brackets inside strings do not count.
  auto flat = ParseIamParameters("{\"UserName\":\"" + std::string(1000, '[') + "\"}");
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(flat->at("UserName"), std::string(1000, '['));
}

TEST(ConsoleBodies, IamParametersAreFlattenedAsTheQueryProtocolNamesThem) {
  auto params = ParseIamParameters(
      R"({"UserName":"bob","Tags":[{"Key":"k","Value":"v"}],"MaxItems":5,"Flag":true,"N":null})");
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(*params, (std::map<std::string, std::string>{{"UserName", "bob"},
                                                         {"Tags.member.1.Key", "k"},
                                                         {"Tags.member.1.Value", "v"},
                                                         {"MaxItems", "5"},
                                                         {"Flag", "true"}}));
  EXPECT_TRUE(ParseIamParameters("").ok());  // no parameters
}

TEST(ConsoleBodies, IamParametersOfAShapeNoParameterHasAreRefusedByName) {
  // Why: {"UserName": {...}} was flattened to UserName.a and the call ran as if no user was
  // named (on the caller).
  EXPECT_EQ(ParseIamParameters(R"({"UserName":{"a":1}})").status().message(),
            "'UserName' must be a string, a number, a boolean or a list.");
  EXPECT_EQ(ParseIamParameters(R"({"ActionNames":[["x"]]})").status().message(),
            "'ActionNames.member.1' must be a string, a number, a boolean or an object.");
  EXPECT_EQ(ParseIamParameters(R"({"Tags":[{"Key":{"a":1}}]})").status().message(),
            "'Tags.member.1.Key' must be a string, a number, a boolean or a list.");
  EXPECT_EQ(ParseIamParameters(R"({"C":[{"V":[[1]]}]})").status().message(),
            "'C.member.1.V.member.1' must be a string, a number or a boolean.");
  auto context = ParseIamParameters(R"({"C":[{"K":"k","V":["a","b"]}]})");
  ASSERT_TRUE(context.ok());
  EXPECT_EQ(context->at("C.member.1.V.member.2"), "b");
}

TEST(ConsoleBodies, CqlBodyTypesAreChecked) {
  auto ok = ParseCqlBody(R"({"query":"SELECT 1","keyspace":"ks","page_size":7,"paging_state":"0aff"})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->query, "SELECT 1");
  EXPECT_EQ(ok->keyspace, "ks");
  EXPECT_EQ(ok->page_size, 7);
  EXPECT_EQ(*ok->paging_state, std::string("\x0a\xff", 2));
  EXPECT_EQ(ParseCqlBody(R"({"query":"q","page_size":1e300})").status().message(),
            "'page_size' must be an integer.");
  EXPECT_EQ(ParseCqlBody(R"({"query":"q","page_size":"10"})").status().message(),
            "'page_size' must be an integer.");
  EXPECT_EQ(ParseCqlBody(R"({"query":"q","page_size":18446744073709551615})")->page_size, 5000);
  EXPECT_EQ(ParseCqlBody(R"({"query":"q","page_size":-9223372036854775808})")->page_size, 1);
  EXPECT_EQ(ParseCqlBody(R"({"query":"q","keyspace":{}})").status().message(),
            "'keyspace' must be a string.");
  EXPECT_EQ(ParseCqlBody(R"({"query":["q"]})").status().message(),
            "Send {\"query\": \"<one CQL statement>\"}.");
  EXPECT_EQ(ParseCqlBody(R"({"query":"q","paging_state":"0A"})").status().message(),
            "Bad paging_state.");
  EXPECT_EQ(ParseCqlBody(R"({"query":"q","paging_state":5})").status().message(),
            "'paging_state' must be a string.");
}

}  // namespace
}  // namespace sibyl::http
