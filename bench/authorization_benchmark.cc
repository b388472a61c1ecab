// What authorising a CQL statement costs: the permissions of a parsed statement, then the
// principal's decision through CqlAuthorizer, cached (the steady state of a connection) and
// uncached (the first statement after a policy change), with a policy set of realistic size
// (inline policies with conditions, a managed policy and a group), and what a prepared statement
// the connection was allowed before costs (query/allowed_statements.h). Run:
// build/bench/authorization_benchmark
#include <benchmark/benchmark.h>

#include "bench_iam.h"
#include "cql/parser/parser.h"
#include "iam/iam_service.h"
#include "query/permissions.h"
#include "server/cql_authorizer.h"

namespace {

using namespace sibyl;

struct Fixture : bench::BenchIam {
  Fixture() : BenchIam("sibyl-authz-bench") {
    (void)svc->CreateUser("bench", "/");
    (void)svc->PutInlinePolicy(iam::EntityKind::kUser, "bench", "tables", R"({
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": ["cassandra:Select", "cassandra:Modify"],
         "Resource": "arn:aws:cassandra:*:*:/keyspace/bench/table/*"},
        {"Effect": "Allow", "Action": "cassandra:Select",
         "Resource": "arn:aws:cassandra:*:*:/keyspace/system*"},
        {"Effect": "Deny", "Action": "cassandra:Drop", "Resource": "*"},
        {"Effect": "Deny", "Action": "cassandra:Modify", "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "10.0.0.0/8"]}}}
      ]})");
    (void)svc->CreateGroup("team", "/");
    (void)svc->AddUserToGroup("team", "bench");
    (void)svc->AttachPolicy(iam::EntityKind::kGroup, "team",
                            "arn:aws:iam::aws:policy/IAMReadOnlyAccess");
    iam::User user = *svc->GetUser("bench");
    principal = iam::Principal{user.name, user.id, svc->UserArn(user)};
    authorizer = std::make_shared<server::CqlAuthorizer>(*svc, principal,
                                                         server::ConnectionOrigin{"127.0.0.1", false});
    statement = *cql::parser::ParseStatement("SELECT v FROM bench.kv WHERE k = ?");
  }
  ~Fixture() { authorizer.reset(); }
  iam::Principal principal;
  std::shared_ptr<server::CqlAuthorizer> authorizer;
  std::shared_ptr<const cql::parser::Statement> statement;
  schema::SchemaSnapshot snapshot;
};

Fixture& Get() {
  static Fixture f;
  return f;
}

// A statement on a connection whose decision is cached: what nearly every statement pays.
void BM_AuthorizeStatementCached(benchmark::State& state) {
  Fixture& f = Get();
  query::Session session{"", f.authorizer};
  for (auto _ : state) {
    Status s = query::AuthorizeStatement(*f.statement, session, f.snapshot);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_AuthorizeStatementCached);

// An EXECUTE of a prepared statement this connection was allowed before (issue 14): the decision
// epoch and the connection's memo of allowed statements, no permissions built.
void BM_AuthorizeRememberedPrepared(benchmark::State& state) {
  Fixture& f = Get();
  auto snapshot = std::make_shared<const schema::SchemaSnapshot>();
  const uint64_t epoch = *f.authorizer->DecisionEpoch();
  f.authorizer->allowed_statements().Add(f.statement, snapshot, epoch);
  for (auto _ : state) {
    const std::optional<uint64_t> now = f.authorizer->DecisionEpoch();
    bool allowed = now && f.authorizer->allowed_statements().Contains(f.statement.get(),
                                                                       snapshot.get(), *now);
    benchmark::DoNotOptimize(allowed);
  }
}
BENCHMARK(BM_AuthorizeRememberedPrepared);

// The full policy evaluation (user, group and managed policies) with no cache.
void BM_EvaluatePolicies(benchmark::State& state) {
  Fixture& f = Get();
  query::Permission p{"cassandra:Modify", "bench", "kv", {}, {}, {}};
  for (auto _ : state) {
    iam::RequestContext context =
        server::CqlAuthorizer::Context(*f.svc, p, server::ConnectionOrigin{"127.0.0.1", false});
    benchmark::DoNotOptimize(f.svc->Authorize(f.principal, context));
  }
}
BENCHMARK(BM_EvaluatePolicies);

}  // namespace

BENCHMARK_MAIN();
