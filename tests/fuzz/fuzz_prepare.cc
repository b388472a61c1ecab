// libFuzzer target: the full path of a statement's text through a QueryProcessor over a real
// RocksDB engine with a schema of every type: parse, bind to the schema, validate (PREPARE),
// and run it (QUERY) when it only reads (SELECT, DESCRIBE, USE), then encode the RESULT body.
// Writes are not run, so the database does not grow with the inputs. Input: the text.
// Properties: no crash or exception; errors are ones a client can cause (SyntaxError, Invalid,
// ...: never SERVER_ERROR) with a valid UTF-8 message that fits a [string]; results encode.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/utf8.h"
#include "cql/parser/parser.h"
#include "cql/protocol/codec.h"
#include "fuzz/fuzz_util.h"
#include "query/processor.h"
#include "storage/rocksdb_engine.h"

using namespace sibyl;
namespace protocol = cql::protocol;

namespace {

// Keyspaces and tables of many types (tests/golden/types.cql and more), a few rows in each.
constexpr const char* kSchema[] = {
    "CREATE KEYSPACE ks1 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE KEYSPACE ks2 WITH replication = {'class': 'NetworkTopologyStrategy', "
    "'datacenter1': 1} AND durable_writes = true",
    "CREATE TABLE ks1.t (k int PRIMARY KEY, a ascii, b bigint, bl blob, bo boolean, d date, "
    "de decimal, do double, du duration, f float, i inet, s smallint, te text, ti time, "
    "ts timestamp, tu timeuuid, ty tinyint, u uuid, vi varint)",
    "CREATE TABLE ks1.c (p int, q text, c1 bigint, c2 frozen<list<int>>, c3 timeuuid, v text, "
    "st int static, PRIMARY KEY ((p, q), c1, c2, c3)) WITH CLUSTERING ORDER BY (c1 DESC, c2 ASC, "
    "c3 DESC) AND comment = 'clustered'",
    "CREATE TABLE ks1.coll (k uuid PRIMARY KEY, l frozen<list<text>>, s frozen<set<int>>, "
    "m frozen<map<text, bigint>>, fl frozen<list<frozen<map<int, text>>>>, "
    "t tuple<int, text, blob>, n frozen<map<int, frozen<set<inet>>>>)",
    "CREATE TABLE ks2.keyed (k1 frozen<tuple<int, text>>, k2 varint, c decimal, c4 date, "
    "v frozen<map<int, frozen<set<inet>>>>, PRIMARY KEY ((k1, k2), c, c4)) "
    "WITH default_time_to_live = 0",
    "INSERT INTO ks1.t (k, a, b, bl, bo, d, de, do, du, f, i, s, te, ti, ts, tu, ty, u, vi) "
    "VALUES (1, 'ascii', -9223372036854775808, 0xcafe, true, '2020-02-29', 123.456, 1.5e10, "
    "1h30m, 3.25, '192.168.0.1', -32768, 'ünïcode', '13:45:59.123456789', "
    "'2020-01-02 03:04:05.678+0000', 50554d6e-29bb-11e5-b345-feff819cdc9f, 127, "
    "123e4567-e89b-12d3-a456-426655440000, 123456789012345678901234567890)",
    "INSERT INTO ks1.t (k, te) VALUES (2, 'two') USING TTL 86400",
    "INSERT INTO ks1.c (p, q, c1, c2, c3, v) VALUES (1, 'a', 11, ?, "
    "50554d6e-29bb-11e5-b345-feff819cdc9f, 'y')",
    "INSERT INTO ks1.c (p, q, c1, c2, c3, v, st) VALUES (1, 'a', 10, ?, "
    "50554d6e-29bb-11e5-b345-feff819cdc9f, 'x', 7)",
    "INSERT INTO ks1.coll (k, l, s, m, fl, t, n) VALUES (123e4567-e89b-12d3-a456-426655440000, "
    "?, ?, ?, ?, ?, ?)",
    "INSERT INTO ks2.keyed (k1, k2, c, c4, v) VALUES (?, 12345678901234567890, 1.5, '2021-01-01', "
    "?)",
};

// Serializations (native_protocol_v4.spec §6) for the collection and tuple values above, which
// Sibyl takes only as bound values.
std::string Int(int32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(static_cast<uint32_t>(v) >> (24 - 8 * i));
  return out;
}
std::string Element(const std::string& bytes) { return Int(static_cast<int32_t>(bytes.size())) + bytes; }
std::string Collection(const std::vector<std::string>& elements) {
  std::string out = Int(static_cast<int32_t>(elements.size()));
  for (const auto& e : elements) out += Element(e);
  return out;
}
// A map of n entries: n, then key and value of each.
std::string Map(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = Int(static_cast<int32_t>(entries.size()));
  for (const auto& [k, v] : entries) out += Element(k) + Element(v);
  return out;
}
std::string Tuple(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += Element(f);
  return out;
}

// The bound values of the schema statements with markers, in order of appearance.
std::vector<std::vector<std::string>> SchemaValues() {
  const std::string inet4 = std::string("\x7f\x00\x00\x01", 4);
  return {
      {Collection({})},
      {Collection({Int(1), Int(2)})},
      {Collection({"a", "b"}), Collection({Int(1), Int(2)}),
       Map({{"x", std::string("\0\0\0\0\0\0\0\x01", 8)}}), Collection({Map({{Int(1), "one"}})}),
       Tuple({Int(1), "two", "\x03"}), Map({{Int(1), Collection({inet4})}})},
      {Tuple({Int(1), "a"}), Map({{Int(2), Collection({inet4})}})},
  };
}

// Inputs between processor restarts: the prepared-statement cache keeps every distinct text.
constexpr int kInputsPerProcessor = 5000;

struct Harness {
  std::unique_ptr<storage::Engine> engine;
  std::unique_ptr<query::QueryProcessor> processor;
  int inputs = 0;

  void OpenProcessor() {
    processor.reset();
    auto p = query::OpenQueryProcessor(*engine, query::NodeInfo{});
    if (!p.ok()) std::abort();
    processor = std::move(*p);
  }
};

Harness& GetHarness() {
  static Harness* h = [] {
    auto* h = new Harness;
    storage::RocksDbOptions options;
    options.path = (fuzz::ScratchDir("prepare") / "db").string();
    options.durability = storage::Durability::kPeriodic;
    options.block_cache_bytes = 8 << 20;
    auto engine = storage::OpenRocksDbEngine(options);
    if (!engine.ok()) std::abort();
    h->engine = std::move(*engine);
    h->OpenProcessor();
    query::Session session;
    const auto values = SchemaValues();
    size_t next_values = 0;
    for (const char* statement : kSchema) {
      protocol::QueryParameters params;
      if (std::string_view(statement).find('?') != std::string_view::npos) {
        for (const auto& v : values.at(next_values++)) {
          params.values.push_back(protocol::BoundValue::Of(v));
        }
      }
      auto r = h->processor->Query(session, statement, params);
      if (!r.ok()) {
        fprintf(stderr, "schema statement failed: %s\n%s\n", statement,
                r.status().ToString().c_str());
        std::abort();
      }
    }
    return h;
  }();
  return *h;
}

void CheckError(const Status& s) {
  switch (s.code()) {
    case ErrorCode::kSyntaxError:
    case ErrorCode::kInvalid:
    case ErrorCode::kConfigError:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kUnauthorized:
    case ErrorCode::kProtocolError:
    case ErrorCode::kReadTimeout:
    // Constant arithmetic is folded at PREPARE, as in Cassandra (FunctionCall.Raw.prepare):
    // `VALUES (1, 1/0)` fails there with FUNCTION_FAILURE "the operation 'int / int' failed".
    case ErrorCode::kFunctionFailure:
      break;
    default:
      fprintf(stderr, "unexpected error: %s\n", s.ToString().c_str());
      std::abort();
  }
  if (!IsValidUtf8(s.message()) || s.message().size() > 65535) std::abort();
}

void CheckResult(const Result<protocol::ResultMessage>& result) {
  if (!result.ok()) return CheckError(result.status());
  auto body = protocol::EncodeResult(*result, protocol::kMaxVersion);
  if (!body.ok()) CheckError(body.status());
}

bool ReadOnly(const cql::parser::Statement& statement) {
  return std::holds_alternative<cql::parser::SelectStatement>(statement.body) ||
         std::holds_alternative<cql::parser::DescribeStatement>(statement.body) ||
         std::holds_alternative<cql::parser::UseStatement>(statement.body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& h = GetHarness();
  if (++h.inputs % kInputsPerProcessor == 0) h.OpenProcessor();
  std::string_view text = fuzz::AsView(data, size);

  query::Session session;
  session.keyspace = "ks1";
  CheckResult(h.processor->Prepare(session, text));

  auto statement = cql::parser::ParseStatement(text);
  if (statement.ok() && ReadOnly(**statement)) {
    protocol::QueryParameters params;
    params.page_size = 50;
    CheckResult(h.processor->Query(session, text, params));
  }
  return 0;
}
