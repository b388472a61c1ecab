#pragma once
// What a CQL statement needs to be allowed to do, as Amazon Keyspaces' IAM actions
// (shared/reference/keyspaces-iam.md §3.3):
//   SELECT, DESCRIBE                  -> cassandra:Select on the table (DESCRIBE: system_schema)
//   INSERT/UPDATE/DELETE, TRUNCATE    -> cassandra:Modify on the table (each batch member)
//   CREATE/ALTER/DROP KEYSPACE|TABLE  -> cassandra:Create/Alter/Drop on the keyspace or table
//   ... WITH TAGS / ADD TAGS          -> also cassandra:TagResource (aws:RequestTag, aws:TagKeys)
//   ALTER ... DROP TAGS               -> cassandra:UntagResource
//   USE                               -> nothing
// TRUNCATE (which Keyspaces lacks) needs Modify, as Cassandra's own MODIFY permission does.

#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "query/authorizer.h"
#include "query/processor.h"
#include "schema/metadata.h"

#include "query/namespaces.h"

namespace sibyl::query {

// The permissions `statement` needs, in the order they are checked. Names are resolved with
// the session's keyspace; resource tags come from `snapshot`.
Result<std::vector<Permission>> RequiredPermissions(const parser::Statement& statement,
                                                    const Session& session,
                                                    const schema::SchemaSnapshot& snapshot);

// Checks every permission `statement` needs with the session's authorizer (none: allowed).
Status AuthorizeStatement(const parser::Statement& statement, const Session& session,
                          const schema::SchemaSnapshot& snapshot);

}  // namespace sibyl::query
