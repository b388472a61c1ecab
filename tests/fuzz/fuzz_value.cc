// libFuzzer target: values of every CQL type, nested to any depth: validation of bound bytes
// (issue 9 item 2), comparison, rendering as a literal and parsing that literal back, the
// order-preserving clustering encoding and its decoder, and the partition-key composite.
//
// Input: a type description (fuzz/fuzz_types.h ReadType: one byte per type node, parameters following), then
// [n][n bytes of value a][value b: the rest].
// Properties, for values that validate:
//   - Compare(a, a) == 0; the literal of a native value parses back to an equal value;
//   - a clustering encoding decodes back to an equal value, in both orders, and memcmp of two
//     encodings orders like Compare;
//   - the partition-key composite of (a, b) splits back into a and b;
//   - NormalizeValue gives a valid, equal value that is its own normal form (issue 10).
// And for any bytes: validation and the decoders of stored keys never read outside the input.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "cql/parser/lexer.h"
#include "cql/types/key_encoding.h"
#include "cql/types/normalize.h"
#include "cql/types/type.h"
#include "cql/types/validate.h"
#include "cql/types/value.h"
#include "fuzz/fuzz_types.h"
#include "fuzz/fuzz_util.h"

using namespace sibyl;
using namespace sibyl::cql::types;

namespace {

constexpr int kMaxDepth = 8;

int Sign(int v) { return (v > 0) - (v < 0); }

[[noreturn]] void Fail(const Type& type, const std::string& what, std::string_view detail) {
  fprintf(stderr, "fuzz_value: %s: %s (%.*s)\n", type.ToCql().c_str(), what.c_str(),
          static_cast<int>(std::min<size_t>(detail.size(), 300)), detail.data());
  std::abort();
}

void CheckError(const Status& s) {
  if (s.ok()) return;
  if (s.code() != ErrorCode::kInvalid || !IsValidUtf8(s.message())) {
    fprintf(stderr, "fuzz_value: unexpected error %s\n", s.ToString().c_str());
    std::abort();
  }
}

// The literal of a native value, lexed as the parser would see it, parses back to an equal value.
void CheckLiteralRoundTrip(const Type& type, std::string_view value) {
  if (type.IsCollection() || type.kind() == Kind::kTuple || type.kind() == Kind::kUdt) return;
  // The empty value of a non-text type (Cassandra's "empty") has no literal.
  if (value.empty() && type.kind() != Kind::kAscii && type.kind() != Kind::kVarchar &&
      type.kind() != Kind::kBlob) {
    return;
  }
  // A negative duration whose magnitude is past the literal syntax's limits (nanoseconds of
  // INT64_MIN, months or days of INT32_MIN) renders but cannot be parsed back, as in Cassandra
  // (Duration.Builder accepts magnitudes up to Long/Integer.MAX_VALUE only).
  if (type.kind() == Kind::kDuration) {
    if (auto d = cql::types::DecodeDuration(value);
        d && (d->nanos == INT64_MIN || d->months <= INT32_MIN || d->days <= INT32_MIN)) {
      return;
    }
  }
  const std::string literal = ToCqlLiteral(type, value);
  auto tokens = cql::parser::Tokenize(literal);
  if (!tokens.ok()) Fail(type, "literal does not lex", literal);
  std::vector<cql::parser::Token> t;
  for (auto& token : *tokens) {
    if (token.kind != cql::parser::TokenKind::kEof) t.push_back(std::move(token));
  }
  std::string text;
  const cql::parser::Token* constant = nullptr;
  if (t.size() == 1) {
    constant = &t[0];
  } else if (t.size() == 2 && t[0].kind == cql::parser::TokenKind::kSymbol && t[0].text == "-") {
    constant = &t[1];
    text = "-";
  } else {
    return;  // not a single constant (e.g. a function call): nothing to compare
  }
  LiteralKind kind;
  switch (constant->kind) {
    case cql::parser::TokenKind::kString: kind = LiteralKind::kString; break;
    case cql::parser::TokenKind::kInteger: kind = LiteralKind::kInteger; break;
    case cql::parser::TokenKind::kFloat: kind = LiteralKind::kFloat; break;
    case cql::parser::TokenKind::kUuid: kind = LiteralKind::kUuid; break;
    case cql::parser::TokenKind::kHex: kind = LiteralKind::kHex; break;
    case cql::parser::TokenKind::kDuration: kind = LiteralKind::kDuration; break;
    case cql::parser::TokenKind::kIdent:
      if (constant->text == "true" || constant->text == "false") {
        kind = LiteralKind::kBoolean;
      } else if (constant->text == "nan" || constant->text == "infinity") {
        kind = LiteralKind::kFloat;
      } else {
        return;
      }
      break;
    default:
      return;
  }
  text += constant->kind == cql::parser::TokenKind::kIdent ? constant->raw : constant->text;
  auto parsed = ParseLiteral(type, kind, text, "c");
  if (!parsed.ok()) Fail(type, "literal does not parse back: " + parsed.status().ToString(), literal);
  if (!ValidateValue(type, *parsed).ok()) Fail(type, "parsed literal is invalid", literal);
  // Durations compare bytewise as in Cassandra (DurationType is BYTE_ORDER) and a non-minimal vint
  // is a valid serialization, so for them the property is that the rendering round-trips.
  if (type.kind() == Kind::kDuration) {
    if (ToCqlLiteral(type, *parsed) != literal) Fail(type, "literal parses to another value", literal);
  } else if (Compare(type, *parsed, value) != 0) {
    Fail(type, "literal parses to another value", literal);
  }
}

// Encodes `value` as a clustering component and decodes it back.
bool EncodeAndCheck(const Type& type, SortOrder order, std::string_view value, std::string* out) {
  std::string encoded;
  Status s = AppendClusteringComponent(type, order, value, &encoded);
  if (!s.ok()) {
    CheckError(s);
    if (!encoded.empty()) std::abort();  // "on error `out` is left as it was"
    return false;
  }
  auto decoded = DecodeClustering({type, type}, {order, order}, encoded + encoded);
  if (!decoded.ok() || decoded->size() != 2) {
    Fail(type, "clustering encoding does not decode: " +
                   (decoded.ok() ? std::string("wrong count") : decoded.status().ToString()),
         ToCqlLiteral(type, value));
  }
  for (const auto& v : *decoded) {
    if (!ValidateValue(type, v).ok() || Compare(type, v, value) != 0) {
      Fail(type, "clustering encoding decodes to another value", ToCqlLiteral(type, value));
    }
  }
  *out = std::move(encoded);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::AsView(data, size);
  const Type type = fuzz::ReadType(in, kMaxDepth);
  size_t split = 0;
  if (!in.empty()) {
    split = std::min<size_t>(static_cast<uint8_t>(in[0]), in.size() - 1);
    in.remove_prefix(1);
  }
  const std::string_view a = in.substr(0, split);
  const std::string_view b = in.substr(split);
  (void)type.ToCql();

  // Whatever is stored decodes safely (the decoders of stored keys face the disk's bytes).
  (void)DecodeClustering({type}, {SortOrder::kAsc}, b);
  (void)SplitPartitionKey(b, 2);
  // Into a vector reused from input to input (a point read's, issue 14): the same answer.
  static std::vector<std::string> reused;
  const bool reused_ok = SplitPartitionKeyInto(b, 3, &reused).ok();
  auto fresh = SplitPartitionKey(b, 3);
  if (reused_ok != fresh.ok() || (reused_ok && reused != *fresh)) std::abort();

  Status valid_a = ValidateValue(type, a);
  Status valid_b = ValidateValue(type, b);
  CheckError(valid_a);
  CheckError(valid_b);
  for (auto [value, valid] : {std::pair{a, &valid_a}, std::pair{b, &valid_b}}) {
    if (!valid->ok()) continue;
    if (Compare(type, value, value) != 0) Fail(type, "a value differs from itself", "");
    CheckLiteralRoundTrip(type, value);
    // Issue 10 item 2: the normal form (sets/maps sorted, each once) is valid, equal to the
    // value, and normal.
    const std::string normal = NormalizeValue(type, value);
    if (!ValidateValue(type, normal).ok()) Fail(type, "normal form is invalid", "");
    if (Compare(type, normal, value) != 0) Fail(type, "normal form is another value", "");
    if (NormalizeValue(type, normal) != normal) Fail(type, "normal form is not normal", "");
  }
  if (!valid_a.ok() || !valid_b.ok()) return 0;

  const int order = Sign(Compare(type, a, b));
  if (order != -Sign(Compare(type, b, a))) Fail(type, "Compare is not antisymmetric", "");
  if (CheckKeyType(type, "c").ok()) {
    for (SortOrder sort : {SortOrder::kAsc, SortOrder::kDesc}) {
      std::string ea, eb;
      if (!EncodeAndCheck(type, sort, a, &ea) || !EncodeAndCheck(type, sort, b, &eb)) continue;
      const int bytes_order = Sign(ea.compare(eb));
      if (bytes_order != (sort == SortOrder::kAsc ? order : -order)) {
        Fail(type, "memcmp order of encodings differs from Compare",
             ToCqlLiteral(type, a) + " vs " + ToCqlLiteral(type, b));
      }
    }
  }
  if (a.size() <= 65535 && b.size() <= 65535) {
    std::string key = SerializePartitionKey({a, b});
    auto parts = SplitPartitionKey(key, 2);
    if (!parts.ok() || parts->size() != 2 || (*parts)[0] != a || (*parts)[1] != b) std::abort();
    (void)Murmur3Token(key);
  }
  return 0;
}
