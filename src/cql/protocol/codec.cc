#include "cql/protocol/codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <type_traits>

namespace sibyl::cql::protocol {
namespace {

bool Has(uint8_t flags, QueryFlag flag) { return (flags & static_cast<uint8_t>(flag)) != 0; }

// Refuses a declared count of items that cannot fit in the rest of the body (each item takes at
// least `min_size` bytes), before anything is allocated for them.
Status CheckCount(const Reader& reader, size_t count, size_t min_size, std::string_view what) {
  if (count * min_size <= reader.remaining()) return Status::OK();
  return ProtocolError(fmt::format("Not enough bytes to read {} {} (need at least {}, have {})",
                                   count, what, count * min_size, reader.remaining()));
}

// Cassandra 4.1 QueryOptions.Codec.decode: Long.MIN_VALUE means "no timestamp" inside Cassandra,
// so a client's default timestamp may not be it (issue 10 item 14).
Status CheckDefaultTimestamp(int64_t timestamp) {
  if (timestamp != INT64_MIN) return Status::OK();
  return ProtocolError(fmt::format("Out of bound timestamp, must be in [{}, {}] (got {})",
                                   INT64_MIN + 1, INT64_MAX, timestamp));
}

Status DecodeStartup(Reader& reader, Request* out) {
  StartupRequest request;
  RETURN_IF_ERROR(reader.ReadStringMap(&request.options));
  *out = std::move(request);
  return Status::OK();
}

Status DecodeQuery(Reader& reader, uint8_t version, Request* out) {
  QueryRequest request;
  std::string_view query;
  RETURN_IF_ERROR(reader.ReadLongString(&query));
  request.query = std::string(query);
  RETURN_IF_ERROR(DecodeQueryParameters(reader, version, &request.params));
  *out = std::move(request);
  return Status::OK();
}

Status DecodePrepare(Reader& reader, Request* out) {
  PrepareRequest request;
  std::string_view query;
  RETURN_IF_ERROR(reader.ReadLongString(&query));
  request.query = std::string(query);
  *out = std::move(request);
  return Status::OK();
}

Status DecodeExecute(Reader& reader, uint8_t version, Request* out) {
  ExecuteRequest request;
  std::string_view id;
  RETURN_IF_ERROR(reader.ReadShortBytes(&id));
  request.id = std::string(id);
  RETURN_IF_ERROR(DecodeQueryParameters(reader, version, &request.params));
  *out = std::move(request);
  return Status::OK();
}

// §4.1.7 BATCH.
Status DecodeBatch(Reader& reader, uint8_t version, Request* out) {
  BatchRequest request;
  uint8_t type;
  RETURN_IF_ERROR(reader.ReadByte(&type));
  if (type > static_cast<uint8_t>(BatchRequest::Type::kCounter)) {
    return ProtocolError(fmt::format("Unknown BATCH type {}", type));
  }
  request.type = static_cast<BatchRequest::Type>(type);
  uint16_t n;
  RETURN_IF_ERROR(reader.ReadShort(&n));
  if (n > kMaxBatchStatements) {
    return InvalidRequest(fmt::format("Too many statements in BATCH: {} (the limit is {})", n,
                                      kMaxBatchStatements));
  }
  // Room for the statements the body can hold (5 bytes each at least: kind, an empty id, a
  // value count), not for what it declares.
  request.entries.reserve(std::min<size_t>(n, reader.remaining() / 5));
  size_t total_values = 0;
  for (uint16_t i = 0; i < n; ++i) {
    BatchRequest::Entry entry;
    uint8_t kind;
    RETURN_IF_ERROR(reader.ReadByte(&kind));
    std::string_view query_or_id;
    if (kind == 0) {
      RETURN_IF_ERROR(reader.ReadLongString(&query_or_id));
    } else if (kind == 1) {
      entry.prepared = true;
      RETURN_IF_ERROR(reader.ReadShortBytes(&query_or_id));
    } else {
      return ProtocolError(fmt::format(
          "Invalid query kind in BATCH messages. Must be 0 or 1 but got {}", kind));
    }
    entry.query_or_id = std::string(query_or_id);
    uint16_t value_count;
    RETURN_IF_ERROR(reader.ReadShort(&value_count));
    total_values += value_count;
    if (total_values > kMaxBatchValues) {
      return InvalidRequest(
          fmt::format("Too many bound values in BATCH (the limit is {})", kMaxBatchValues));
    }
    RETURN_IF_ERROR(CheckCount(reader, value_count, 4, "bound values"));
    entry.values.resize(value_count);
    for (auto& value : entry.values) RETURN_IF_ERROR(reader.ReadValue(version, &value));
    request.entries.push_back(std::move(entry));
  }
  RETURN_IF_ERROR(reader.ReadConsistency(&request.consistency));
  uint8_t flags;
  RETURN_IF_ERROR(reader.ReadByte(&flags));
  if (Has(flags, QueryFlag::kNamesForValues)) {
    // The values precede the flags, so names could not have been read (Cassandra refuses too).
    return ProtocolError("Names for values are not supported in BATCH messages");
  }
  if (Has(flags, QueryFlag::kSerialConsistency)) {
    Consistency serial;
    RETURN_IF_ERROR(reader.ReadConsistency(&serial));
    request.serial_consistency = serial;
  }
  if (Has(flags, QueryFlag::kDefaultTimestamp)) {
    int64_t timestamp;
    RETURN_IF_ERROR(reader.ReadLong(&timestamp));
    RETURN_IF_ERROR(CheckDefaultTimestamp(timestamp));
    request.default_timestamp = timestamp;
  }
  *out = std::move(request);
  return Status::OK();
}

Status DecodeRegister(Reader& reader, Request* out) {
  RegisterRequest request;
  RETURN_IF_ERROR(reader.ReadStringList(&request.event_types));
  *out = std::move(request);
  return Status::OK();
}

Status DecodeAuthResponse(Reader& reader, Request* out) {
  AuthResponseRequest request;
  std::optional<std::string_view> token;
  RETURN_IF_ERROR(reader.ReadBytes(&token));
  if (token) request.token = std::string(*token);
  *out = std::move(request);
  return Status::OK();
}

// Request encoders send query text as given (tests send invalid UTF-8 on purpose).
void WriteRawLongString(Writer& writer, std::string_view text) {
  writer.WriteInt(static_cast<int32_t>(text.size()));
  writer.WriteRaw(text);
}

void EncodeColumnSpec(const ColumnSpec& column, bool global, uint8_t version, Writer& writer) {
  if (!global) {
    writer.WriteString(column.keyspace);
    writer.WriteString(column.table);
  }
  writer.WriteString(column.name);
  writer.WriteOption(column.type, version);
}

bool AllInSameTable(const std::vector<ColumnSpec>& columns) {
  if (columns.empty()) return false;
  for (const auto& column : columns) {
    if (column.keyspace != columns[0].keyspace || column.table != columns[0].table) return false;
  }
  return true;
}

void EncodeSchemaChange(const SchemaChangeResult& change, Writer& writer) {
  writer.WriteString(change.change_type);
  writer.WriteString(change.target);
  writer.WriteString(change.keyspace);
  if (change.target == "KEYSPACE") return;
  writer.WriteString(change.name);
  if (change.target == "FUNCTION" || change.target == "AGGREGATE") {
    writer.WriteStringList(change.arg_types);
  }
}

// FunctionFailureDetail keeps the argument types as one "int, text" string.
std::vector<std::string> SplitArgTypes(std::string_view text) {
  std::vector<std::string> out;
  int depth = 0;
  std::string current;
  for (char c : text) {
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
      continue;
    }
    if (c == ' ' && current.empty()) continue;
    current.push_back(c);
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

void EncodeRequestParams(const QueryParameters& params, uint8_t version, Writer& writer) {
  writer.WriteConsistency(params.consistency);
  uint8_t flags = 0;
  auto set = [&](QueryFlag f) { flags |= static_cast<uint8_t>(f); };
  if (!params.values.empty()) set(QueryFlag::kValues);
  if (!params.value_names.empty()) set(QueryFlag::kNamesForValues);
  if (params.skip_metadata) set(QueryFlag::kSkipMetadata);
  if (params.page_size > 0) set(QueryFlag::kPageSize);
  if (params.paging_state) set(QueryFlag::kPagingState);
  if (params.serial_consistency) set(QueryFlag::kSerialConsistency);
  if (params.default_timestamp) set(QueryFlag::kDefaultTimestamp);
  writer.WriteByte(flags);
  if (!params.values.empty()) {
    writer.WriteShort(static_cast<uint16_t>(params.values.size()));
    for (size_t i = 0; i < params.values.size(); ++i) {
      if (!params.value_names.empty()) writer.WriteString(params.value_names.at(i));
      writer.WriteValue(params.values[i]);
    }
  }
  if (params.page_size > 0) writer.WriteInt(params.page_size);
  if (params.paging_state) writer.WriteBytes(*params.paging_state);
  if (params.serial_consistency) writer.WriteConsistency(*params.serial_consistency);
  if (params.default_timestamp) writer.WriteLong(*params.default_timestamp);
}

}  // namespace

std::string OpcodeName(uint8_t opcode) {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::kError: return "ERROR";
    case Opcode::kStartup: return "STARTUP";
    case Opcode::kReady: return "READY";
    case Opcode::kAuthenticate: return "AUTHENTICATE";
    case Opcode::kOptions: return "OPTIONS";
    case Opcode::kSupported: return "SUPPORTED";
    case Opcode::kQuery: return "QUERY";
    case Opcode::kResult: return "RESULT";
    case Opcode::kPrepare: return "PREPARE";
    case Opcode::kExecute: return "EXECUTE";
    case Opcode::kRegister: return "REGISTER";
    case Opcode::kEvent: return "EVENT";
    case Opcode::kBatch: return "BATCH";
    case Opcode::kAuthChallenge: return "AUTH_CHALLENGE";
    case Opcode::kAuthResponse: return "AUTH_RESPONSE";
    case Opcode::kAuthSuccess: return "AUTH_SUCCESS";
  }
  return fmt::format("0x{:02x}", opcode);
}

Status DecodeQueryParameters(Reader& reader, uint8_t version, QueryParameters* out) {
  RETURN_IF_ERROR(reader.ReadConsistency(&out->consistency));
  uint8_t flags;
  RETURN_IF_ERROR(reader.ReadByte(&flags));
  if (Has(flags, QueryFlag::kValues)) {
    uint16_t n;
    RETURN_IF_ERROR(reader.ReadShort(&n));
    const bool named = Has(flags, QueryFlag::kNamesForValues);
    if (n > kMaxValuesPerRequest) {
      return InvalidRequest(fmt::format("Too many bound values: {} (the limit is {})", n,
                                        kMaxValuesPerRequest));
    }
    // A value takes at least its 4-byte length; a name at least its 2-byte length.
    RETURN_IF_ERROR(CheckCount(reader, n, named ? 6 : 4, "bound values"));
    out->values.resize(n);
    if (named) out->value_names.resize(n);
    for (uint16_t i = 0; i < n; ++i) {
      if (named) {
        std::string_view name;
        RETURN_IF_ERROR(reader.ReadString(&name));
        out->value_names[i] = std::string(name);
      }
      RETURN_IF_ERROR(reader.ReadValue(version, &out->values[i]));
    }
  }
  out->skip_metadata = Has(flags, QueryFlag::kSkipMetadata);
  if (Has(flags, QueryFlag::kPageSize)) RETURN_IF_ERROR(reader.ReadInt(&out->page_size));
  if (Has(flags, QueryFlag::kPagingState)) {
    std::optional<std::string_view> state;
    RETURN_IF_ERROR(reader.ReadBytes(&state));
    if (state) out->paging_state = std::string(*state);
  }
  if (Has(flags, QueryFlag::kSerialConsistency)) {
    Consistency serial;
    RETURN_IF_ERROR(reader.ReadConsistency(&serial));
    out->serial_consistency = serial;
  }
  if (Has(flags, QueryFlag::kDefaultTimestamp)) {
    int64_t timestamp;
    RETURN_IF_ERROR(reader.ReadLong(&timestamp));
    RETURN_IF_ERROR(CheckDefaultTimestamp(timestamp));
    out->default_timestamp = timestamp;
  }
  return Status::OK();
}

Result<Request> DecodeRequest(Opcode opcode, uint8_t version, std::string_view body,
                              uint8_t flags) {
  Reader reader(body);
  if (HasFlag(flags, FrameFlag::kCustomPayload)) {
    BytesMap payload;  // no custom payload handlers: read and drop (§2.2 flag 0x04)
    RETURN_IF_ERROR(reader.ReadBytesMap(&payload).WithContext("custom payload"));
  }
  Request request;
  Status status;
  switch (opcode) {
    case Opcode::kStartup: status = DecodeStartup(reader, &request); break;
    case Opcode::kOptions: request = OptionsRequest{}; break;
    case Opcode::kQuery: status = DecodeQuery(reader, version, &request); break;
    case Opcode::kPrepare: status = DecodePrepare(reader, &request); break;
    case Opcode::kExecute: status = DecodeExecute(reader, version, &request); break;
    case Opcode::kBatch: status = DecodeBatch(reader, version, &request); break;
    case Opcode::kRegister: status = DecodeRegister(reader, &request); break;
    case Opcode::kAuthResponse: status = DecodeAuthResponse(reader, &request); break;
    default:
      return ProtocolError(fmt::format("Unknown or invalid request opcode {}",
                                       OpcodeName(static_cast<uint8_t>(opcode))));
  }
  if (!status.ok()) {
    return status.WithContext(
        fmt::format("Invalid {} message", OpcodeName(static_cast<uint8_t>(opcode))));
  }
  return request;
}

Opcode RequestOpcode(const Request& request) {
  return std::visit(
      [](const auto& r) -> Opcode {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, StartupRequest>) return Opcode::kStartup;
        if constexpr (std::is_same_v<T, OptionsRequest>) return Opcode::kOptions;
        if constexpr (std::is_same_v<T, QueryRequest>) return Opcode::kQuery;
        if constexpr (std::is_same_v<T, PrepareRequest>) return Opcode::kPrepare;
        if constexpr (std::is_same_v<T, ExecuteRequest>) return Opcode::kExecute;
        if constexpr (std::is_same_v<T, BatchRequest>) return Opcode::kBatch;
        if constexpr (std::is_same_v<T, RegisterRequest>) return Opcode::kRegister;
        if constexpr (std::is_same_v<T, AuthResponseRequest>) return Opcode::kAuthResponse;
      },
      request);
}

std::string EncodeQueryParameters(const QueryParameters& params, uint8_t version) {
  std::string out;
  Writer writer(&out);
  EncodeRequestParams(params, version, writer);
  return out;
}

std::string EncodeRequest(const Request& request, uint8_t version) {
  std::string out;
  Writer writer(&out);
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, StartupRequest>) {
          writer.WriteStringMap(r.options);
        } else if constexpr (std::is_same_v<T, QueryRequest>) {
          WriteRawLongString(writer, r.query);
          EncodeRequestParams(r.params, version, writer);
        } else if constexpr (std::is_same_v<T, PrepareRequest>) {
          WriteRawLongString(writer, r.query);
        } else if constexpr (std::is_same_v<T, ExecuteRequest>) {
          writer.WriteShortBytes(r.id);
          EncodeRequestParams(r.params, version, writer);
        } else if constexpr (std::is_same_v<T, BatchRequest>) {
          writer.WriteByte(static_cast<uint8_t>(r.type));
          writer.WriteShort(static_cast<uint16_t>(r.entries.size()));
          for (const auto& entry : r.entries) {
            writer.WriteByte(entry.prepared ? 1 : 0);
            if (entry.prepared) {
              writer.WriteShortBytes(entry.query_or_id);
            } else {
              WriteRawLongString(writer, entry.query_or_id);
            }
            writer.WriteShort(static_cast<uint16_t>(entry.values.size()));
            for (const auto& value : entry.values) writer.WriteValue(value);
          }
          writer.WriteConsistency(r.consistency);
          uint8_t flags = 0;
          if (r.serial_consistency) flags |= static_cast<uint8_t>(QueryFlag::kSerialConsistency);
          if (r.default_timestamp) flags |= static_cast<uint8_t>(QueryFlag::kDefaultTimestamp);
          writer.WriteByte(flags);
          if (r.serial_consistency) writer.WriteConsistency(*r.serial_consistency);
          if (r.default_timestamp) writer.WriteLong(*r.default_timestamp);
        } else if constexpr (std::is_same_v<T, RegisterRequest>) {
          writer.WriteStringList(r.event_types);
        } else if constexpr (std::is_same_v<T, AuthResponseRequest>) {
          writer.WriteBytes(r.token ? std::optional<std::string_view>(*r.token) : std::nullopt);
        }
      },
      request);
  return out;
}

std::string EncodeError(const Status& status, uint8_t version) {
  std::string out;
  Writer writer(&out);
  int32_t code = CqlWireCode(status.code());
  const auto code_is = [&](ErrorCode c) { return code == static_cast<int32_t>(c); };
  // Cassandra ErrorMessage.encode: v3 has no Read/WriteFailure or FunctionFailure.
  if (version < 4) {
    if (code_is(ErrorCode::kReadFailure)) code = static_cast<int32_t>(ErrorCode::kReadTimeout);
    if (code_is(ErrorCode::kWriteFailure)) code = static_cast<int32_t>(ErrorCode::kWriteTimeout);
    if (code_is(ErrorCode::kFunctionFailure)) code = static_cast<int32_t>(ErrorCode::kInvalid);
  }
  writer.WriteInt(code);
  // issue 9: messages may quote client bytes; they are sanitized and cut at a character
  // boundary, never at byte 65,535 of a longer string.
  writer.WriteTruncatedString(status.message());

  const ErrorDetail& detail = status.detail();
  const auto* timeout = std::get_if<TimeoutDetail>(&detail);
  const TimeoutDetail no_timeout;
  const TimeoutDetail& t = timeout ? *timeout : no_timeout;
  // The detail has no failure count: every missing response is counted as a failure.
  const int32_t failures = std::max(0, t.block_for - t.received);
  if (code_is(ErrorCode::kUnavailable)) {
    const auto* u = std::get_if<UnavailableDetail>(&detail);
    const UnavailableDetail none;
    writer.WriteShort((u ? *u : none).consistency);
    writer.WriteInt((u ? *u : none).required);
    writer.WriteInt((u ? *u : none).alive);
  } else if (code_is(ErrorCode::kWriteTimeout)) {
    writer.WriteShort(t.consistency);
    writer.WriteInt(t.received);
    writer.WriteInt(t.block_for);
    writer.WriteTruncatedString(t.write_type.empty() ? "SIMPLE" : t.write_type);
  } else if (code_is(ErrorCode::kReadTimeout)) {
    writer.WriteShort(t.consistency);
    writer.WriteInt(t.received);
    writer.WriteInt(t.block_for);
    writer.WriteByte(t.data_present ? 1 : 0);
  } else if (code_is(ErrorCode::kReadFailure)) {
    writer.WriteShort(t.consistency);
    writer.WriteInt(t.received);
    writer.WriteInt(t.block_for);
    writer.WriteInt(failures);
    writer.WriteByte(t.data_present ? 1 : 0);
  } else if (code_is(ErrorCode::kWriteFailure)) {
    writer.WriteShort(t.consistency);
    writer.WriteInt(t.received);
    writer.WriteInt(t.block_for);
    writer.WriteInt(failures);
    writer.WriteTruncatedString(t.write_type.empty() ? "SIMPLE" : t.write_type);
  } else if (code_is(ErrorCode::kFunctionFailure)) {
    const auto* f = std::get_if<FunctionFailureDetail>(&detail);
    const FunctionFailureDetail none;
    writer.WriteTruncatedString((f ? *f : none).keyspace);
    writer.WriteTruncatedString((f ? *f : none).function);
    writer.WriteStringList(SplitArgTypes((f ? *f : none).arg_types));
  } else if (code_is(ErrorCode::kAlreadyExists)) {
    const auto* a = std::get_if<AlreadyExistsDetail>(&detail);
    const AlreadyExistsDetail none;
    writer.WriteTruncatedString((a ? *a : none).keyspace);
    writer.WriteTruncatedString((a ? *a : none).table);
  } else if (code_is(ErrorCode::kUnprepared)) {
    const auto* u = std::get_if<UnpreparedDetail>(&detail);
    writer.WriteShortBytes(u ? u->id : std::string());
  }
  // Every field was written with a valid placeholder if it could not fit (an id over 65,535
  // bytes, more than 65,535 argument types): an ERROR body is always well-formed.
  writer.status().IgnoreError();
  return out;
}

std::string EncodeReady() { return {}; }

std::string EncodeAuthenticate(std::string_view authenticator_class) {
  std::string out;
  Writer(&out).WriteTruncatedString(authenticator_class);  // a configured class name
  return out;
}

StringMultimap SupportedOptions() {
  return {
      {"CQL_VERSION", {"3.4.5"}},
      {"COMPRESSION", {"lz4", "snappy"}},
      {"PROTOCOL_VERSIONS", {"3/v3", "4/v4"}},
  };
}

std::string EncodeSupported() {
  std::string out;
  Writer(&out).WriteStringMultimap(SupportedOptions());
  return out;
}

void EncodeRowsMetadata(const RowsMetadata& metadata, uint8_t version, Writer& writer) {
  const bool global = !metadata.no_metadata && AllInSameTable(metadata.columns);
  int32_t flags = 0;
  if (global) flags |= kRowsFlagGlobalTablesSpec;
  if (metadata.paging_state) flags |= kRowsFlagHasMorePages;
  if (metadata.no_metadata) flags |= kRowsFlagNoMetadata;
  writer.WriteInt(flags);
  writer.WriteIntCount(metadata.columns.size(), "columns");
  if (metadata.paging_state) writer.WriteBytes(*metadata.paging_state);
  if (metadata.no_metadata) return;
  if (global) {
    writer.WriteString(metadata.columns[0].keyspace);
    writer.WriteString(metadata.columns[0].table);
  }
  for (const auto& column : metadata.columns) EncodeColumnSpec(column, global, version, writer);
}

namespace {

// Appends the RESULT body of `result` to *out (see EncodeResult).
Status AppendResult(const ResultMessage& result, uint8_t version, std::string* out) {
  Writer writer(out);
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, VoidResult>) {
          writer.WriteInt(static_cast<int32_t>(ResultKind::kVoid));
        } else if constexpr (std::is_same_v<T, RowsResult>) {
          writer.WriteInt(static_cast<int32_t>(ResultKind::kRows));
          EncodeRowsMetadata(r.metadata, version, writer);
          writer.WriteIntCount(r.rows.size(), "rows");
          for (const auto& row : r.rows) {
            if (row.size() != r.metadata.columns.size()) {
              // The client would read the cells of the next row as this one's.
              writer.Fail(ErrorCode::kInternal,
                          fmt::format("A result row has {} cells for {} columns", row.size(),
                                      r.metadata.columns.size()));
              return;
            }
            for (const auto& cell : row) {
              writer.WriteBytes(cell ? std::optional<std::string_view>(*cell) : std::nullopt);
            }
          }
        } else if constexpr (std::is_same_v<T, SetKeyspaceResult>) {
          writer.WriteInt(static_cast<int32_t>(ResultKind::kSetKeyspace));
          writer.WriteString(r.keyspace);
        } else if constexpr (std::is_same_v<T, PreparedResult>) {
          writer.WriteInt(static_cast<int32_t>(ResultKind::kPrepared));
          writer.WriteShortBytes(r.id);
          // <metadata> of the bind markers (§4.2.5.4): like Rows metadata, plus the partition key
          // indexes in v4, and never paged.
          const auto& columns = r.bind_metadata.columns;
          const bool global = AllInSameTable(columns);
          writer.WriteInt(global ? kRowsFlagGlobalTablesSpec : 0);
          writer.WriteIntCount(columns.size(), "bind markers");
          if (version >= 4) {
            writer.WriteIntCount(r.partition_key_indexes.size(), "partition key indexes");
            for (uint16_t index : r.partition_key_indexes) writer.WriteShort(index);
          }
          if (global) {
            writer.WriteString(columns[0].keyspace);
            writer.WriteString(columns[0].table);
          }
          for (const auto& column : columns) EncodeColumnSpec(column, global, version, writer);
          EncodeRowsMetadata(r.result_metadata, version, writer);
        } else if constexpr (std::is_same_v<T, SchemaChangeResult>) {
          writer.WriteInt(static_cast<int32_t>(ResultKind::kSchemaChange));
          EncodeSchemaChange(r, writer);
        }
      },
      result);
  return writer.status();
}

// About the size of the RESULT body of `result`: what to reserve so that it is written with one
// allocation.
size_t EstimatedResultSize(const ResultMessage& result) {
  size_t size = 64;
  if (const auto* rows = std::get_if<RowsResult>(&result)) {
    if (!rows->metadata.no_metadata) size += 32 * rows->metadata.columns.size();
    if (rows->metadata.paging_state) size += 4 + rows->metadata.paging_state->size();
    for (const auto& row : rows->rows) {
      size += 4 * row.size();
      for (const auto& cell : row) size += cell ? cell->size() : 0;
    }
  }
  return size;
}

}  // namespace

Result<std::string> EncodeResult(const ResultMessage& result, uint8_t version) {
  std::string out;
  RETURN_IF_ERROR(AppendResult(result, version, &out));
  return out;
}

Result<std::string> EncodeResultFrame(uint8_t version, int16_t stream,
                                      const ResultMessage& result) {
  const size_t header_size = FrameHeader::HeaderSizeOf(version);
  std::string frame;
  frame.reserve(header_size + EstimatedResultSize(result));
  frame.resize(header_size);
  RETURN_IF_ERROR(AppendResult(result, version, &frame));
  const size_t body_size = frame.size() - header_size;
  if (body_size > kMaxResponseBodySize) {
    return EncodeResponseFrame(version, stream, Opcode::kResult,
                               std::string_view(frame).substr(header_size));
  }
  FrameHeader header;
  header.version = version;
  header.is_response = true;
  header.stream = stream;
  header.opcode = static_cast<uint8_t>(Opcode::kResult);
  header.length = static_cast<int32_t>(body_size);
  std::string encoded;  // 9 bytes: in place (SSO)
  EncodeHeader(header, &encoded);
  frame.replace(0, header_size, encoded);
  return frame;
}

Result<std::string> EncodeSchemaChangeEvent(const SchemaChangeResult& change) {
  std::string out;
  Writer writer(&out);
  writer.WriteString("SCHEMA_CHANGE");
  EncodeSchemaChange(change, writer);
  if (!writer.status().ok()) return writer.status();
  return out;
}

std::string EncodeAuthChallenge(std::optional<std::string_view> token) {
  std::string out;
  Writer(&out).WriteBytes(token);
  return out;
}

std::string EncodeAuthSuccess(std::optional<std::string_view> token) {
  std::string out;
  Writer(&out).WriteBytes(token);
  return out;
}

namespace {

std::string EncodeFrame(uint8_t version, int16_t stream, uint8_t opcode, bool is_response,
                        std::string_view body, Compression compression) {
  FrameHeader header;
  header.version = version;
  header.is_response = is_response;
  header.stream = stream;
  header.opcode = opcode;
  std::string compressed;
  if (compression != Compression::kNone) {
    compressed = Compress(compression, body);
    body = compressed;
    header.flags |= static_cast<uint8_t>(FrameFlag::kCompression);
  }
  header.length = static_cast<int32_t>(body.size());
  std::string out;
  out.reserve(header.size() + body.size());
  EncodeHeader(header, &out);
  out.append(body);
  return out;
}

}  // namespace

std::string EncodeResponseFrame(uint8_t version, int16_t stream, Opcode opcode,
                                std::string_view body, Compression compression) {
  if (body.size() > kMaxResponseBodySize && opcode != Opcode::kError) {
    return EncodeErrorFrame(
        version, stream,
        InvalidRequest(fmt::format("The response of {} bytes is larger than a frame can hold ({} "
                                   "bytes); ask for smaller pages",
                                   body.size(), kMaxResponseBodySize)),
        compression);
  }
  return EncodeFrame(version, stream, static_cast<uint8_t>(opcode), /*is_response=*/true, body,
                     compression);
}

std::string EncodeErrorFrame(uint8_t version, int16_t stream, const Status& status,
                             Compression compression) {
  return EncodeResponseFrame(version, stream, Opcode::kError, EncodeError(status, version),
                             compression);
}

std::string EncodeRequestFrame(uint8_t version, int16_t stream, const Request& request,
                               Compression compression) {
  return EncodeFrame(version, stream, static_cast<uint8_t>(RequestOpcode(request)),
                     /*is_response=*/false, EncodeRequest(request, version), compression);
}

}  // namespace sibyl::cql::protocol
