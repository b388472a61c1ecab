#include "server/cql_authenticator.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "common/utf8.h"
#include "iam/keyspaces_sigv4.h"

namespace sibyl::server {
namespace {

// Names are quoted in the log up to this many bytes (a SASL token can be megabytes).
constexpr size_t kMaxLoggedName = 128;

SaslStep Failure(Status status) {
  SaslStep step;
  step.kind = SaslStep::Kind::kFailure;
  step.error = std::move(status);
  return step;
}

Status InvalidSignature() {
  return Status(ErrorCode::kBadCredentials, "Authentication failure: Invalid signature");
}

}  // namespace

SaslStep CqlAuthenticator::Evaluate(SaslState& state, const std::optional<std::string>& token,
                                    int64_t now_seconds) const {
  static const std::string kSigV4Start("SigV4\0\0", 7);
  if (!token) {
    return Refused(state, "SASL", "", "missing SASL token",
                   Status(ErrorCode::kBadCredentials, "Missing SASL token"));
  }
  if (!state.nonce.empty()) {
    // Second step of the SigV4 exchange: the nonce is consumed whatever the outcome.
    std::string nonce = std::move(state.nonce);
    state.nonce.clear();
    auto response = iam::ParseKeyspacesSigV4Response(*token);
    if (!response.ok()) {
      return Refused(state, "SigV4", "", "malformed SigV4 response", InvalidSignature());
    }
    const std::string& key_id = response->access_key_id;
    int64_t signed_at = iam::ParseKeyspacesAmzDate(response->amz_date);
    if (signed_at < 0 || signed_at < now_seconds - max_skew_seconds_ ||
        signed_at > now_seconds + max_skew_seconds_) {
      return Refused(state, "SigV4", key_id, "signature date missing or outside the allowed skew",
                     InvalidSignature());
    }
    auto resolved = iam_.ResolveAccessKey(key_id);
    if (!resolved.ok()) {
      return Refused(state, "SigV4", key_id, "unknown or inactive access key", InvalidSignature());
    }
    std::string expected = iam::KeyspacesSigV4Signature(
        key_id, resolved->second, iam_.region(), response->amz_date, nonce);
    if (expected.size() != response->signature.size() ||
        CRYPTO_memcmp(expected.data(), response->signature.data(), expected.size()) != 0) {
      return Refused(state, "SigV4", key_id, "signature does not match", InvalidSignature());
    }
    iam_.RecordAccessKeyUse(key_id, "cassandra", iam_.region());
    iam_.login_brake().RecordSuccess(key_id);
    return Success(state, resolved->first);
  }
  if (*token == kSigV4Start) {
    state.nonce = iam::NewSigV4Nonce();
    SaslStep step;
    step.kind = SaslStep::Kind::kChallenge;
    step.token = "nonce=" + state.nonce;
    return step;
  }
  // SASL PLAIN: [authzid] \0 authcid \0 password.
  const std::string& t = *token;
  size_t first = t.find('\0');
  size_t second = first == std::string::npos ? std::string::npos : t.find('\0', first + 1);
  if (second == std::string::npos) {
    return Refused(state, "PLAIN", "", "malformed SASL PLAIN token",
                   Status(ErrorCode::kBadCredentials,
                          "Authentication failure: malformed SASL PLAIN token"));
  }
  std::string user = t.substr(first + 1, second - first - 1);
  std::string password = t.substr(second + 1);
  auto principal = iam_.AuthenticateServicePassword(user, password);
  if (!principal.ok()) {
    return Refused(state, "PLAIN", user, "unknown user name or wrong password",
                   principal.status());
  }
  iam_.login_brake().RecordSuccess(user);
  return Success(state, *principal);
}

SaslStep CqlAuthenticator::Refused(const SaslState& state, std::string_view method,
                                   std::string_view name, std::string_view reason,
                                   Status error) const {
  // Every refusal is counted, malformed ones included: a guesser must not get a free, fast
  // channel by sending garbage.
  const auto delay =
      iam_.login_brake().RecordFailure(state.origin.source_ip, name, iam::BrakeClockMillis());
  spdlog::warn("CQL: failed login ({}) for '{}' from {}: {}; answered after {} ms", method,
               Utf8Prefix(name, kMaxLoggedName), state.origin.source_ip, reason, delay.count());
  SaslStep step = Failure(std::move(error));
  step.delay = delay;
  return step;
}

SaslStep CqlAuthenticator::Success(const SaslState& state, iam::Principal principal) const {
  Status allowed = CqlAuthorizer::AuthorizeLogin(iam_, principal, state.origin);
  if (!allowed.ok()) {
    // The credentials were right: nothing was guessed, so no brake; but it is a failed login.
    spdlog::warn("CQL: login of {} from {} refused by its policies", principal.arn,
                 state.origin.source_ip);
    return Failure(allowed);
  }
  SaslStep step;
  step.kind = SaslStep::Kind::kSuccess;
  step.principal = std::move(principal);
  return step;
}

}  // namespace sibyl::server
