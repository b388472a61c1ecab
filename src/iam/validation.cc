#include "iam/validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace sibyl::iam {

Status Validation(const std::string& what) {
  return AwsError("ValidationError", 400, "1 validation error detected: " + what);
}

Status NoSuchUser(const std::string& name) {
  return AwsError("NoSuchEntity", 404, fmt::format("The user with name {} cannot be found.", name));
}

Status NoSuchGroup(const std::string& name) {
  return AwsError("NoSuchEntity", 404,
                  fmt::format("The group with name {} cannot be found.", name));
}

Status CheckName(const std::string& name, const char* field, size_t max_length) {
  static const std::regex kPattern(R"([\w+=,.@-]+)");
  if (name.empty() || name.size() > max_length) {
    return Validation(fmt::format(
        "Value '{}' at '{}' failed to satisfy constraint: Member must have length {}", name, field,
        name.empty() ? std::string("greater than or equal to 1")
                     : fmt::format("less than or equal to {}", max_length)));
  }
  if (!std::regex_match(name, kPattern)) {
    return Validation(
        fmt::format("Value '{}' at '{}' failed to satisfy constraint: Member must satisfy regular "
                    "expression pattern: [\\w+=,.@-]+",
                    name, field));
  }
  return Status::OK();
}

Status CheckPath(const std::string& path, const char* field) {
  bool ok = !path.empty() && path.size() <= 512 && path.front() == '/' && path.back() == '/' &&
            std::all_of(path.begin(), path.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
  if (!ok) {
    return Validation(fmt::format(
        "Value '{}' at '{}' failed to satisfy constraint: Member must satisfy regular expression "
        "pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        path, field));
  }
  return Status::OK();
}

Status CheckStatus(const std::string& status) {
  if (status != kActive && status != kInactive) {
    return Validation(
        "Value at 'status' failed to satisfy constraint: Member must satisfy enum value set: "
        "[Active, Inactive]");
  }
  return Status::OK();
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

}  // namespace sibyl::iam
