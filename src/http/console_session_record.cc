#include "http/console_session_record.h"

#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "iam/secrets.h"

namespace sibyl::http {
namespace {

constexpr std::string_view kTokenAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr size_t kMaxUserIdChars = 64;
constexpr size_t kMaxCreatedDigits = 12;
constexpr size_t kMaxDocBytes = 4096;
// IAM's own limits: ARNs up to 2,048 characters, user names up to 64.
constexpr size_t kMaxArnChars = 2048;
constexpr size_t kMaxUserNameChars = 64;

std::string Sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

bool AllOf(std::string_view text, std::string_view alphabet) {
  return text.find_first_not_of(alphabet) == std::string_view::npos;
}

bool IsUserId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxUserIdChars &&
         AllOf(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

bool IsToken(std::string_view token) {
  return token.size() == kConsoleTokenChars && AllOf(token, kTokenAlphabet);
}

std::optional<int64_t> ParseSeconds(std::string_view digits) {
  if (digits.empty() || digits.size() > kMaxCreatedDigits || !AllOf(digits, "0123456789")) {
    return std::nullopt;
  }
  int64_t value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

Status Corrupt(const std::string& what) {
  return Status(ErrorCode::kCorruption, "stored console session: " + what);
}

}  // namespace

std::string SessionCreatedPrefix(int64_t created) {
  std::string out(8, '\0');
  const auto value = static_cast<uint64_t>(created);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(value >> (56 - 8 * i));
  return out;
}

std::string SessionKey::Clustering() const {
  return SessionCreatedPrefix(created) + Sha256(token);
}

std::string SessionKey::Cookie() const {
  return user_id + "." + std::to_string(created) + "." + token;
}

std::string NewSessionToken() {
  return iam::Secrets::RandomString(kConsoleTokenChars, kTokenAlphabet);
}

std::optional<SessionKey> ParseSessionCookie(std::string_view cookie) {
  if (cookie.size() > kMaxUserIdChars + kMaxCreatedDigits + kConsoleTokenChars + 2) {
    return std::nullopt;
  }
  const size_t first = cookie.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = cookie.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  SessionKey key;
  key.user_id = std::string(cookie.substr(0, first));
  auto created = ParseSeconds(cookie.substr(first + 1, second - first - 1));
  key.token = std::string(cookie.substr(second + 1));
  if (!IsUserId(key.user_id) || !created || !IsToken(key.token)) return std::nullopt;
  key.created = *created;
  return key;
}

std::string EncodeSessionDoc(const SessionDoc& doc) {
  return nlohmann::json{{"arn", doc.principal.arn},
                        {"user_name", doc.principal.user_name},
                        {"user_id", doc.principal.user_id},
                        {"csrf", doc.csrf_token}}
      .dump();
}

Result<SessionDoc> DecodeSessionDoc(std::string_view json, std::string_view expected_user_id) {
  if (json.size() > kMaxDocBytes) return Corrupt("document over 4 KiB");
  auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return Corrupt("not a JSON object");
  auto text = [&](const char* name, size_t max, std::string* out) -> Status {
    auto it = parsed.find(name);
    if (it == parsed.end() || !it->is_string()) return Corrupt(std::string(name) + " missing");
    const auto& value = it->get_ref<const std::string&>();
    if (value.size() > max) return Corrupt(std::string(name) + " too long");
    *out = value;
    return Status::OK();
  };
  SessionDoc doc;
  RETURN_IF_ERROR(text("arn", kMaxArnChars, &doc.principal.arn));
  RETURN_IF_ERROR(text("user_name", kMaxUserNameChars, &doc.principal.user_name));
  RETURN_IF_ERROR(text("user_id", kMaxUserIdChars, &doc.principal.user_id));
  RETURN_IF_ERROR(text("csrf", kConsoleTokenChars, &doc.csrf_token));
  if (doc.principal.arn.rfind("arn:", 0) != 0) return Corrupt("arn is not an ARN");
  if (doc.principal.user_id != expected_user_id) {
    return Corrupt("user_id differs from its partition");
  }
  if (!IsToken(doc.csrf_token)) return Corrupt("csrf is not a token");
  return doc;
}

std::string EncodeLastUsed(int64_t seconds) { return std::to_string(seconds); }

Result<int64_t> DecodeLastUsed(std::string_view text) {
  auto seconds = ParseSeconds(text);
  if (!seconds) return Corrupt("last use is not 1-12 digits");
  return *seconds;
}

int64_t SessionPartitionToken(std::string_view user_id) {
  const std::string digest = Sha256(user_id);
  uint64_t token = 0;
  for (int i = 0; i < 8; ++i) token = (token << 8) | static_cast<uint8_t>(digest[i]);
  return static_cast<int64_t>(token);
}

}  // namespace sibyl::http
