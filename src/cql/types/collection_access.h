#pragma once
// Reading parts of a serialized list, set or map (native_protocol_v4.spec §6.4, §6.6, §6.8): the
// element or slice a selector picks (`m['k']`, `s[1..5]`, Cassandra 4.0's CASSANDRA-7396) and the
// CONTAINS / CONTAINS KEY / `m[k] = v` tests of a WHERE clause (issue 11). Works on the one
// serialization of the whole collection, so frozen and non-frozen collections (whose element
// cells query/ assembles into that serialization) behave alike.
//
// Every function takes a serialized collection as stored (valid for its type and in the normal
// form of cql/types/normalize.h: set elements and map keys sorted and unique). Lengths are still
// bounds-checked: a malformed value never reads outside its buffer; its unreadable tail counts as
// absent. Time is O(size of the collection); no recursion.

#include <optional>
#include <string>
#include <string_view>

#include "cql/types/type.h"
#include "cql/types/value.h"

namespace sibyl::cql::types {

// c[key] on a set or map (CollectionSerializer.getSerializedValue): for a set the element equal
// to `key` (by Compare of the element type), for a map the value of the key equal to `key`;
// nullopt when there is none or `type` is not a set or map.
std::optional<std::string> SelectCollectionElement(const Type& type, std::string_view collection,
                                                   std::string_view key);

// c[from..to] on a set or map (CollectionSerializer.getSliceFromSerialized): the elements
// (entries) whose element (key) lies in [from, to], an absent bound leaving that side open, in
// the stored order. When no element lies there the result is an empty collection if `frozen`
// and null otherwise (a non-frozen collection is never empty, Cassandra 4.1 gives null).
// With both bounds absent the collection is returned unchanged.
Value SelectCollectionSlice(const Type& type, std::string_view collection,
                            const std::optional<std::string>& from,
                            const std::optional<std::string>& to, bool frozen);

// `c CONTAINS v` (RowFilter.SimpleExpression CONTAINS): a list or set element, or a map value,
// equal to `value`.
bool CollectionContains(const Type& type, std::string_view collection, std::string_view value);

// `m CONTAINS KEY k`: a map key equal to `key`.
bool MapContainsKey(const Type& type, std::string_view collection, std::string_view key);

}  // namespace sibyl::cql::types
