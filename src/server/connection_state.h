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
  // Largest accepted frame body (compressed or not). Default: 256 MiB.
  int32_t max_body_length = cql::protocol::kDefaultMaxBodyLength;
  // Requests running at once on one connection; more get OVERLOADED (0x1001). Default: 1024.
  size_t max_in_flight = 1024;
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
};

class ConnectionState {
 public:
  enum class Phase : uint8_t { kUninitialized, kAuthenticating, kReady };

  explicit ConnectionState(ConnectionLimits limits = {}) : limits_(limits) {}

  // Cuts the complete frames at the front of `input` and handles each one, appending one action
  // per frame to *actions. Returns how many bytes were consumed (the caller keeps the rest for
  // the next call). Stops after a kRespondAndClose action; after it, the state is closed and
  // consumes nothing more. Never throws: a failure while handling a frame becomes a
  // SERVER_ERROR on its stream.
  size_t ProcessInput(std::string_view input, std::vector<FrameAction>* actions);

  // A response frame for a request of `version` on `stream`, compressed as negotiated.
  std::string ResponseFrame(uint8_t version, int16_t stream, cql::protocol::Opcode opcode,
                            std::string_view body) const;
  std::string ErrorFrame(uint8_t version, int16_t stream, const Status& status) const;

  // The SCHEMA_CHANGE EVENT frame (stream -1) for this connection, or nullopt if it did not
  // REGISTER for SCHEMA_CHANGE.
  std::optional<std::string> SchemaChangeEventFrame(
      const cql::protocol::SchemaChangeResult& change) const;

  // Where the connection comes from (aws:SourceIp, aws:SecureTransport at login).
  void SetOrigin(ConnectionOrigin origin) { sasl_.origin = std::move(origin); }
  const ConnectionOrigin& origin() const { return sasl_.origin; }

  Phase phase() const { return phase_; }
  bool closed() const { return closed_; }
  cql::protocol::Compression compression() const { return compression_; }
  // The authenticated principal, when authentication is on and succeeded.
  const std::optional<iam::Principal>& principal() const { return principal_; }
  // The version of the first valid frame; every later frame must use it.
  std::optional<uint8_t> version() const { return version_; }
  const ConnectionLimits& limits() const { return limits_; }

 private:
  FrameAction HandleFrame(const cql::protocol::FrameHeader& header, std::string_view body);
  FrameAction HandleRequest(const cql::protocol::FrameHeader& header,
                            cql::protocol::Request request);
  FrameAction Respond(const cql::protocol::FrameHeader& header, cql::protocol::Opcode opcode,
                      std::string body) const;
  FrameAction Error(const cql::protocol::FrameHeader& header, const Status& status) const;

  const ConnectionLimits limits_;
  Phase phase_ = Phase::kUninitialized;
  bool closed_ = false;
  std::optional<uint8_t> version_;
  cql::protocol::Compression compression_ = cql::protocol::Compression::kNone;
  bool schema_change_events_ = false;
  SaslState sasl_;
  std::optional<iam::Principal> principal_;  // who authenticated (auth on)
};

// Runs a QUERY, PREPARE, EXECUTE or BATCH with `processor` in `session` and returns the RESULT or
// ERROR frame (on `stream`, in `version`, with `compression`). Never throws: an exception becomes
// SERVER_ERROR and a log line. Thread-safe if the processor is (it is); `session` must not be used
// concurrently by another call.
std::string ExecuteQueryRequest(query::QueryProcessor& processor, query::Session& session,
                                const cql::protocol::Request& request, uint8_t version,
                                int16_t stream, cql::protocol::Compression compression);

}  // namespace sibyl::server
