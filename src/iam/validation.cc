#include "iam/validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "common/utf8.h"

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

namespace {

// Characters of `text` (code points), or -1 when a character is outside the tag pattern.
long TagCharacters(std::string_view text) {
  long count = 0;
  for (size_t pos = 0; pos < text.size(); ++count) {
    const size_t n = Utf8SequenceLength(text, pos);
    if (n == 0) return -1;
    const auto c = static_cast<unsigned char>(text[pos]);
    if (n == 1 && !std::isalnum(c) && std::string_view(" _.:/=+-@").find(static_cast<char>(c)) ==
                                          std::string_view::npos) {
      return -1;
    }
    // U+0080..U+009F (C1 controls) are encoded C2 80..C2 9F.
    if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[pos + 1]) < 0xA0) return -1;
    pos += n;
  }
  return count;
}

}  // namespace

Status CheckTag(const std::string& key, const std::string& value) {
  static constexpr const char* kPattern = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]";
  const long key_length = TagCharacters(key);
  const long value_length = TagCharacters(value);
  if (key_length < 0 || value_length < 0) {
    const bool bad_key = key_length < 0;
    return Validation(fmt::format(
        "Value '{}' at 'tags.member.{}' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: {}{}",
        QuoteForMessage(bad_key ? key : value, 128), bad_key ? "key" : "value", kPattern,
        bad_key ? "+" : "*"));
  }
  if (key_length == 0 || key_length > 128 || value_length > 256) {
    return Validation(fmt::format(
        "Value '{}' at 'tags' failed to satisfy constraint: keys must have length 1..128 and "
        "values 0..256",
        QuoteForMessage(key, 128)));
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
        QuoteForMessage(path, 128), field));
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
