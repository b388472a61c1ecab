#pragma once
// The columns of SELECT * in Cassandra 4.1's order (TableMetadata.allColumnsInSelectOrder), for
// SELECT * and for the rows a failed lightweight transaction shows (issue 12).

#include <vector>

#include "schema/metadata.h"

#include "query/namespaces.h"

namespace sibyl::query {

// Partition key and clustering columns by position, then the static columns, then the regular
// ones. Statics and regulars each come in Columns.selectOrderIterator order: the simple and the
// multi-cell (non-frozen collection or UDT) columns, each sorted by name bytes (unsigned, as
// ColumnMetadata.compareTo), merged by ByteBuffer.compareTo (signed bytes). Pointers into
// `table`.
std::vector<const schema::ColumnMetadata*> SelectAllOrder(const schema::TableMetadata& table);

}  // namespace sibyl::query
