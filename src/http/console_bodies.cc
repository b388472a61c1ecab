#include "http/console_bodies.h"

#include <fmt/format.h>

#include <algorithm>

#include "iam/crypto.h"

namespace sibyl::http {
namespace {

using nlohmann::json;

Status Invalid(const std::string& message) { return AwsError("ValidationError", 400, message); }

// Whether arrays and objects nest deeper than `max_depth` outside string literals. Linear, no
// recursion; malformed JSON is left for the parser to refuse.
bool NestsDeeperThan(std::string_view bytes, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// The string member `name`, "" when absent or null; an error for any other type.
Result<std::string> StringMember(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Invalid(fmt::format("'{}' must be a string.", name));
  return it->get<std::string>();
}

// The Query protocol's shapes: a parameter is a scalar or a list; a list holds scalars or
// structures; a structure's members are scalars or lists of scalars (Tags.member.N.Key,
// ContextEntries.member.N.ContextKeyValues.member.M). Anything else is a type confusion,
// refused by name rather than silently dropped. `level` 0 is a parameter, 1 a list item, 2 a
// structure member, 3 an item of a member's list.
Status Flatten(const std::string& name, const json& value, int level,
               std::map<std::string, std::string>& out) {
  if (value.is_null()) return Status::OK();
  if (value.is_string()) {
    out[name] = value.get<std::string>();
  } else if (value.is_number() || value.is_boolean()) {
    out[name] = value.dump();  // ASCII: cannot throw
  } else if (value.is_array() && (level == 0 || level == 2)) {
    for (size_t i = 0; i < value.size(); ++i) {
      RETURN_IF_ERROR(Flatten(fmt::format("{}.member.{}", name, i + 1), value[i], level + 1, out));
    }
  } else if (value.is_object() && level == 1) {
    for (const auto& [key, item] : value.items()) {
      RETURN_IF_ERROR(Flatten(name + "." + key, item, 2, out));
    }
  } else {
    return Invalid(fmt::format("'{}' must be {}.", name,
                               level == 0   ? "a string, a number, a boolean or a list"
                               : level == 1 ? "a string, a number, a boolean or an object"
                               : level == 2 ? "a string, a number, a boolean or a list"
                                            : "a string, a number or a boolean"));
  }
  return Status::OK();
}

}  // namespace

Result<json> ParseJsonObject(std::string_view bytes, bool empty_is_object) {
  if (empty_is_object && bytes.empty()) return json::object();
  if (NestsDeeperThan(bytes, kMaxJsonDepth)) {
    return Invalid(fmt::format("The JSON body nests deeper than {} levels.", kMaxJsonDepth));
  }
  json body = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return Invalid("Send a JSON object.");
  return body;
}

Result<SignInBody> ParseSignInBody(std::string_view bytes) {
  ASSIGN_OR_RETURN(json body, ParseJsonObject(bytes));
  SignInBody out;
  ASSIGN_OR_RETURN(out.kind, StringMember(body, "kind"));
  const bool key = out.kind == "key";
  ASSIGN_OR_RETURN(out.name, StringMember(body, key ? "access_key_id" : "user_name"));
  ASSIGN_OR_RETURN(out.secret, StringMember(body, key ? "secret_access_key" : "password"));
  return out;
}

Result<CqlBody> ParseCqlBody(std::string_view bytes) {
  ASSIGN_OR_RETURN(json body, ParseJsonObject(bytes));
  CqlBody out;
  auto query = body.find("query");
  if (query == body.end() || !query->is_string()) {
    return Invalid("Send {\"query\": \"<one CQL statement>\"}.");
  }
  out.query = query->get<std::string>();
  ASSIGN_OR_RETURN(out.keyspace, StringMember(body, "keyspace"));
  if (auto it = body.find("page_size"); it != body.end() && !it->is_null()) {
    if (it->is_number_unsigned()) {
      out.page_size = static_cast<int32_t>(std::min<uint64_t>(it->get<uint64_t>(), 5000));
    } else if (it->is_number_integer()) {
      out.page_size = static_cast<int32_t>(std::clamp<int64_t>(it->get<int64_t>(), 1, 5000));
    } else {
      return Invalid("'page_size' must be an integer.");
    }
    out.page_size = std::max(out.page_size, 1);
  }
  ASSIGN_OR_RETURN(std::string hex, StringMember(body, "paging_state"));
  if (!hex.empty()) {
    if (hex.size() % 2 != 0 || hex.size() > 2 * kMaxPagingStateBytes ||
        hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return Invalid("Bad paging_state.");
    }
    out.paging_state = iam::HexDecode(hex);
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseIamParameters(std::string_view bytes) {
  ASSIGN_OR_RETURN(json body, ParseJsonObject(bytes, /*empty_is_object=*/true));
  std::map<std::string, std::string> params;
  for (const auto& [name, value] : body.items()) RETURN_IF_ERROR(Flatten(name, value, 0, params));
  return params;
}

}  // namespace sibyl::http
