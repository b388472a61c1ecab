#pragma once
// The stored form of a console session (issue 15: every node reads the sessions every other
// node made), and the cookie that names one. Pure functions of bytes; the fuzzers may call them.
// Layout (docs/dev/rados-mapping.md "Console sessions", DO NOT CHANGE: persisted):
//   table `sibyl_console_sessions`; partition key = the principal's user id (root: the account
//   id); clustering = created (8 bytes, big-endian seconds) || SHA-256(session token) (32 bytes);
//   cell "doc"  = {"arn","user_name","user_id","csrf"} (JSON),
//   cell "used" = last use, decimal seconds;
//   every cell and the row marker expire `absolute_seconds` after `created` (TTL).
// The cookie is "<user id>.<created>.<token>": the token (43 random characters) is never
// stored, only its hash, so whoever reads the pool cannot sign in with what it finds there.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "iam/iam_service.h"

namespace sibyl::http {

inline constexpr const char* kConsoleSessionTableId = "sibyl_console_sessions";
inline constexpr size_t kConsoleTokenChars = 43;  // 258 bits

// What a session cookie names: the row of the session.
struct SessionKey {
  std::string user_id;        // the partition key
  int64_t created = 0;        // seconds
  std::string token;          // kConsoleTokenChars of the token alphabet
  // created (8 bytes BE) || SHA-256(token): the row's clustering key.
  std::string Clustering() const;
  std::string Cookie() const;  // "<user id>.<created>.<token>"
};

// The first 8 bytes of the clustering of every session created at `created` (seconds).
std::string SessionCreatedPrefix(int64_t created);

// The fields of cell "doc".
struct SessionDoc {
  iam::Principal principal;
  std::string csrf_token;
};

// A random token: kConsoleTokenChars characters of [A-Za-z0-9_-].
std::string NewSessionToken();

// The key a cookie names; nullopt for anything else (too long, a user id that is not 1-64
// letters and digits, a time that is not 1-12 digits, a token of the wrong size or alphabet).
std::optional<SessionKey> ParseSessionCookie(std::string_view cookie);

std::string EncodeSessionDoc(const SessionDoc& doc);
// Validates what another node (or anyone with write access to the pool) stored: at most 4 KiB
// of JSON, every member a string of bounded size, `user_id` equal to `expected_user_id` (the
// partition it was found in), a CSRF token of the token's size and alphabet. kCorruption
// naming the member otherwise.
Result<SessionDoc> DecodeSessionDoc(std::string_view json, std::string_view expected_user_id);

// Cell "used": decimal seconds, 1-12 digits; kCorruption otherwise.
std::string EncodeLastUsed(int64_t seconds);
Result<int64_t> DecodeLastUsed(std::string_view text);

// The partition's token (the first 8 bytes of SHA-256 of the user id): stable on every node.
int64_t SessionPartitionToken(std::string_view user_id);

}  // namespace sibyl::http
