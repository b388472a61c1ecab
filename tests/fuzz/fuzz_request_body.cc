// libFuzzer target: the request body decoders of the native protocol (STARTUP, OPTIONS, QUERY,
// PREPARE, EXECUTE, BATCH, REGISTER, AUTH_RESPONSE, and every other opcode, which must be
// refused). Input: [opcode byte][version (low 3 bits) | frame flags << 3][body].
// Properties: no crash, memory in proportion to the body (issue 9 item 5); a body that decodes
// re-encodes (EncodeRequest) to bytes that decode again, and encoding is stable from then on.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cql/protocol/codec.h"
#include "fuzz/fuzz_util.h"

using namespace sibyl;
using namespace sibyl::cql::protocol;

namespace {

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.substr(0, 512)) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

[[noreturn]] void Fail(const std::string& what, std::string_view encoded) {
  fprintf(stderr, "fuzz_request_body: %s\nencoded: %s\n", what.c_str(), Hex(encoded).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto opcode = static_cast<Opcode>(data[0]);
  const uint8_t version = data[1] & 0x07;
  const uint8_t flags = data[1] >> 3;
  std::string_view body = fuzz::AsView(data + 2, size - 2);

  auto request = DecodeRequest(opcode, version, body, flags);
  if (!request.ok()) {
    const ErrorCode code = request.status().code();
    if (code != ErrorCode::kProtocolError && code != ErrorCode::kInvalid) {
      Fail("unexpected error " + request.status().ToString(), "");
    }
    return 0;
  }
  if (RequestOpcode(*request) != opcode) Fail("decoded as another opcode", "");
  if (version < kMinVersion || version > kMaxVersion) return 0;  // the server never decodes these
  std::string encoded = EncodeRequest(*request, version);
  auto again = DecodeRequest(opcode, version, encoded, 0);
  if (!again.ok()) Fail("the re-encoded request does not decode: " + again.status().ToString(), encoded);
  // The encoder writes strings as valid UTF-8 (bad bytes replaced), which may reorder a STARTUP
  // map: so stability is checked from the second encoding on.
  std::string twice = EncodeRequest(*again, version);
  auto third = DecodeRequest(opcode, version, twice, 0);
  if (!third.ok()) Fail("the re-encoded request does not decode: " + third.status().ToString(), twice);
  if (EncodeRequest(*third, version) != twice) Fail("encoding is not stable", twice);
  return 0;
}
