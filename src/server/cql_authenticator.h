#pragma once
// CqlAuthenticator: the SASL step of a CQL connection when IAM authentication is on
// (shared/reference/keyspaces-iam.md §4.3): PLAIN with a service-specific credential
// (`\0user\0password`), or Amazon Keyspaces' SigV4 exchange with an access key
// (`SigV4\0\0` -> `nonce=...` -> signature). A verification costs microseconds (keyed hash,
// HMAC), so it runs on the connection's event loop. Thread-safe (its only shared state is the
// IAM service's LoginBrake; the per-connection state is SaslState).
//
// Every failed login is logged (user name or access key id, source address, reason; never the
// password or signature) and counted by the IAM service's LoginBrake, which says how long to
// hold the refusal back (SaslStep::delay): the connection sends it after a timer and reads
// nothing more meanwhile, so guesses are slow while the right password is answered at once.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "iam/iam_service.h"
#include "server/cql_authorizer.h"

namespace sibyl::server {

// Where one connection is in the exchange.
struct SaslState {
  std::string nonce;  // the SigV4 challenge sent, single use; empty when none is pending
  ConnectionOrigin origin;  // for the login's authorization check
};

struct SaslStep {
  enum class Kind : uint8_t { kChallenge, kSuccess, kFailure };
  Kind kind = Kind::kFailure;
  std::string token;             // kChallenge: the AUTH_CHALLENGE body
  Status error;                  // kFailure: ERROR 0x0100 with Keyspaces' message
  // kFailure: how long to wait before sending the error (the IAM service's LoginBrake).
  std::chrono::milliseconds delay{0};
  std::optional<iam::Principal> principal;  // kSuccess
};

class CqlAuthenticator {
 public:
  // `iam` must outlive the authenticator. `class_name` is sent in AUTHENTICATE.
  // `max_skew_seconds`: accepted clock skew of SigV4 amzdates. Default 900 (X-Amz-Expires).
  CqlAuthenticator(iam::IamService& iam, std::string class_name,
                   int64_t max_skew_seconds = 900)
      : iam_(iam), class_name_(std::move(class_name)), max_skew_seconds_(max_skew_seconds) {}

  const std::string& class_name() const { return class_name_; }

  // One AUTH_RESPONSE. `now_seconds` is the server's clock. A principal whose credentials are
  // right but who may not read the system tables is refused with Unauthorized (0x2100).
  SaslStep Evaluate(SaslState& state, const std::optional<std::string>& token,
                    int64_t now_seconds) const;

 // The per-connection authorizer of statements for an authenticated principal.
  std::shared_ptr<query::Authorizer> MakeAuthorizer(const iam::Principal& principal,
                                                    const ConnectionOrigin& origin) const {
    return std::make_shared<CqlAuthorizer>(iam_, principal, origin);
  }

 private:
  SaslStep Success(const SaslState& state, iam::Principal principal) const;
  // A refused login of `name` (user name or access key id): logged, counted by the brake,
  // answered with `error` after the brake's delay.
  SaslStep Refused(const SaslState& state, std::string_view method, std::string_view name,
                   std::string_view reason, Status error) const;

  iam::IamService& iam_;
  const std::string class_name_;
  const int64_t max_skew_seconds_;
};

}  // namespace sibyl::server
