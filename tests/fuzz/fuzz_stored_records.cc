// libFuzzer target: the decoders of rows other nodes share through storage (issue 15): the
// failed-login brake's sketches (iam/failure_sketch.h FailureSketch::Decode, every node reads
// every other node's row of sibyl_login_failures) and the console's session rows and cookies
// (http/console_session_record.h: DecodeSessionDoc, DecodeLastUsed, ParseSessionCookie).
//
// Input: a mode byte, then
//   0: a sketch's encoded cells as stored after the row's time stamp;
//   1: a session's "doc" cell, a NUL, the user id of the partition it was read from;
//   2: a session's "used" cell;  3: a session cookie as a browser sends it.
// Properties:
//   - nothing crashes, hangs or reads out of bounds, whatever the bytes;
//   - every failure is kCorruption (the cookie parser answers nullopt);
//   - what decodes encodes back to the same bytes (sketch, "used", cookie) or decodes again to
//     the same fields (doc).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_util.h"
#include "http/console_session_record.h"
#include "iam/failure_sketch.h"

using namespace sibyl;

namespace {

bool SameDoc(const http::SessionDoc& a, const http::SessionDoc& b) {
  return a.principal.user_name == b.principal.user_name &&
         a.principal.user_id == b.principal.user_id && a.principal.arn == b.principal.arn &&
         a.csrf_token == b.csrf_token;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 4;
  const std::string_view body = fuzz::AsView(data + 1, size - 1);
  if (mode == 0) {
    auto sketch = iam::FailureSketch::Decode(body);
    if (!sketch.ok()) {
      fuzz::ExpectCorruption(sketch.status());
    } else if (sketch->Encode() != body) {
      fuzz::Fail("a sketch re-encodes differently", body);
    }
  } else if (mode == 1) {
    const auto fields = fuzz::SplitFields(body, 2);
    auto doc = http::DecodeSessionDoc(fields[0], fields[1]);
    if (!doc.ok()) {
      fuzz::ExpectCorruption(doc.status());
      return 0;
    }
    auto again = http::DecodeSessionDoc(http::EncodeSessionDoc(*doc), fields[1]);
    if (!again.ok() || !SameDoc(*doc, *again)) fuzz::Fail("a session doc does not survive encoding", body);
  } else if (mode == 2) {
    auto used = http::DecodeLastUsed(body);
    if (!used.ok()) {
      fuzz::ExpectCorruption(used.status());
    } else if (auto again = http::DecodeLastUsed(http::EncodeLastUsed(*used));
               !again.ok() || *again != *used) {
      fuzz::Fail("a last-use time does not survive encoding", body);
    }
  } else if (auto key = http::ParseSessionCookie(body)) {
    // The time may carry leading zeros, so the check is on the fields, not the bytes.
    auto again = http::ParseSessionCookie(key->Cookie());
    if (!again || again->user_id != key->user_id || again->created != key->created ||
        again->token != key->token) {
      fuzz::Fail("a cookie does not survive formatting", body);
    }
  }
  return 0;
}
