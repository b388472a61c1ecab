// How much a CQL login costs the server: the SASL PLAIN check of a service-specific credential
// (keyed BLAKE2b) and the Keyspaces SigV4 check (HMAC chain), through CqlAuthenticator as a
// connection runs it. Run: build/bench/login_benchmark
#include <benchmark/benchmark.h>

#include "bench_iam.h"
#include "common/clock.h"
#include "iam/iam_service.h"
#include "iam/keyspaces_sigv4.h"
#include "server/cql_authenticator.h"

namespace {

using namespace sibyl;

struct Fixture : bench::BenchIam {
  Fixture() : BenchIam("sibyl-login-bench") {
    (void)svc->CreateUser("bench", "/");
    // A login needs cassandra:Select on the system keyspace.
    (void)svc->AttachPolicy(iam::EntityKind::kUser, "bench",
                            "arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess");
    auto created = *svc->CreateServiceSpecificCredential("bench", iam::kCassandraService);
    user = created.credential.service_user_name;
    password = created.password;
    auth = std::make_unique<server::CqlAuthenticator>(
        *svc, "org.apache.cassandra.auth.PasswordAuthenticator");
  }
  ~Fixture() { auth.reset(); }
  std::unique_ptr<server::CqlAuthenticator> auth;
  std::string user, password;
};

Fixture& Get() {
  static Fixture f;
  return f;
}

void BM_PlainLogin(benchmark::State& state) {
  Fixture& f = Get();
  std::string token = std::string("\0", 1) + f.user + std::string("\0", 1) + f.password;
  for (auto _ : state) {
    server::SaslState sasl;
    auto step = f.auth->Evaluate(sasl, token, NowSeconds());
    if (step.kind != server::SaslStep::Kind::kSuccess) state.SkipWithError("login failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PlainLogin)->ThreadRange(1, 2)->UseRealTime();

void BM_SigV4Login(benchmark::State& state) {
  Fixture& f = Get();
  const std::string start("SigV4\0\0", 7);
  for (auto _ : state) {
    server::SaslState sasl;
    auto challenge = f.auth->Evaluate(sasl, start, NowSeconds());
    std::string nonce = challenge.token.substr(6);
    std::string amzdate = "2026-01-01T00:00:00.000Z";
    std::string sig = iam::KeyspacesSigV4Signature("AKIABENCHROOT0000001", "bench-secret",
                                                   "us-east-1", amzdate, nonce);
    auto step = f.auth->Evaluate(
        sasl, "signature=" + sig + ",access_key=AKIABENCHROOT0000001,amzdate=" + amzdate,
        1767225600);
    if (step.kind != server::SaslStep::Kind::kSuccess) state.SkipWithError("login failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SigV4Login)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
