#include "cql/parser/lexer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/utf8.h"

namespace sibyl::cql::parser {
namespace {

// Cassandra's Lexer.g: IDENT : LETTER (LETTER | DIGIT | '_')*, so an unquoted name never starts
// with '_' (issue 10 item 17).
bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)); }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)); }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)); }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      RETURN_IF_ERROR(SkipSpaceAndComments());
      Token t;
      t.line = line_;
      t.column = column_;
      if (pos_ >= s_.size()) {
        t.kind = TokenKind::kEof;
        t.raw = "<EOF>";
        out.push_back(std::move(t));
        return out;
      }
      RETURN_IF_ERROR(Next(t));
      out.push_back(std::move(t));
    }
  }

 private:
  char Peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }

  // Columns count UTF-16 code units, as Cassandra's (Java) lexer does: a continuation byte adds
  // nothing and a 4-byte sequence (a surrogate pair in Java) adds two.
  void Advance(size_t n = 1) {
    for (size_t i = 0; i < n && pos_ < s_.size(); ++i) {
      const auto byte = static_cast<uint8_t>(s_[pos_]);
      if (byte == '\n') {
        ++line_;
        column_ = 0;
      } else if ((byte & 0xc0) != 0x80) {
        column_ += byte >= 0xf0 ? 2 : 1;
      }
      ++pos_;
    }
  }

  Status Error(int line, int column, const std::string& message) const {
    return SyntaxError(fmt::format("line {}:{} {}", line, column, message));
  }

  // "token recognition error at: '<text>'", the text quoted safely (valid UTF-8, bounded).
  Status RecognitionError(const Token& t, std::string_view text) const {
    return Error(t.line, t.column,
                 fmt::format("token recognition error at: '{}'", QuoteForMessage(text)));
  }

  // The source text from `start` up to and including the character at pos_ (if any).
  std::string_view ThroughCurrentChar(size_t start) const {
    if (pos_ >= s_.size()) return s_.substr(start);
    const size_t length = std::max<size_t>(1, Utf8SequenceLength(s_, pos_));
    return s_.substr(start, pos_ - start + length);
  }

  // Names become protocol [string]s (result and bind metadata): refuse any that could not be.
  Status CheckNameLength(const Token& t) const {
    if (t.text.size() <= kMaxIdentifierBytes) return Status::OK();
    return Error(t.line, t.column,
                 fmt::format("identifier too long: {} bytes (the limit is {}) at '{}'",
                             t.text.size(), kMaxIdentifierBytes, QuoteForMessage(t.text, 32)));
  }

  Status SkipSpaceAndComments() {
    while (pos_ < s_.size()) {
      char c = Peek();
      if (std::isspace(static_cast<unsigned char>(c))) {
        Advance();
      } else if ((c == '-' && Peek(1) == '-') || (c == '/' && Peek(1) == '/')) {
        while (pos_ < s_.size() && Peek() != '\n') Advance();
      } else if (c == '/' && Peek(1) == '*') {
        int line = line_, column = column_;
        Advance(2);
        while (pos_ < s_.size() && !(Peek() == '*' && Peek(1) == '/')) Advance();
        if (pos_ >= s_.size()) return Error(line, column, "unterminated comment");
        Advance(2);
      } else {
        break;
      }
    }
    return Status::OK();
  }

  // A UUID literal at the current position (8-4-4-4-12 hex digits not followed by an ident char).
  bool AtUuid() const {
    static const int kGroups[] = {8, 4, 4, 4, 12};
    size_t p = pos_;
    for (int g = 0; g < 5; ++g) {
      for (int i = 0; i < kGroups[g]; ++i, ++p) {
        if (p >= s_.size() || !IsHex(s_[p])) return false;
      }
      if (g < 4) {
        if (p >= s_.size() || s_[p] != '-') return false;
        ++p;
      }
    }
    return p >= s_.size() || !IsIdentChar(s_[p]);
  }

  Status Next(Token& t) {
    const size_t start = pos_;
    char c = Peek();
    auto finish = [&](TokenKind kind) {
      t.kind = kind;
      t.raw = std::string(s_.substr(start, pos_ - start));
      if (t.text.empty() && kind != TokenKind::kString && kind != TokenKind::kQuotedIdent) {
        t.text = t.raw;
      }
      return Status::OK();
    };
    if (c == '\'') {
      Advance();
      std::string value;
      while (true) {
        if (pos_ >= s_.size()) return Error(t.line, t.column, "unterminated string literal");
        if (Peek() == '\'') {
          if (Peek(1) == '\'') {
            value.push_back('\'');
            Advance(2);
            continue;
          }
          Advance();
          break;
        }
        value.push_back(Peek());
        Advance();
      }
      t.text = std::move(value);
      return finish(TokenKind::kString);
    }
    if (c == '$' && Peek(1) == '$') {
      Advance(2);
      size_t end = s_.find("$$", pos_);
      if (end == std::string_view::npos) return Error(t.line, t.column, "unterminated string literal");
      t.text = std::string(s_.substr(pos_, end - pos_));
      Advance(end - pos_ + 2);
      return finish(TokenKind::kString);
    }
    if (c == '"') {
      Advance();
      std::string value;
      while (true) {
        if (pos_ >= s_.size()) return Error(t.line, t.column, "unterminated quoted identifier");
        if (Peek() == '"') {
          if (Peek(1) == '"') {
            value.push_back('"');
            Advance(2);
            continue;
          }
          Advance();
          break;
        }
        value.push_back(Peek());
        Advance();
      }
      if (value.empty()) return Error(t.line, t.column, "empty quoted identifier");
      t.text = std::move(value);
      RETURN_IF_ERROR(CheckNameLength(t));
      return finish(TokenKind::kQuotedIdent);
    }
    if (IsHex(c) && AtUuid()) {
      Advance(36);
      return finish(TokenKind::kUuid);
    }
    if (c == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
      Advance(2);
      while (IsHex(Peek())) Advance();
      if (IsIdentChar(Peek())) return RecognitionError(t, ThroughCurrentChar(start));
      return finish(TokenKind::kHex);
    }
    if (IsDigit(c) || (c == '-' && IsDigit(Peek(1))) || (c == '.' && IsDigit(Peek(1)))) {
      if (c == '-') Advance();
      while (IsDigit(Peek())) Advance();
      // Duration: digits followed by a unit (1h30m, 12mo, 3us).
      if ((std::isalpha(static_cast<unsigned char>(Peek())) && Peek() != 'e' && Peek() != 'E') ||
          (Peek() == '\xc2' && Peek(1) == '\xb5')) {  // 1µs (issue 13)
        return LexDurationRest(t, start);
      }
      if ((Peek() == 'e' || Peek() == 'E') && !(IsDigit(Peek(1)) || ((Peek(1) == '-' || Peek(1) == '+') && IsDigit(Peek(2))))) {
        return LexDurationRest(t, start);
      }
      bool is_float = false;
      if (Peek() == '.' && Peek(1) == '.') {
        // Cassandra's Lexer.g FLOAT: `1..3` is the integer 1 then the range `..`, `1...3` the
        // float `1.` then `..` (collection slice selection, issue 11).
        if (Peek(2) == '.') {
          is_float = true;
          Advance();
        }
      } else if (Peek() == '.' && IsDigit(Peek(1))) {
        is_float = true;
        Advance();
        while (IsDigit(Peek())) Advance();
      } else if (Peek() == '.' && !IsIdentStart(Peek(1))) {
        is_float = true;
        Advance();
      }
      if (Peek() == 'e' || Peek() == 'E') {
        size_t save = pos_;
        int save_col = column_;
        Advance();
        if (Peek() == '-' || Peek() == '+') Advance();
        if (IsDigit(Peek())) {
          is_float = true;
          while (IsDigit(Peek())) Advance();
        } else {
          pos_ = save;
          column_ = save_col;
        }
      }
      if (IsIdentChar(Peek())) {
        while (IsIdentChar(Peek())) Advance();
        return RecognitionError(t, s_.substr(start, pos_ - start));
      }
      return finish(is_float ? TokenKind::kFloat : TokenKind::kInteger);
    }
    if ((c == 'P' || c == 'p') && IsAlternativeDuration()) {
      // Lexer.g DURATION's ISO 8601 alternative form P0001-02-03T04:05:06 (issue 13).
      Advance(20);
      t.kind = TokenKind::kDuration;
      t.raw = std::string(s_.substr(start, pos_ - start));
      t.text = t.raw;
      return Status::OK();
    }
    if (IsIdentStart(c)) {
      while (IsIdentChar(Peek())) Advance();
      t.raw = std::string(s_.substr(start, pos_ - start));
      t.text = t.raw;
      for (auto& ch : t.text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      t.kind = TokenKind::kIdent;
      return CheckNameLength(t);
    }
    if (c == '_') {
      // ANTLR 3's lexer error for a character no token starts with, as Cassandra reports it
      // ("line 1:10 no viable alternative at character '_'").
      return Error(t.line, t.column, "no viable alternative at character '_'");
    }
    if (c == '?') {
      Advance();
      return finish(TokenKind::kMarker);
    }
    if (c == ':' && IsIdentStart(Peek(1))) {
      Advance();
      size_t name_start = pos_;
      while (IsIdentChar(Peek())) Advance();
      t.text = std::string(s_.substr(name_start, pos_ - name_start));
      for (auto& ch : t.text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      RETURN_IF_ERROR(CheckNameLength(t));
      return finish(TokenKind::kNamedMarker);
    }
    if (c == ':' && Peek(1) == '"') {
      Advance(2);
      std::string value;
      while (pos_ < s_.size() && Peek() != '"') {
        value.push_back(Peek());
        Advance();
      }
      if (pos_ >= s_.size()) return Error(t.line, t.column, "unterminated quoted identifier");
      Advance();
      t.text = value;
      RETURN_IF_ERROR(CheckNameLength(t));
      return finish(TokenKind::kNamedMarker);
    }
    static const char* kTwo[] = {"<=", ">=", "!=", "+=", "-=", ".."};
    for (const char* two : kTwo) {
      if (c == two[0] && Peek(1) == two[1]) {
        Advance(2);
        return finish(TokenKind::kSymbol);
      }
    }
    // '/' and '%' are the division and modulo operators (issue 13); "//" and "/*" are comments.
    if (std::string_view("(),;.*=<>[]{}:+-/%").find(c) != std::string_view::npos) {
      Advance();
      return finish(TokenKind::kSymbol);
    }
    return RecognitionError(t, ThroughCurrentChar(start));
  }

  // 'P' DIGIT{4} '-' DIGIT{2} '-' DIGIT{2} 'T' DIGIT{2} ':' DIGIT{2} ':' DIGIT{2}, not followed
  // by more of an identifier.
  bool IsAlternativeDuration() const {
    static const char kShape[] = "P####-##-##T##:##:##";
    for (size_t i = 1; i < 20; ++i) {
      const char want = kShape[i];
      const char got = Peek(i);
      if (want == '#' ? !IsDigit(got) : (want == 'T' ? (got != 'T' && got != 't') : got != want)) {
        return false;
      }
    }
    return !IsIdentChar(Peek(20));
  }

  // Continues a duration literal after its first digits: (digits unit)+. A unit is made of
  // letters and µ (U+00B5, two bytes), which is taken whole so that no token ends inside it.
  Status LexDurationRest(Token& t, size_t start) {
    while (true) {
      size_t unit_start = pos_;
      while (std::isalpha(static_cast<unsigned char>(Peek())) ||
             (Peek() == '\xc2' && Peek(1) == '\xb5')) {
        Advance(Peek() == '\xc2' ? 2 : 1);
      }
      if (pos_ == unit_start) break;
      if (!IsDigit(Peek())) break;
      while (IsDigit(Peek())) Advance();
    }
    if (IsIdentChar(Peek())) return RecognitionError(t, ThroughCurrentChar(start));
    t.kind = TokenKind::kDuration;
    t.raw = std::string(s_.substr(start, pos_ - start));
    t.text = t.raw;
    return Status::OK();
  }

  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 0;
};

}  // namespace

Status CheckQueryText(std::string_view text) {
  const size_t bad = FindInvalidUtf8(text);
  if (bad == text.size()) return Status::OK();
  // Cassandra decodes a [long string] with Java's strict UTF-8 decoder and answers a protocol
  // error (CBUtil.readString): "Cannot decode string as UTF8: '<hex>'; <exception>". The hex is
  // bounded here; the offset of the first bad byte is added to help the client.
  static const char* kHex = "0123456789abcdef";
  constexpr size_t kMaxHexBytes = 64;
  std::string hex;
  for (size_t i = 0; i < text.size() && i < kMaxHexBytes; ++i) {
    hex += kHex[static_cast<uint8_t>(text[i]) >> 4];
    hex += kHex[static_cast<uint8_t>(text[i]) & 15];
  }
  if (text.size() > kMaxHexBytes) hex += "...";
  return ProtocolError(fmt::format(
      "Cannot decode string as UTF8: '{}'; java.nio.charset.MalformedInputException: Input "
      "length = 1 (at byte {})",
      hex, bad));
}

Result<std::vector<Token>> Tokenize(std::string_view text) {
  RETURN_IF_ERROR(CheckQueryText(text));
  return Lexer(text).Run();
}

}  // namespace sibyl::cql::parser
