#pragma once
// CQL text that recreates a keyspace or a table, as Cassandra 4's DESCRIBE prints it.

#include <string>

#include "query/namespaces.h"
#include "schema/metadata.h"

namespace sibyl::query {

// An identifier as CQL needs it written: bare when lower-case alphanumeric and not reserved,
// otherwise double-quoted.
std::string QuoteIdentifier(const std::string& name);
// A virtual keyspace, and a table of one (`virtual_table`), print as Cassandra 4 prints them: a
// comment with the structure for reference, since CQL cannot recreate them (issue 10 item 19).
std::string KeyspaceCql(const schema::KeyspaceMetadata& keyspace);
std::string TableCql(const schema::TableMetadata& table, bool virtual_table = false);
// CREATE TYPE ks.t (\n    f type,\n    ...\n); as UserType.toCqlString (4.1) prints it (issue 11).
std::string UserTypeCql(const types::Type& user_type);

}  // namespace sibyl::query
