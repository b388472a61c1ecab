#pragma once
// Message codecs of the CQL native protocol v3/v4 (native_protocol_v4.spec §4): request bodies to
// the structs of messages.h, and response structs (or a Status) to bodies and whole frames.
// Pure functions; thread-safe. Returned strings own their bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "cql/protocol/compression.h"
#include "cql/protocol/frame.h"
#include "cql/protocol/messages.h"
#include "cql/protocol/wire.h"

namespace sibyl::cql::protocol {

// DO NOT CHANGE: wire values of <query_parameters> flags (§4.1.4), one byte in v3/v4.
enum class QueryFlag : uint8_t {
  kValues = 0x01,
  kSkipMetadata = 0x02,
  kPageSize = 0x04,
  kPagingState = 0x08,
  kSerialConsistency = 0x10,
  kDefaultTimestamp = 0x20,
  kNamesForValues = 0x40,
};

// DO NOT CHANGE: wire values of RESULT kinds (§4.2.5) and Rows metadata flags (§4.2.5.2).
enum class ResultKind : int32_t {
  kVoid = 0x0001,
  kRows = 0x0002,
  kSetKeyspace = 0x0003,
  kPrepared = 0x0004,
  kSchemaChange = 0x0005,
};
inline constexpr int32_t kRowsFlagGlobalTablesSpec = 0x0001;
inline constexpr int32_t kRowsFlagHasMorePages = 0x0002;
inline constexpr int32_t kRowsFlagNoMetadata = 0x0004;

// Name of an opcode as Cassandra writes it in messages ("QUERY"); "0x42" for unknown ones.
std::string OpcodeName(uint8_t opcode);

// Explicit limits of the body decoders (issue 9, item 5): a count is checked against its limit
// and against the bytes left in the body before anything is allocated for it, so decoding costs
// memory in proportion to the body (at most ~10x, for null values), never to declared counts.
// Bound values of one QUERY or EXECUTE: the [short] count allows no more.
inline constexpr size_t kMaxValuesPerRequest = 65535;
// Statements of one BATCH: the [short] count allows no more.
inline constexpr size_t kMaxBatchStatements = 65535;
// Bound values of all the statements of one BATCH together. Cassandra's default
// batch_size_fail_threshold (50 KiB of mutations) refuses far smaller batches.
inline constexpr size_t kMaxBatchValues = 262144;

// Decodes the body of a request frame. `flags` are the frame flags: with kCustomPayload the body
// starts with a [bytes map] that is skipped. Errors: kProtocolError for a truncated or invalid
// body, or an opcode that is not a request (ERROR, READY, RESULT...); kInvalid for a count over
// the limits above. Trailing bytes are ignored, as Cassandra does. The returned Request owns its
// bytes. A pure function of its arguments (a fuzzing entry point).
Result<Request> DecodeRequest(Opcode opcode, uint8_t version, std::string_view body,
                              uint8_t flags = 0);

// <query_parameters> alone (after the query string or id of QUERY/EXECUTE).
Status DecodeQueryParameters(Reader& reader, uint8_t version, QueryParameters* out);

// ---- Request encoders (for tests and tools; the server never sends requests) ----------------
std::string EncodeQueryParameters(const QueryParameters& params, uint8_t version);
std::string EncodeRequest(const Request& request, uint8_t version);
Opcode RequestOpcode(const Request& request);

// ---- Response bodies ------------------------------------------------------------------------

// ERROR body of a non-OK Status: [int] CqlWireCode(code), [string] message (sanitized UTF-8, cut
// at a character boundary to 65,535 bytes), then the extra fields
// of the code (§9) from status.detail() (zeros/empty when the Status carries no detail, so the
// body stays parseable). Before v4, Read/WriteFailure are sent as Read/WriteTimeout and
// FunctionFailure as Invalid, as Cassandra does. REQUIRES: !status.ok().
std::string EncodeError(const Status& status, uint8_t version);
std::string EncodeReady();  // empty body
std::string EncodeAuthenticate(std::string_view authenticator_class);
// SUPPORTED: CQL_VERSION ["3.4.5"], COMPRESSION ["lz4","snappy"], PROTOCOL_VERSIONS
// ["3/v3","4/v4"].
std::string EncodeSupported();
StringMultimap SupportedOptions();
// The RESULT body, or the error to send instead when it cannot be encoded faithfully (issue 9): a
// name that is not a valid [string] once sanitized (over 65,535 bytes: kInvalid), a count over
// its field, a row whose cell count differs from the column count (kInternal). See Writer.
Result<std::string> EncodeResult(const ResultMessage& result, uint8_t version);
// EVENT body of a SCHEMA_CHANGE: [string] "SCHEMA_CHANGE" then the change (v3+ layout). Errors
// as EncodeResult.
Result<std::string> EncodeSchemaChangeEvent(const SchemaChangeResult& change);
std::string EncodeAuthChallenge(std::optional<std::string_view> token);
std::string EncodeAuthSuccess(std::optional<std::string_view> token);

// The Rows metadata block alone (§4.2.5.2).
void EncodeRowsMetadata(const RowsMetadata& metadata, uint8_t version, Writer& writer);

// ---- Frames ---------------------------------------------------------------------------------

// The largest response body: what lz4 can compress (LZ4_MAX_INPUT_SIZE), under the [int] body
// length's 2^31-1.
inline constexpr size_t kMaxResponseBodySize = 0x7E000000;

// A whole response frame: the header (direction bit set, `version` as given: use the request's
// version, or ResponseVersionFor() for a version error) and `body`, compressed with
// `compression` (the compression flag is set when it is not kNone). A body over
// kMaxResponseBodySize becomes an ERROR frame (kInvalid) instead.
std::string EncodeResponseFrame(uint8_t version, int16_t stream, Opcode opcode,
                                std::string_view body, Compression compression = Compression::kNone);

// The RESULT frame of `result`, uncompressed: as EncodeResponseFrame(version, stream, kResult,
// EncodeResult(result)), but with the body encoded in place after the header, so that a result
// costs one allocation and no copy of its body (issue 14). Errors as EncodeResult.
Result<std::string> EncodeResultFrame(uint8_t version, int16_t stream, const ResultMessage& result);

// The one function that turns a Status into an ERROR frame (STYLE.md §3).
std::string EncodeErrorFrame(uint8_t version, int16_t stream, const Status& status,
                             Compression compression = Compression::kNone);

// A request frame (for tests and tools).
std::string EncodeRequestFrame(uint8_t version, int16_t stream, const Request& request,
                               Compression compression = Compression::kNone);

}  // namespace sibyl::cql::protocol
