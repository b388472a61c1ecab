#pragma once
// The one normal form of a value as Cassandra holds it (issue 10 item 2): sets sorted by their
// element type's order with each element once, maps sorted by key with each key once, at any
// nesting depth (a frozen set inside a list inside a UDT...). Cassandra builds these from what
// the client sent (Sets.Value.fromSerialized: a TreeSet of the element type; Maps.Value.
// fromSerialized: a TreeMap of the key type; SetSerializer/MapSerializer.serializeValues sort
// nested values when they are serialized again), so the stored bytes, the token of a partition
// key and every comparison see one serialization per value whatever order the client used.

#include <string>
#include <string_view>

#include "cql/types/type.h"

namespace sibyl::cql::types {

// Whether values of `type` can have more than one serialization that NormalizeValue would
// change, i.e. whether the type holds a set or a map at some depth. O(size of the type).
bool HasSetOrMap(const Type& type);

// The normal form of `bytes`: set elements and map entries sorted by Compare() of the element
// (key) type, after normalising each of them; among elements that compare equal the first one
// sent is kept (a TreeSet keeps its first element), and among map entries whose keys compare
// equal the first key is kept with the last value (LinkedHashMap then TreeMap.put: the last
// value wins). Lists keep their order; tuple and UDT fields stay in place (nulls stay null);
// scalars are returned unchanged.
// REQUIRES: ValidateValue(type, bytes) is OK (the value is well formed at every depth; sets and
// maps hold no null element). Time O(n log n) in the size of the value, recursion depth at most
// kMaxValueNestingDepth; a value of a type without sets or maps is returned as is.
std::string NormalizeValue(const Type& type, std::string_view bytes);

}  // namespace sibyl::cql::types
