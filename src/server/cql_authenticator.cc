#include "server/cql_authenticator.h"

#include <openssl/crypto.h>

#include "iam/keyspaces_sigv4.h"

namespace sibyl::server {
namespace {

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
  if (!token) return Failure(Status(ErrorCode::kBadCredentials, "Missing SASL token"));
  if (!state.nonce.empty()) {
    // Second step of the SigV4 exchange: the nonce is consumed whatever the outcome.
    std::string nonce = std::move(state.nonce);
    state.nonce.clear();
    auto response = iam::ParseKeyspacesSigV4Response(*token);
    if (!response.ok()) return Failure(InvalidSignature());
    int64_t signed_at = iam::ParseKeyspacesAmzDate(response->amz_date);
    if (signed_at < 0 || signed_at < now_seconds - max_skew_seconds_ ||
        signed_at > now_seconds + max_skew_seconds_) {
      return Failure(InvalidSignature());
    }
    auto resolved = iam_.ResolveAccessKey(response->access_key_id);
    if (!resolved.ok()) return Failure(InvalidSignature());
    std::string expected = iam::KeyspacesSigV4Signature(
        response->access_key_id, resolved->second, iam_.region(), response->amz_date, nonce);
    if (expected.size() != response->signature.size() ||
        CRYPTO_memcmp(expected.data(), response->signature.data(), expected.size()) != 0) {
      return Failure(InvalidSignature());
    }
    iam_.RecordAccessKeyUse(response->access_key_id, "cassandra", iam_.region());
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
    return Failure(Status(ErrorCode::kBadCredentials, "Authentication failure: malformed SASL PLAIN token"));
  }
  std::string user = t.substr(first + 1, second - first - 1);
  std::string password = t.substr(second + 1);
  auto principal = iam_.AuthenticateServicePassword(user, password);
  if (!principal.ok()) return Failure(principal.status());
  return Success(state, *principal);
}

SaslStep CqlAuthenticator::Success(const SaslState& state, iam::Principal principal) const {
  Status allowed = CqlAuthorizer::AuthorizeLogin(iam_, principal, state.origin);
  if (!allowed.ok()) return Failure(allowed);
  SaslStep step;
  step.kind = SaslStep::Kind::kSuccess;
  step.principal = std::move(principal);
  return step;
}

}  // namespace sibyl::server
