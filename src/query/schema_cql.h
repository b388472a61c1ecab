#pragma once
// CQL text that recreates a keyspace or a table, as Cassandra 4's DESCRIBE prints it.

#include <string>

#include "query/namespaces.h"
#include "schema/metadata.h"

namespace sibyl::query {

// An identifier as CQL needs it written: bare when lower-case alphanumeric and not reserved,
// otherwise double-quoted.
std::string QuoteIdentifier(const std::string& name);
std::string KeyspaceCql(const schema::KeyspaceMetadata& keyspace);
std::string TableCql(const schema::TableMetadata& table);

}  // namespace sibyl::query
