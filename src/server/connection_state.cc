#include "server/connection_state.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <type_traits>

#include "common/clock.h"
#include "query/processor.h"

namespace sibyl::server {

using cql::protocol::Compression;
using cql::protocol::FrameHeader;
using cql::protocol::Opcode;
namespace protocol = cql::protocol;

namespace {

// Cassandra StartupMessage: any CQL 3.x is accepted (the server speaks 3.4.5).
Status CheckCqlVersion(const std::map<std::string, std::string>& options) {
  auto it = options.find("CQL_VERSION");
  if (it == options.end()) return ProtocolError("Missing value CQL_VERSION in STARTUP message");
  const std::string& version = it->second;
  const auto dot = version.find('.');
  const std::string major = version.substr(0, dot);
  if (major != "3") {
    return ProtocolError(fmt::format(
        "CQL version {} is not supported by the binary protocol (supported version is 3.4.5)",
        version));
  }
  return Status::OK();
}

std::string UnexpectedMessage(const protocol::Request& request, std::string_view expecting) {
  return fmt::format("Unexpected message {}, {}",
                     protocol::OpcodeName(static_cast<uint8_t>(protocol::RequestOpcode(request))),
                     expecting);
}

}  // namespace

size_t ConnectionState::ProcessInput(std::string_view input, std::vector<FrameAction>* actions,
                                     size_t max_frames) {
  size_t consumed = 0;
  size_t frames = 0;
  while (!closed_) {
    if (discard_remaining_ > 0) {
      // The body of a refused frame: dropped as it arrives, never kept.
      const size_t n = static_cast<size_t>(
          std::min<uint64_t>(discard_remaining_, input.size() - consumed));
      discard_remaining_ -= n;
      consumed += n;
      if (discard_remaining_ > 0) break;
    }
    if (frames >= max_frames) break;
    const std::string_view rest = input.substr(consumed);
    FrameHeader header;
    Status status = protocol::DecodeHeader(rest, &header, limits_.max_frame_size);
    if (status.code() == ErrorCode::kNeedMoreData) break;
    if (phase_ != Phase::kReady && (status.ok() || status.code() == ErrorCode::kInvalid)) {
      // Before the login only small frames have a use (issue 9): a bigger one is hostile or
      // broken, and skipping its body would keep the connection busy for nothing.
      const int64_t total = int64_t{header.length} + static_cast<int64_t>(header.size());
      if (total > limits_.max_unauthenticated_frame_size) {
        status = ProtocolError(fmt::format(
            "Request is too big: length {} exceeds maximum allowed length {}.", total,
            limits_.max_unauthenticated_frame_size));
      }
    }
    if (!status.ok() && status.code() != ErrorCode::kInvalid) {
      // Bad version, direction or length: the next frame boundary is unknown, so answer on the
      // client's stream in a version it can read (drivers downgrade on this) and close.
      FrameAction action;
      action.kind = FrameAction::Kind::kRespondAndClose;
      action.version = protocol::ResponseVersionFor(header.version);
      action.stream = header.stream;
      action.frame = protocol::EncodeErrorFrame(action.version, header.stream, status);
      actions->push_back(std::move(action));
      closed_ = true;
      return input.size();
    }
    if (status.ok()) status = Admit(header);
    if (!status.ok()) {
      // Answered from the header alone; the body is skipped unread (issue 9).
      ++frames;
      actions->push_back(Error(header, status));
      consumed += header.size();
      discard_remaining_ = static_cast<uint64_t>(header.length);
      continue;
    }
    const size_t total = header.size() + static_cast<size_t>(header.length);
    if (rest.size() < total) break;
    ++frames;
    actions->push_back(HandleFrame(header, rest.substr(header.size(), header.length)));
    consumed += total;
    if (actions->back().kind == FrameAction::Kind::kRespondAndClose) closed_ = true;
    // A refused login is answered late; the next attempt waits for it (one guess at a time).
    if (actions->back().delay.count() > 0) break;
  }
  return consumed;
}

Status ConnectionState::Admit(const FrameHeader& header) {
  if (version_ && header.version != *version_) {
    return ProtocolError(fmt::format(
        "Invalid message version. Got v{} but previous messages on this connection had version "
        "v{}",
        header.version, *version_));
  }
  version_ = header.version;
  const auto opcode = static_cast<Opcode>(header.opcode);
  const std::string name = protocol::OpcodeName(header.opcode);
  switch (opcode) {
    case Opcode::kStartup:
    case Opcode::kOptions:
    case Opcode::kQuery:
    case Opcode::kPrepare:
    case Opcode::kExecute:
    case Opcode::kRegister:
    case Opcode::kBatch:
    case Opcode::kAuthResponse:
      break;
    default:
      return ProtocolError(fmt::format("Unknown or invalid request opcode {}", name));
  }
  // Cassandra ServerConnection.validateNewMessage, checked before the body is read.
  if (phase_ == Phase::kUninitialized && opcode != Opcode::kStartup &&
      opcode != Opcode::kOptions) {
    return ProtocolError(fmt::format("Unexpected message {}, expecting STARTUP or OPTIONS", name));
  }
  if (phase_ == Phase::kAuthenticating && opcode != Opcode::kAuthResponse &&
      opcode != Opcode::kOptions) {
    return ProtocolError(fmt::format("Unexpected message {}, expecting SASL_RESPONSE", name));
  }
  if (phase_ != Phase::kUninitialized && opcode == Opcode::kStartup) {
    return ProtocolError("Unexpected message STARTUP, the connection is already initialized");
  }
  if (protocol::HasFlag(header.flags, protocol::FrameFlag::kCompression) &&
      compression_ == Compression::kNone) {
    return ProtocolError(
        "Received a compressed frame but no compression was negotiated in STARTUP");
  }
  return Status::OK();
}

FrameAction ConnectionState::HandleFrame(const FrameHeader& header, std::string_view body) {
  try {
    std::string decompressed;
    if (protocol::HasFlag(header.flags, protocol::FrameFlag::kCompression)) {
      // Admit() checked that compression was negotiated. The decompressed body has the same
      // limit as a frame (less before the login).
      const int32_t limit = phase_ == Phase::kReady ? limits_.max_frame_size
                                                    : limits_.max_unauthenticated_frame_size;
      auto result = protocol::Decompress(compression_, body, static_cast<size_t>(limit));
      if (!result.ok()) return Error(header, result.status());
      decompressed = std::move(result).value();
      body = decompressed;
    }
    auto request = protocol::DecodeRequest(static_cast<Opcode>(header.opcode), header.version,
                                           body, header.flags);
    if (!request.ok()) return Error(header, request.status());
    FrameAction action = HandleRequest(header, std::move(request).value());
    action.request_bytes = header.size() + body.size();
    return action;
  } catch (const std::exception& e) {
    spdlog::error("CQL: unexpected exception handling {} on stream {}: {}",
                  protocol::OpcodeName(header.opcode), header.stream, e.what());
    return Error(header, Status(ErrorCode::kServerError, fmt::format("Unexpected error: {}",
                                                                     e.what())));
  } catch (...) {
    spdlog::error("CQL: unknown exception handling {} on stream {}",
                  protocol::OpcodeName(header.opcode), header.stream);
    return Error(header, Status(ErrorCode::kServerError, "Unexpected error"));
  }
}

FrameAction ConnectionState::HandleRequest(const FrameHeader& header, protocol::Request&& request) {
  if (std::holds_alternative<protocol::OptionsRequest>(request)) {
    return Respond(header, Opcode::kSupported, protocol::EncodeSupported());
  }
  if (const auto* startup = std::get_if<protocol::StartupRequest>(&request)) {
    if (phase_ != Phase::kUninitialized) {
      return Error(header,
                   ProtocolError("Unexpected message STARTUP, the connection is already initialized"));
    }
    Status status = CheckCqlVersion(startup->options);
    if (!status.ok()) return Error(header, status);
    Compression compression = Compression::kNone;
    if (auto it = startup->options.find("COMPRESSION"); it != startup->options.end()) {
      auto named = protocol::CompressionFromName(it->second);
      if (!named) {
        return Error(header,
                     ProtocolError(fmt::format("Unknown compression algorithm: {}", it->second)));
      }
      compression = *named;
    }
    startup_options_ = startup->options;  // bounded by the unauthenticated frame size
    // READY (or AUTHENTICATE) itself goes out uncompressed: the client enables compression
    // when it sees it.
    if (limits_.authenticator != nullptr) {
      FrameAction authenticate = Respond(
          header, Opcode::kAuthenticate,
          protocol::EncodeAuthenticate(limits_.authenticator->class_name()));
      compression_ = compression;
      phase_ = Phase::kAuthenticating;
      return authenticate;
    }
    FrameAction ready = Respond(header, Opcode::kReady, protocol::EncodeReady());
    compression_ = compression;
    phase_ = Phase::kReady;
    return ready;
  }
  if (phase_ == Phase::kUninitialized) {
    return Error(header, ProtocolError(UnexpectedMessage(request, "expecting STARTUP or OPTIONS")));
  }
  if (phase_ == Phase::kAuthenticating &&
      !std::holds_alternative<protocol::AuthResponseRequest>(request)) {
    return Error(header, ProtocolError(UnexpectedMessage(request, "expecting SASL_RESPONSE")));
  }
  if (const auto* auth = std::get_if<protocol::AuthResponseRequest>(&request)) {
    if (phase_ != Phase::kAuthenticating || limits_.authenticator == nullptr) {
      return Error(header,
                   ProtocolError(UnexpectedMessage(request, "authentication is not enabled")));
    }
    SaslStep step = limits_.authenticator->Evaluate(sasl_, auth->token, NowSeconds());
    switch (step.kind) {
      case SaslStep::Kind::kChallenge:
        return Respond(header, Opcode::kAuthChallenge,
                       protocol::EncodeAuthChallenge(std::string_view(step.token)));
      case SaslStep::Kind::kSuccess:
        principal_ = std::move(step.principal);
        phase_ = Phase::kReady;
        return Respond(header, Opcode::kAuthSuccess, protocol::EncodeAuthSuccess(std::nullopt));
      case SaslStep::Kind::kFailure: {
        FrameAction refused = Error(header, step.error);
        refused.delay = step.delay;
        return refused;
      }
    }
  }
  if (const auto* reg = std::get_if<protocol::RegisterRequest>(&request)) {
    bool schema_change = false, topology_change = false, status_change = false;
    for (const auto& type : reg->event_types) {
      if (type == "SCHEMA_CHANGE") {
        schema_change = true;
      } else if (type == "TOPOLOGY_CHANGE") {
        topology_change = true;  // issue 15: other nodes joining and leaving
      } else if (type == "STATUS_CHANGE") {
        status_change = true;  // issue 15: other nodes up and down
      } else {
        return Error(header, ProtocolError(fmt::format("Invalid value '{}' for Event.Type", type)));
      }
    }
    schema_change_events_ = schema_change_events_ || schema_change;
    topology_change_events_ = topology_change_events_ || topology_change;
    status_change_events_ = status_change_events_ || status_change;
    return Respond(header, Opcode::kReady, protocol::EncodeReady());
  }
  FrameAction action;
  action.kind = FrameAction::Kind::kExecute;
  action.request = std::move(request);
  action.version = header.version;
  action.stream = header.stream;
  action.tracing = protocol::HasFlag(header.flags, protocol::FrameFlag::kTracing);
  return action;
}

FrameAction ConnectionState::Respond(const FrameHeader& header, Opcode opcode,
                                     std::string body) const {
  FrameAction action;
  action.kind = FrameAction::Kind::kRespond;
  action.version = header.version;
  action.stream = header.stream;
  action.frame = ResponseFrame(header.version, header.stream, opcode, body);
  return action;
}

FrameAction ConnectionState::Error(const FrameHeader& header, const Status& status) const {
  FrameAction action;
  action.kind = FrameAction::Kind::kRespond;
  action.version = header.version;
  action.stream = header.stream;
  action.frame = ErrorFrame(header.version, header.stream, status);
  return action;
}

std::string ConnectionState::ResponseFrame(uint8_t version, int16_t stream, Opcode opcode,
                                           std::string_view body) const {
  return protocol::EncodeResponseFrame(version, stream, opcode, body, compression_);
}

std::string ConnectionState::ErrorFrame(uint8_t version, int16_t stream,
                                        const Status& status) const {
  return protocol::EncodeErrorFrame(version, stream, status, compression_);
}

std::optional<std::string> ConnectionState::NodeEventFrame(const std::string& type,
                                                           const std::string& body) const {
  const bool registered = type == "TOPOLOGY_CHANGE"  ? topology_change_events_
                          : type == "STATUS_CHANGE" ? status_change_events_
                                                    : false;
  if (!registered || closed_ || !version_) return std::nullopt;
  return ResponseFrame(*version_, protocol::kEventStream, Opcode::kEvent, body);
}

std::optional<std::string> ConnectionState::SchemaChangeEventFrame(
    const protocol::SchemaChangeResult& change) const {
  if (!schema_change_events_ || closed_ || !version_) return std::nullopt;
  auto body = protocol::EncodeSchemaChangeEvent(change);
  if (!body.ok()) {
    spdlog::warn("CQL: cannot send a SCHEMA_CHANGE event: {}", body.status().ToString());
    return std::nullopt;
  }
  return ResponseFrame(*version_, protocol::kEventStream, Opcode::kEvent, *body);
}

std::string ExecuteQueryRequest(query::QueryProcessor& processor, query::Session& session,
                                const protocol::Request& request, uint8_t version, int16_t stream,
                                Compression compression) {
  session.warnings.clear();  // this request's only
  // Built in place: a Status made first and assigned over was ~0.6% of a point read (issue 14).
  Result<protocol::ResultMessage> result = [&]() -> Result<protocol::ResultMessage> {
    try {
      if (const auto* e = std::get_if<protocol::ExecuteRequest>(&request)) {
        return processor.Execute(session, e->id, e->params);
      }
      if (const auto* q = std::get_if<protocol::QueryRequest>(&request)) {
        return processor.Query(session, q->query, q->params);
      }
      if (const auto* p = std::get_if<protocol::PrepareRequest>(&request)) {
        return processor.Prepare(session, p->query);
      }
      if (const auto* b = std::get_if<protocol::BatchRequest>(&request)) {
        return processor.Batch(session, *b);
      }
      return InternalError("not a query request");
    } catch (const std::exception& e) {
      spdlog::error("CQL: unexpected exception executing a request on stream {}: {}", stream,
                    e.what());
      return Status(ErrorCode::kServerError, fmt::format("Unexpected error: {}", e.what()));
    } catch (...) {
      spdlog::error("CQL: unknown exception executing a request on stream {}", stream);
      return Status(ErrorCode::kServerError, "Unexpected error");
    }
  }();
  // The request's error, or (issue 9) a result that cannot be encoded faithfully (a name over
  // 65,535 bytes): an error response, never a corrupt frame.
  const auto error_frame = [&](const Status& status) {
    if (CqlWireCode(status.code()) == 0) {
      // Internal codes reach the client as SERVER_ERROR; keep a trace of the real cause.
      spdlog::warn("CQL: server error on stream {}: {}", stream, status.ToString());
    }
    return protocol::EncodeErrorFrame(version, stream, status, compression);
  };
  if (!result.ok()) return error_frame(result.status());
  const bool warn = !session.warnings.empty() && version >= 4;
  if (!session.trace_id && !warn && compression == protocol::Compression::kNone) {
    // The common case: the frame is encoded at once (issue 14).
    auto frame = protocol::EncodeResultFrame(version, stream, *result);
    if (!frame.ok()) return error_frame(frame.status());
    return std::move(*frame);
  }
  auto body = protocol::EncodeResult(*result, version);
  if (!body.ok()) return error_frame(body.status());
  // Client warnings (issue 12: batch_size_warn_threshold): native_protocol_v4.spec §2.2 flag
  // 0x08, a [string list] at the start of the body (after the tracing ID); v4 and later only.
  if (session.trace_id || warn) {
    // native_protocol_v4.spec §4: "the response body will start with a [uuid] tracing ID".
    std::string prefix = session.trace_id ? *session.trace_id : std::string();
    if (warn) {
      const size_t count = std::min<size_t>(session.warnings.size(), 0xffff);
      prefix.push_back(static_cast<char>(count >> 8));
      prefix.push_back(static_cast<char>(count));
      for (size_t i = 0; i < count; ++i) {
        const std::string& w = session.warnings[i];
        const size_t len = std::min<size_t>(w.size(), 0xffff);
        prefix.push_back(static_cast<char>(len >> 8));
        prefix.push_back(static_cast<char>(len));
        prefix.append(w, 0, len);
      }
    }
    std::string frame = protocol::EncodeResponseFrame(version, stream, Opcode::kResult,
                                                      prefix + *body, compression);
    uint8_t flags = 0;
    if (session.trace_id) flags |= static_cast<uint8_t>(protocol::FrameFlag::kTracing);
    if (warn) flags |= static_cast<uint8_t>(protocol::FrameFlag::kWarning);
    frame[1] = static_cast<char>(static_cast<uint8_t>(frame[1]) | flags);
    return frame;
  }
  return protocol::EncodeResponseFrame(version, stream, Opcode::kResult, *body, compression);
}

}  // namespace sibyl::server
