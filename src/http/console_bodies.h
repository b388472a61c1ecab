#pragma once
// The console JSON API's request bodies, parsed and type-checked as pure functions of their
// bytes (issue 9 item 8: a JSON object where a string belongs made nlohmann::json throw, and
// the sign-in answered 500). Every error is AwsError("ValidationError", 400, ...), which the
// console API answers as {"error":{"code":"ValidationError","message":...}}. Fuzzed.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace sibyl::http {

// Deepest nesting of arrays and objects accepted in a body (IAM parameters are at most three
// deep: Tags.member.N.Key). Deeper ones are refused before parsing, so nothing recursive ever
// walks an attacker's nesting.
inline constexpr int kMaxJsonDepth = 32;
// Longest paging_state accepted, in bytes once decoded.
inline constexpr size_t kMaxPagingStateBytes = 64 * 1024;

// One JSON object. Errors: not JSON, not an object, nested deeper than kMaxJsonDepth. An empty
// body is an empty object when `empty_is_object`.
Result<nlohmann::json> ParseJsonObject(std::string_view bytes, bool empty_is_object = false);

// POST /api/session: {"kind":"key","access_key_id","secret_access_key"} or
// {"kind":"password","user_name","password"}. Absent members are empty; a member of another
// type than string is an error naming it.
struct SignInBody {
  std::string kind;    // "key" or "password" (others are refused by the API as AccessDenied)
  std::string name;    // access_key_id or user_name
  std::string secret;  // secret_access_key or password
};
Result<SignInBody> ParseSignInBody(std::string_view bytes);

// POST /api/cql: {"query", "keyspace"?, "page_size"? (integer, clamped to 1..5000; default
// 100), "paging_state"? (lowercase hex)}.
struct CqlBody {
  std::string query;
  std::string keyspace;
  int32_t page_size = 100;
  std::optional<std::string> paging_state;  // decoded bytes
};
Result<CqlBody> ParseCqlBody(std::string_view bytes);

// POST /api/iam/<Action>: a JSON object of parameters, flattened as the Query protocol names
// them (lists Name.member.N, structures in lists Name.member.N.Key, scalars as text, null
// omitted). A value of a shape no IAM parameter has (an object as a parameter, a list in a
// list) is a ValidationError naming it.
Result<std::map<std::string, std::string>> ParseIamParameters(std::string_view bytes);

}  // namespace sibyl::http
