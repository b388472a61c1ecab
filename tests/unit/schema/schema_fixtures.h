// Metadata the schema unit suites share: a keyspace and a table with one int partition key.
#pragma once

#include <string>

#include "schema/schema_store.h"

namespace sibyl::schema::fixtures {

// A table `ks.name` with one partition key column `k int`; its id is derived from the name's
// length, so that tables of different name lengths have different ids.
inline TableMetadata Table(const std::string& ks, const std::string& name,
                           const std::string& comment = "") {
  TableMetadata t;
  t.keyspace = ks;
  t.name = name;
  t.id = "00000000-0000-4000-8000-0000000000" + std::to_string(10 + name.size());
  t.options.comment = comment;
  ColumnMetadata k;
  k.name = "k";
  k.type = types::Type(types::Kind::kInt);
  k.kind = ColumnKind::kPartitionKey;
  k.position = 0;
  t.columns.push_back(k);
  t.Finish();
  return t;
}

// A SimpleStrategy keyspace with `replication_factor`.
inline KeyspaceMetadata Keyspace(const std::string& name, const std::string& replication_factor) {
  KeyspaceMetadata ks;
  ks.name = name;
  ks.replication = {{"class", "org.apache.cassandra.locator.SimpleStrategy"},
                    {"replication_factor", replication_factor}};
  return ks;
}

}  // namespace sibyl::schema::fixtures
