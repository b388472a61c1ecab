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
// (line 1-based, column 0-based, as Cassandra/ANTLR report them).
Result<std::shared_ptr<const Statement>> ParseStatement(std::string_view text);

}  // namespace sibyl::cql::parser
