#pragma once
// INSERT INTO t JSON '...' / JSON ? (issue 13), as Cassandra 4.1's UpdateStatement.ParsedInsertJson
// and cql3/Json.java: the JSON object names the columns; it stands for the INSERT that lists every
// column of the table with fromJson() of its member (json_values.h), null for absent members
// (DEFAULT NULL, the default) or nothing at all (DEFAULT UNSET). A literal is decoded once, at
// prepare; a bind marker's text at each execution (the INSERT it stands for is prepared then).

#include <memory>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "query/statement.h"

#include "query/namespaces.h"

namespace sibyl::query {

// REQUIRES: s.json. Errors are Cassandra's: "Could not decode JSON string as a map: ...",
// "Got null for INSERT JSON values", "Error decoding JSON value for v: ...", "JSON values map
// contains unrecognized column: x", then those of the INSERT itself.
Result<std::shared_ptr<const CqlStatement>> PrepareInsertJson(const parser::InsertStatement& s,
                                                              size_t bind_count,
                                                              const Session& session,
                                                              QueryContext& context);

}  // namespace sibyl::query
