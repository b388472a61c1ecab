#pragma once
// Parses CQL text into a raw Statement (ast.h). Hand-written recursive descent.

#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"

namespace sibyl::cql::parser {

// Parses exactly one statement (a trailing ';' and whitespace/comments are allowed).
// Errors: kSyntaxError with Cassandra's position format, e.g.
//   "line 1:7 no viable alternative at input 'FORM'"
//   "line 1:24 mismatched input 'x' expecting ')'"
//   "line 1:13 missing EOF at 'garbage'"
// (line 1-based, column 0-based in UTF-16 units, as Cassandra/ANTLR report them), including
//   "line 1:135 statement nested too deeply: more than 128 levels of ..." past
//   types::kMaxNestingDepth, and names or unaliased selectors past kMaxIdentifierBytes;
// kProtocolError when `text` is not valid UTF-8 (lexer.h CheckQueryText).
// Safe on any bytes of any length (the fuzzing entry point, issue 9): recursion is bounded by
// types::kMaxNestingDepth, time and memory are linear in text.size(), messages are valid UTF-8
// with quoted input bounded. Thread-safe; the result owns its data.
Result<std::shared_ptr<const Statement>> ParseStatement(std::string_view text);

}  // namespace sibyl::cql::parser
