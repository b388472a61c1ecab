#pragma once
// Validation of values in native-protocol serialization (native_protocol_v4.spec §6): the one
// check every value from outside passes before it is stored, key-encoded or compared (issue 9
// item 2). Bound values (EXECUTE/QUERY/BATCH), constants converted from literals and the
// clustering-key encoder all call ValidateValue.
//
// The rules and messages are Cassandra's TypeSerializer.validate (and, for bound collections,
// CollectionSerializer.deserializeForNativeProtocol): Cassandra turns the MarshalException into
// an InvalidRequest carrying the bare message, and so do we. Where Sibyl is stricter than
// Cassandra it says so next to the rule in validate.cc (strict UTF-8, time of day range, no
// trailing bytes after a duration, no null inside a list/set/map).

#include <cstddef>
#include <string_view>

#include "common/status.h"
#include "cql/types/type.h"

namespace sibyl::cql::types {

// How deeply a type (and so a value) may nest: frozen<list<frozen<map<int, tuple<...>>>>>
// counts one level per collection, tuple or UDT. The same bound as CQL text's nesting
// (issue 9 item 1), so a recursion over any type the schema can hold stays shallow.
inline constexpr int kMaxValueNestingDepth = 128;

// Checks that `bytes` is a complete, valid serialization of `type`, nested to any depth up to
// kMaxValueNestingDepth: exact sizes of fixed-width types, UTF-8/ASCII text, version 1
// timeuuids, 4- or 16-byte inets, times of day in range, duration vints, and for list, set, map,
// tuple and UDT values the element counts, element lengths (no negative length except a null
// tuple/UDT field, no length past the end) and no trailing bytes, each element checked
// against its own type.
//
// Returns OK, or kInvalid with Cassandra's message (e.g. "Expected 4 or 0 byte int (5)",
// "Not enough bytes to read a list", "Invalid remaining data after end of tuple value").
// Messages never quote more than 64 bytes of the value, and only as hex.
//
// A pure function of (type, bytes): no allocation beyond the error message, no global state,
// any thread; time O(bytes.size()), recursion depth at most kMaxValueNestingDepth. It never
// reads outside `bytes`, whatever they hold (it is a libFuzzer target).
Status ValidateValue(const Type& type, std::string_view bytes);

// Strict UTF-8 as Java's decoder (and the Python driver) reads it: no overlong forms, no UTF-16
// surrogates, nothing above U+10FFFF, no truncated sequence.
bool IsStrictUtf8(std::string_view bytes);

}  // namespace sibyl::cql::types
