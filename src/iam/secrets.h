#pragma once
// Secret handling for IAM (ARCHITECTURE.md "Security stance"):
//  - a 32-byte master key in a file outside the database files, created with mode 0600 at
//    first start;
//  - access-key secrets sealed with it (libsodium secretbox: XSalsa20-Poly1305), because
//    verifying SigV4 needs the secret itself;
//  - service passwords stored only as a keyed hash (BLAKE2b keyed with a key derived from the
//    master key): they are 256-bit random values, so a fast keyed hash is enough and a login
//    costs microseconds, not the milliseconds of a slow password hash;
//  - identifiers and secrets generated from the OS CSPRNG.
// Thread-safe after Open. Never logs a secret.

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sibyl::iam {

class Secrets {
 public:
  // Reads the master key at `key_path`, or creates it (0600) when absent. kIOError when the file
  // cannot be read or written, kCorruption when it is not 32 bytes.
  static Result<std::unique_ptr<Secrets>> Open(const std::string& key_path);

  // Encrypts `plain`; the result holds nonce and MAC.
  std::string Seal(std::string_view plain) const;
  // kCorruption when `sealed` was not produced by Seal under this key.
  Result<std::string> Unseal(std::string_view sealed) const;

  std::string HashPassword(std::string_view password) const;
  // Constant-time.
  bool VerifyPassword(std::string_view password, std::string_view hash) const;

  // Console passwords are chosen by people, so they get a slow, salted hash: Argon2id
  // (libsodium crypto_pwhash_str, "interactive" limits: ~64 MiB and tens of milliseconds).
  // The result is the self-describing $argon2id$... string.
  static std::string HashConsolePassword(std::string_view password);
  static bool VerifyConsolePassword(std::string_view password, const std::string& hash);

  // `n` random characters from `alphabet`.
  static std::string RandomString(size_t n, std::string_view alphabet);
  // A service password: 32 random bytes, base64 (44 characters ending in '=').
  static std::string NewServicePassword();
  // An access-key secret: 40 characters of [A-Za-z0-9/+].
  static std::string NewSecretAccessKey();

 private:
  explicit Secrets(std::string key) : key_(std::move(key)) {}
  std::string key_;           // 32 bytes
  std::string password_key_;  // derived
};

}  // namespace sibyl::iam
