#pragma once
// The CQL lexer: text to tokens with their line and column (for SyntaxException positions).

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

// Tokenizes the whole input. kSyntaxError with position for an unterminated string or comment
// or a character that starts no token.
Result<std::vector<Token>> Tokenize(std::string_view text);

}  // namespace sibyl::cql::parser
