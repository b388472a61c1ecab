#pragma once
// The clustering values of a row exactly as they were written (issue 10 item 8).
//
// The order-preserving clustering key (cql/types/key_encoding.h) holds one encoding per value as
// Cassandra's comparators see it, so values that compare equal are one row: 123.0 and 123 as a
// decimal, every NaN as a double. Cassandra stores and returns the bytes a row was written with
// (DecimalType keeps the scale), so when the key does not decode to the bytes written, the write
// also stores those bytes in a row metadata cell (storage::IsRowMetadataCell). It is reconciled
// like any cell (the later write's bytes win), deleted with the row, and never makes a row live.

#include <string>
#include <vector>

#include "common/status.h"
#include "schema/metadata.h"
#include "storage/partition.h"

#include "query/namespaces.h"

namespace sibyl::query {

// The name of the cell ("\xff" "clustering"); its value is [int n] then n [int len][bytes].
const std::string& ExactClusteringCellName();

// Adds the exact-bytes cell to `row` (timestamp `timestamp`, no TTL) when `encoded`, the key made
// of `components` (the serialized clustering values, in order), does not decode to them byte for
// byte. Nothing is added for a table without clustering columns or for a key that round-trips.
// kCorruption only if `encoded` is not a key of the table (a caller bug).
Status AddExactClusteringCell(const schema::TableMetadata& table,
                              const std::vector<std::string>& components,
                              const std::string& encoded, int64_t timestamp, storage::Row* row);

// The serialized clustering values of a stored row: the exact-bytes cell when the row has a valid
// one with a value per clustering column, else the decoded key. kCorruption when the key cannot
// be decoded.
Result<std::vector<std::string>> RowClusteringValues(const schema::TableMetadata& table,
                                                     const storage::Row& row);

}  // namespace sibyl::query
