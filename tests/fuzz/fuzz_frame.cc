// libFuzzer target: the CQL connection's frame decoder and protocol state machine
// (server::ConnectionState): frame headers of every version, the admission rules before and
// after STARTUP and the login, decompression, request bodies and the SASL exchange (PLAIN and
// Keyspaces SigV4 against a real IAM service). Queries the state machine hands to a worker are
// not run (fuzz_prepare covers them).
//
// Input: [mode byte][the bytes a client sends]. mode & 1: authentication on; mode >> 1: the
// size of the chunks the bytes arrive in (0: all at once), as a socket may split them.
// Properties: no crash; memory in proportion to the input; every response is a whole frame
// with a valid header; after a kRespondAndClose the state consumes nothing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cql/protocol/frame.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/iam_harness.h"
#include "server/connection_state.h"
#include "server/cql_authenticator.h"

using namespace sibyl;
namespace protocol = cql::protocol;

namespace {

void CheckResponse(const std::string& frame) {
  const auto fail = [&](const char* what) {
    fprintf(stderr, "fuzz_frame: %s: response frame of %zu bytes starting %02x %02x %02x %02x %02x\n",
            what, frame.size(), frame.size() > 0 ? static_cast<uint8_t>(frame[0]) : 0,
            frame.size() > 1 ? static_cast<uint8_t>(frame[1]) : 0,
            frame.size() > 2 ? static_cast<uint8_t>(frame[2]) : 0,
            frame.size() > 3 ? static_cast<uint8_t>(frame[3]) : 0,
            frame.size() > 4 ? static_cast<uint8_t>(frame[4]) : 0);
    std::abort();
  };
  if (frame.empty() || (static_cast<uint8_t>(frame[0]) & protocol::kResponseBit) == 0) {
    fail("not a response");
  }
  const uint8_t version = static_cast<uint8_t>(frame[0]) & protocol::kVersionMask;
  const size_t header_size = protocol::FrameHeader::HeaderSizeOf(version);
  if (frame.size() < header_size) fail("shorter than its header");
  // v1/v2 (answered in their own version to refuse them) are not decodable by DecodeHeader.
  uint32_t length = 0;
  for (size_t i = header_size - 4; i < header_size; ++i) {
    length = (length << 8) | static_cast<uint8_t>(frame[i]);
  }
  if (frame.size() != header_size + length) fail("length field differs from the body");
  if (version >= protocol::kMinVersion) {
    protocol::FrameHeader header;
    if (!protocol::DecodeHeader(frame, &header, INT32_MAX, /*expect_request=*/false).ok()) {
      fail("header does not decode");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static fuzz::IamHarness* harness = new fuzz::IamHarness("frame");
  static server::CqlAuthenticator* authenticator =
      new server::CqlAuthenticator(harness->iam(), "com.amazonaws.cassandra.auth.SigV4Authenticator");

  server::ConnectionLimits limits;
  if (data[0] & 1) limits.authenticator = authenticator;
  // Small limits, so that the fuzzer reaches them with small inputs.
  limits.max_frame_size = 64 << 10;
  limits.max_unauthenticated_frame_size = 4 << 10;
  server::ConnectionState state(limits);
  state.SetOrigin(server::ConnectionOrigin{"127.0.0.1", false});
  const size_t chunk = data[0] >> 1;
  std::string_view input = fuzz::AsView(data + 1, size - 1);

  std::string buffer;
  std::vector<server::FrameAction> actions;
  size_t fed = 0;
  for (int rounds = 0; rounds < 100000; ++rounds) {
    if (fed < input.size()) {
      size_t n = chunk == 0 ? input.size() - fed : std::min(chunk, input.size() - fed);
      buffer.append(input.substr(fed, n));
      fed += n;
    }
    actions.clear();
    const bool was_closed = state.closed();
    size_t consumed = state.ProcessInput(buffer, &actions);
    if (consumed > buffer.size()) std::abort();
    if (was_closed && (consumed != 0 || !actions.empty())) std::abort();
    buffer.erase(0, consumed);
    for (const auto& action : actions) {
      if (action.kind != server::FrameAction::Kind::kExecute) CheckResponse(action.frame);
    }
    if (state.closed()) break;
    if (consumed == 0 && actions.empty() && fed == input.size()) break;
  }
  return 0;
}
