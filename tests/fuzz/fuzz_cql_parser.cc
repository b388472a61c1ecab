// libFuzzer target: the CQL lexer and parser (any text a logged-in client, or the console's CQL
// editor, can send in QUERY or PREPARE). Input: the statement text, bytes as they come.
// Properties: no crash, no unbounded recursion or time (issue 9 item 1: nesting; item 4: number
// literals); an error is a SyntaxError (or ProtocolError for text that is not UTF-8) whose
// message is valid UTF-8 and fits a [string].
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/utf8.h"
#include "cql/parser/lexer.h"
#include "cql/parser/parser.h"
#include "fuzz/fuzz_util.h"

using namespace sibyl;

namespace {

void CheckError(const Status& status) {
  if (status.ok()) return;
  if (status.code() != ErrorCode::kSyntaxError && status.code() != ErrorCode::kProtocolError &&
      status.code() != ErrorCode::kInvalid) {
    std::abort();  // only the client's fault may be reported for text
  }
  if (status.message().size() > 65535 || !IsValidUtf8(status.message())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::AsView(data, size);
  auto tokens = cql::parser::Tokenize(text);
  if (!tokens.ok()) CheckError(tokens.status());
  auto statement = cql::parser::ParseStatement(text);
  if (!statement.ok()) {
    CheckError(statement.status());
  } else if (!tokens.ok()) {
    std::abort();  // the parser accepted text the lexer refuses
  }
  return 0;
}
