#pragma once
// ConnectionState: the protocol state machine of one CQL connection, with no I/O, so that it can
// be tested with bytes alone. The socket side (connection.h) feeds it input and writes what it
// returns; queries are run on worker threads with ExecuteQueryRequest().
//
//   kUninitialized --OPTIONS--> SUPPORTED (stays)
//   kUninitialized --STARTUP--> READY, kReady        (auth off)
//   kUninitialized --STARTUP--> AUTHENTICATE, kAuthenticating  (auth on)
//   kAuthenticating --AUTH_RESPONSE--> AUTH_CHALLENGE (SigV4) | AUTH_SUCCESS, kReady | ERROR 0x0100
//   kReady --QUERY/PREPARE/EXECUTE/BATCH--> run on a worker --> RESULT or ERROR
//   kReady --REGISTER--> READY
//
// Not thread-safe: owned by the connection's event-loop thread.

#include <chrono>
#include <map>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "cql/protocol/codec.h"
#include "cql/protocol/compression.h"
#include "cql/protocol/frame.h"
#include "cql/protocol/messages.h"
#include "server/cql_authenticator.h"

namespace sibyl::query {
class QueryProcessor;
struct Session;
}  // namespace sibyl::query

namespace sibyl::server {

class CqlAuthenticator;

struct ConnectionLimits {
  // Authenticates STARTUP when set (IAM auth on); null: no authentication. Not owned; must
  // outlive the connections. Default: null.
  const CqlAuthenticator* authenticator = nullptr;
  // Largest accepted frame, header included (Cassandra's native_transport_max_frame_size);
  // also the largest decompressed body. A larger frame gets Cassandra's InvalidRequest "Request
  // is too big..." on its stream, its body is skipped unread and the connection goes on.
  // Default: 16 MiB.
  int32_t max_frame_size = cql::protocol::kDefaultMaxFrameSize;
  // Largest frame accepted before the connection is ready and authenticated, when only STARTUP,
  // OPTIONS and AUTH_RESPONSE are (issue 9: nobody may make the server buffer megabytes without
  // logging in). A larger one is a protocol error that closes the connection. Default: 64 KiB.
  int32_t max_unauthenticated_frame_size = 64 << 10;
  // Back-pressure (Connection): the connection stops reading while this many requests run, or
  // while their frames total max_in_flight_bytes, or while max_unsent_bytes of responses wait
  // to be written; it resumes when they drop below (half of the byte bounds). Defaults: 1024
  // requests, 64 MiB, 4 MiB.
  size_t max_in_flight = 1024;
  size_t max_in_flight_bytes = size_t{64} << 20;
  size_t max_unsent_bytes = size_t{4} << 20;
  // Deadlines (Connection). handshake_timeout: from accept to READY or AUTH_SUCCESS (the TLS
  // handshake, STARTUP and the login); frame_timeout: from the first byte of a frame to its last
  // (not counting time the server itself stopped reading). A connection past either is closed.
  // An idle authenticated connection has no deadline, as in Cassandra. Defaults: 10 s, 30 s.
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds frame_timeout{30000};
};

// What the connection must do with one inbound frame.
struct FrameAction {
  enum class Kind : uint8_t {
    kRespond,          // write `frame`
    kRespondAndClose,  // write `frame`, then close: the framing cannot be trusted any more
    kExecute,          // run `request` on a worker (ExecuteQueryRequest), answer on `stream`
  };
  Kind kind = Kind::kRespond;
  std::string frame;
  cql::protocol::Request request;
  uint8_t version = cql::protocol::kMaxVersion;
  int16_t stream = 0;
  // The frame's size, decompressed (what the request holds in memory while it runs).
  size_t request_bytes = 0;
  // kExecute only: the frame's tracing flag (native_protocol_v4.spec §2.2), issue 10 item 23.
  bool tracing = false;
  // kRespond only: send `frame` after this long (a refused login, slowed by the LoginBrake),
  // and handle no further input of the connection until then (ProcessInput stops after it).
  std::chrono::milliseconds delay{0};
};

class ConnectionState {
 public:
  enum class Phase : uint8_t { kUninitialized, kAuthenticating, kReady };

  explicit ConnectionState(ConnectionLimits limits = {}) : limits_(limits) {}

  // Cuts the complete frames at the front of `input` and handles each one, appending one action
  // per frame to *actions. Returns how many bytes were consumed (the caller keeps the rest for
  // the next call). Stops after `max_frames` frames, after a kRespondAndClose action (after it,
  // the state is closed and consumes nothing more) and after an action with a delay (call again
  // once it is sent). Never throws: a failure while handling a frame becomes a SERVER_ERROR on
  // its stream.
  //
  // Nothing is decoded, decompressed or kept before the header says the frame may be (issue 9):
  // a frame too big (max_frame_size; before the login, max_unauthenticated_frame_size closes the
  // connection instead), not allowed in the current phase (only STARTUP and OPTIONS before
  // STARTUP, AUTH_RESPONSE and OPTIONS before the login), of an unknown opcode, compressed before
  // compression was negotiated, or of another version than the connection's, is answered at once
  // from its header and its body is consumed and dropped as it arrives (see discarding()).
  size_t ProcessInput(std::string_view input, std::vector<FrameAction>* actions,
                      size_t max_frames = SIZE_MAX);
  // Whether the body of a refused frame is still being dropped (the client is mid-frame).
  bool discarding() const { return discard_remaining_ > 0; }

  // A response frame for a request of `version` on `stream`, compressed as negotiated.
  std::string ResponseFrame(uint8_t version, int16_t stream, cql::protocol::Opcode opcode,
                            std::string_view body) const;
  std::string ErrorFrame(uint8_t version, int16_t stream, const Status& status) const;

  // The SCHEMA_CHANGE EVENT frame (stream -1) for this connection, or nullopt if it did not
  // REGISTER for SCHEMA_CHANGE.
  std::optional<std::string> SchemaChangeEventFrame(
      const cql::protocol::SchemaChangeResult& change) const;
  // issue 15: the TOPOLOGY_CHANGE / STATUS_CHANGE EVENT frame (`type`, server/node_events.h)
  // with `body`, or nullopt if the connection did not REGISTER for `type`.
  std::optional<std::string> NodeEventFrame(const std::string& type, const std::string& body) const;

  // Where the connection comes from (aws:SourceIp, aws:SecureTransport at login).
  void SetOrigin(ConnectionOrigin origin) { sasl_.origin = std::move(origin); }
  const ConnectionOrigin& origin() const { return sasl_.origin; }

  Phase phase() const { return phase_; }
  bool closed() const { return closed_; }
  cql::protocol::Compression compression() const { return compression_; }
  // The authenticated principal, when authentication is on and succeeded.
  const std::optional<iam::Principal>& principal() const { return principal_; }
  // STARTUP's options once it was accepted (system_views.clients, issue 10 item 21).
  const std::map<std::string, std::string>& startup_options() const { return startup_options_; }
  // The version of the first valid frame; every later frame must use it.
  std::optional<uint8_t> version() const { return version_; }
  const ConnectionLimits& limits() const { return limits_; }

 private:
  // The error for a frame that must not be decoded (see ProcessInput), or OK.
  Status Admit(const cql::protocol::FrameHeader& header);
  FrameAction HandleFrame(const cql::protocol::FrameHeader& header, std::string_view body);
  FrameAction HandleRequest(const cql::protocol::FrameHeader& header,
                            cql::protocol::Request&& request);
  FrameAction Respond(const cql::protocol::FrameHeader& header, cql::protocol::Opcode opcode,
                      std::string body) const;
  FrameAction Error(const cql::protocol::FrameHeader& header, const Status& status) const;

  const ConnectionLimits limits_;
  Phase phase_ = Phase::kUninitialized;
  bool closed_ = false;
  uint64_t discard_remaining_ = 0;  // body bytes of a refused frame still to drop
  std::optional<uint8_t> version_;
  cql::protocol::Compression compression_ = cql::protocol::Compression::kNone;
  bool schema_change_events_ = false;
  bool topology_change_events_ = false;  // issue 15
  bool status_change_events_ = false;    // issue 15
  SaslState sasl_;
  std::optional<iam::Principal> principal_;  // who authenticated (auth on)
  std::map<std::string, std::string> startup_options_;  // of the accepted STARTUP
};

// Runs a QUERY, PREPARE, EXECUTE or BATCH with `processor` in `session` and returns the RESULT or
// ERROR frame (on `stream`, in `version`, with `compression`). Never throws: an exception becomes
// SERVER_ERROR and a log line. When `session.trace` asked for tracing and the processor opened a
// trace session, a RESULT carries the tracing flag and starts with the session id (§2.2, §4). Thread-safe if the processor is (it is); `session` must not be used
// concurrently by another call.
std::string ExecuteQueryRequest(query::QueryProcessor& processor, query::Session& session,
                                const cql::protocol::Request& request, uint8_t version,
                                int16_t stream, cql::protocol::Compression compression);

}  // namespace sibyl::server
