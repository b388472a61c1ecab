#include "query/collection_values.h"

#include <cstdint>

namespace sibyl::query {
namespace {

void AppendInt(std::string* out, int32_t v) {
  uint32_t u = static_cast<uint32_t>(v);
  char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
               static_cast<char>(u)};
  out->append(b, 4);
}

void AppendBytes(std::string* out, const std::string& bytes) {
  AppendInt(out, static_cast<int32_t>(bytes.size()));
  out->append(bytes);
}

}  // namespace

std::string SerializeList(const std::vector<std::string>& serialized_elements) {
  std::string out;
  AppendInt(&out, static_cast<int32_t>(serialized_elements.size()));
  for (const auto& e : serialized_elements) AppendBytes(&out, e);
  return out;
}

std::string SerializeMap(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  AppendInt(&out, static_cast<int32_t>(entries.size()));
  for (const auto& [k, v] : entries) {
    AppendBytes(&out, k);
    AppendBytes(&out, v);
  }
  return out;
}

std::string SerializeTextList(const std::vector<std::string>& texts) {
  return SerializeList(texts);  // text serializes as its UTF-8 bytes
}

std::string SerializeTextSet(const std::set<std::string>& texts) {
  return SerializeList(std::vector<std::string>(texts.begin(), texts.end()));
}

std::string SerializeTextMap(const std::map<std::string, std::string>& texts) {
  return SerializeMap(std::vector<std::pair<std::string, std::string>>(texts.begin(), texts.end()));
}

Result<std::vector<std::string>> DeserializeList(std::string_view bytes) {
  auto read_int = [&](size_t* pos, int32_t* out) {
    if (*pos + 4 > bytes.size()) return false;
    uint32_t u = 0;
    for (int i = 0; i < 4; ++i) u = (u << 8) | static_cast<uint8_t>(bytes[*pos + i]);
    *out = static_cast<int32_t>(u);
    *pos += 4;
    return true;
  };
  size_t pos = 0;
  int32_t n = 0;
  if (!read_int(&pos, &n) || n < 0) return InvalidRequest("Invalid list value: bad element count");
  std::vector<std::string> out;
  for (int32_t i = 0; i < n; ++i) {
    int32_t len = 0;
    if (!read_int(&pos, &len) || len < 0 || pos + len > bytes.size()) {
      return InvalidRequest("Invalid list value: truncated element");
    }
    out.emplace_back(bytes.substr(pos, len));
    pos += len;
  }
  if (pos != bytes.size()) return InvalidRequest("Invalid list value: trailing bytes");
  return out;
}

}  // namespace sibyl::query
