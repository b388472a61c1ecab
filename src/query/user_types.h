#pragma once
// User-defined types in statements (issue 11): the resolution of a type as written in DDL against
// a keyspace's user types, with Cassandra 4.1's rules (CQL3Type.Raw.prepare), and the CREATE,
// ALTER and DROP TYPE statements (CreateTypeStatement, AlterTypeStatement, DropTypeStatement).

#include <memory>
#include <string>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "query/namespaces.h"
#include "schema/metadata.h"

namespace sibyl::query {

class CqlStatement;
struct QueryContext;
struct Session;

// The type `raw` names in a statement on keyspace `keyspace` (whose user types resolve names;
// null when the keyspace does not exist: then only native and collection types resolve).
// Errors (kInvalid) with Cassandra's texts: "Unknown type ks.t", "Statement on keyspace ks
// cannot refer to a user type in keyspace other; ...", "Non-frozen UDTs are not allowed inside
// collections: list<t>", "Non-frozen collections are not allowed inside collections: ...",
// "frozen<> is only allowed on collections, tuples, and user-defined types (got int)",
// "Counters are not allowed inside collections: ...", and types nested deeper than
// types::kMaxNestingDepth once user types are expanded.
Result<types::Type> ResolveType(const parser::TypeName& raw, const std::string& keyspace,
                                const schema::KeyspaceMetadata* keyspace_metadata);

// The type as Cassandra writes it in messages (CQL3Type.Raw.toString): user type names as
// written, "frozen<...>" where written.
std::string RawTypeText(const parser::TypeName& raw);

// CREATE TYPE, ALTER TYPE, DROP TYPE. They take no bind markers.
Result<std::shared_ptr<const CqlStatement>> PrepareTypeStatement(const parser::Statement& statement);

}  // namespace sibyl::query
