#pragma once
// The CQL lexer: text to tokens with their line and column (for SyntaxException positions).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sibyl::cql::parser {

enum class TokenKind : uint8_t {
  kIdent,        // unquoted identifier or keyword; `text` lower-cased, `raw` as written
  kQuotedIdent,  // "Quoted" (text unescaped, case kept)
  kString,       // '...' or $$...$$ (text unquoted and unescaped)
  kInteger,
  kFloat,
  kUuid,
  kHex,          // 0x... (text includes 0x)
  kDuration,     // 1h30m, 12mo...
  kMarker,       // ?
  kNamedMarker,  // :name (text = name)
  kSymbol,       // punctuation: ( ) , ; . * = < <= > >= != [ ] { } : + -
  kEof,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;
  std::string raw;
  int line = 1;    // 1-based
  int column = 0;  // 0-based
};

// The longest name (identifier, quoted identifier, alias, :marker name) accepted, in UTF-8
// bytes: a name can end up in result or bind metadata as a protocol [string], whose length is
// a uint16 (native_protocol_v4.spec §3). Cassandra has no tighter general limit (keyspace and
// table names are held to 48 characters when created, by query/).
inline constexpr size_t kMaxIdentifierBytes = 65535;

// OK when `text` is valid UTF-8 (strictly, as Java decodes it). Otherwise kProtocolError with
// Cassandra's message for an undecodable [long string] (CBUtil.readString):
//   "Cannot decode string as UTF8: '<hex of the first 64 bytes>...'; ..."
Status CheckQueryText(std::string_view text);

// Tokenizes the whole input. Errors:
//   kProtocolError: `text` is not valid UTF-8 (CheckQueryText);
//   kSyntaxError with position: an unterminated string or comment, a character that starts no
//   token, a name longer than kMaxIdentifierBytes.
// Messages quote input through common/utf8.h QuoteForMessage: valid UTF-8, bounded length.
// Columns count UTF-16 code units (as Cassandra reports them), lines start at 1.
Result<std::vector<Token>> Tokenize(std::string_view text);

}  // namespace sibyl::cql::parser
