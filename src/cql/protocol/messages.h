#pragma once
// The messages of the CQL native protocol (native_protocol_v4.spec §4) as plain structs: what a
// request body decodes to and what a response body is encoded from. No I/O, no tables: the
// codec (codec.h) turns bytes into these and back; query/ fills the results.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cql/types/type.h"
#include "cql/types/value.h"

namespace sibyl::cql::protocol {

// DO NOT CHANGE: wire values (§2.4).
enum class Opcode : uint8_t {
  kError = 0x00,
  kStartup = 0x01,
  kReady = 0x02,
  kAuthenticate = 0x03,
  kOptions = 0x05,
  kSupported = 0x06,
  kQuery = 0x07,
  kResult = 0x08,
  kPrepare = 0x09,
  kExecute = 0x0A,
  kRegister = 0x0B,
  kEvent = 0x0C,
  kBatch = 0x0D,
  kAuthChallenge = 0x0E,
  kAuthResponse = 0x0F,
  kAuthSuccess = 0x10,
};

// DO NOT CHANGE: wire values (§3 [consistency]).
enum class Consistency : uint16_t {
  kAny = 0x0000,
  kOne = 0x0001,
  kTwo = 0x0002,
  kThree = 0x0003,
  kQuorum = 0x0004,
  kAll = 0x0005,
  kLocalQuorum = 0x0006,
  kEachQuorum = 0x0007,
  kSerial = 0x0008,
  kLocalSerial = 0x0009,
  kLocalOne = 0x000A,
};

// A bound value: [value] of §3 — bytes, null (length -1) or unset (length -2, v4+).
struct BoundValue {
  enum class Kind : uint8_t { kValue, kNull, kUnset };
  Kind kind = Kind::kNull;
  std::string bytes;

  static BoundValue Of(std::string b) { return {Kind::kValue, std::move(b)}; }
  static BoundValue Null() { return {Kind::kNull, {}}; }
  static BoundValue Unset() { return {Kind::kUnset, {}}; }
};

// <query_parameters> of QUERY and EXECUTE (§4.1.4).
struct QueryParameters {
  Consistency consistency = Consistency::kOne;
  std::vector<BoundValue> values;
  std::vector<std::string> value_names;  // non-empty when the values were named
  bool skip_metadata = false;
  int32_t page_size = -1;  // <= 0: no paging
  std::optional<std::string> paging_state;
  std::optional<Consistency> serial_consistency;
  std::optional<int64_t> default_timestamp;  // microseconds
};

// ---- Requests -----------------------------------------------------------------------------

struct StartupRequest {
  std::map<std::string, std::string> options;  // CQL_VERSION, COMPRESSION, DRIVER_NAME...
};
struct OptionsRequest {};
struct QueryRequest {
  std::string query;
  QueryParameters params;
};
struct PrepareRequest {
  std::string query;
  std::optional<std::string> keyspace;  // v5 only
};
struct ExecuteRequest {
  std::string id;
  QueryParameters params;
};
struct BatchRequest {
  enum class Type : uint8_t { kLogged = 0, kUnlogged = 1, kCounter = 2 };
  struct Entry {
    bool prepared = false;
    std::string query_or_id;
    std::vector<BoundValue> values;
  };
  Type type = Type::kLogged;
  std::vector<Entry> entries;
  Consistency consistency = Consistency::kOne;
  std::optional<Consistency> serial_consistency;
  std::optional<int64_t> default_timestamp;
};
struct RegisterRequest {
  std::vector<std::string> event_types;  // TOPOLOGY_CHANGE, STATUS_CHANGE, SCHEMA_CHANGE
};
struct AuthResponseRequest {
  std::optional<std::string> token;
};

using Request = std::variant<StartupRequest, OptionsRequest, QueryRequest, PrepareRequest,
                             ExecuteRequest, BatchRequest, RegisterRequest, AuthResponseRequest>;

// ---- Results (RESULT bodies, §4.2.5) ------------------------------------------------------------

struct ColumnSpec {
  std::string keyspace;
  std::string table;
  std::string name;
  types::Type type;
};

struct RowsMetadata {
  std::vector<ColumnSpec> columns;
  std::optional<std::string> paging_state;  // Has_more_pages when set
  bool no_metadata = false;                 // SKIP_METADATA was asked: send only the count
};

struct VoidResult {};
struct RowsResult {
  RowsMetadata metadata;
  std::vector<std::vector<types::Value>> rows;
};
struct SetKeyspaceResult {
  std::string keyspace;
};
struct PreparedResult {
  std::string id;
  RowsMetadata bind_metadata;              // the bind markers, named by receiver column
  std::vector<uint16_t> partition_key_indexes;  // v4: bind marker index of each pk column
  RowsMetadata result_metadata;            // no_metadata for non-SELECT
};
// Also the body of a SCHEMA_CHANGE event.
struct SchemaChangeResult {
  std::string change_type;  // CREATED, UPDATED, DROPPED
  std::string target;       // KEYSPACE, TABLE, TYPE, FUNCTION, AGGREGATE
  std::string keyspace;
  std::string name;                     // table/type/function name; empty for KEYSPACE
  std::vector<std::string> arg_types;   // FUNCTION/AGGREGATE
};

using ResultMessage =
    std::variant<VoidResult, RowsResult, SetKeyspaceResult, PreparedResult, SchemaChangeResult>;

}  // namespace sibyl::cql::protocol
