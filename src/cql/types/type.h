#pragma once
// The CQL type system: a Type names a native type or a parameterised one (list, set, map, tuple,
// UDT, frozen). Types are small immutable values, cheap to copy (parameters are shared).
//
// Values are always carried as their native-protocol serialization (native_protocol_v4.spec §6):
// an int is 4 big-endian bytes, text is UTF-8, and so on. `std::optional<std::string>` with
// nullopt for CQL null. Storage keeps the same bytes in cells.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sibyl::cql::types {

// DO NOT CHANGE: these are the [option] ids of native_protocol_v4.spec §4.2.5.5.
enum class Kind : uint16_t {
  kCustom = 0x0000,
  kAscii = 0x0001,
  kBigint = 0x0002,
  kBlob = 0x0003,
  kBoolean = 0x0004,
  kCounter = 0x0005,
  kDecimal = 0x0006,
  kDouble = 0x0007,
  kFloat = 0x0008,
  kInt = 0x0009,
  kTimestamp = 0x000B,
  kUuid = 0x000C,
  kVarchar = 0x000D,  // "text" and "varchar" are the same type
  kVarint = 0x000E,
  kTimeuuid = 0x000F,
  kInet = 0x0010,
  kDate = 0x0011,
  kTime = 0x0012,
  kSmallint = 0x0013,
  kTinyint = 0x0014,
  kDuration = 0x0015,
  kList = 0x0020,
  kMap = 0x0021,
  kSet = 0x0022,
  kUdt = 0x0030,
  kTuple = 0x0031,
};

class Type {
 public:
  Type() : Type(Kind::kBlob) {}
  explicit Type(Kind kind);
  static Type List(Type element, bool frozen);
  static Type Set(Type element, bool frozen);
  static Type Map(Type key, Type value, bool frozen);
  static Type Tuple(std::vector<Type> elements);  // tuples are always frozen
  static Type Udt(std::string keyspace, std::string name, std::vector<std::string> field_names,
                  std::vector<Type> field_types, bool frozen);

  Kind kind() const { return kind_; }
  bool frozen() const { return frozen_; }
  // The same type, frozen or not (the parameters are shared).
  Type WithFrozen(bool frozen) const;
  bool IsCollection() const;  // list, set, map
  // Element types: list/set: [element]; map: [key, value]; tuple/udt: fields.
  const std::vector<Type>& params() const;
  // UDT only.
  const std::string& udt_keyspace() const;
  const std::string& udt_name() const;
  const std::vector<std::string>& udt_field_names() const;

  // CQL spelling as Cassandra 3.x writes it in system_schema.columns.type and DESCRIBE:
  // "int", "text", "frozen<list<int>>", "map<text, int>", "tuple<int, text>".
  std::string ToCql() const;

  bool operator==(const Type& other) const;
  bool operator!=(const Type& other) const { return !(*this == other); }

 private:
  struct Params;
  Kind kind_;
  bool frozen_ = false;
  std::shared_ptr<const Params> params_;
};

// The one nesting limit of CQL text (issue 9 item 1): how deep parentheses, brackets, braces,
// type parameters (`frozen<list<...>>`), casts and function calls may nest in a statement, and
// so how deep a Type can be. Every recursion over a statement or a type (parsing, preparing,
// validating, encoding, rendering, destroying) is bounded by it, so none can exhaust a thread's
// stack. Cassandra has no explicit limit (its parser overflows its stack at a few thousand
// levels); real schemas and queries use a handful. Measured (bench/literal_benchmark.cc and a
// stack-painting probe): the deepest statements use 71 KiB of stack optimised, 865 KiB with
// ASan at -O1 and 1.1 MiB at -O0, of the 8 MiB a worker thread has.
inline constexpr int kMaxNestingDepth = 128;

// Parses a type name as written in CQL DDL or system_schema ("int", "varchar", "frozen<map<text,
// int>>"). Names are case-insensitive. UDT names are not resolved here: returns kInvalid
// "Unknown type <name>" for anything that is not a native or collection/tuple type, and for
// types nested deeper than kMaxNestingDepth.
Result<Type> ParseTypeName(std::string_view text);

// ---- User-defined types (issue 11) ----------------------------------------------------------

// Resolves a user type's name as written in a type ("address", "ks.address", or a quoted name,
// without its quotes) to its definition, a non-frozen kUdt Type. Errors are the caller's
// (Cassandra's "Unknown type ks.x").
using UserTypeLookup = std::function<Result<Type>(const std::string& name)>;

// ParseTypeName, resolving user type names with `lookup` (which may be empty: then they are
// "Unknown type"). A UDT written inside frozen<> comes back frozen.
Result<Type> ParseTypeName(std::string_view text, const UserTypeLookup& lookup);

// A user type name as CQL writes it: bare when [a-z][a-z0-9_]*, otherwise double-quoted
// (ColumnIdentifier.maybeQuote). Type::ToCql writes UDTs this way.
std::string QuoteUserTypeName(const std::string& name);

// Whether `type` mentions the user type `keyspace`.`name` at any depth
// (AbstractType.referencesUserType).
bool ReferencesUserType(const Type& type, const std::string& keyspace, const std::string& name);

// How many levels of parameters `type` has (int: 1, list<int>: 2, a UDT of a UDT of int: 3).
int TypeDepth(const Type& type);

// Whether a column of type `type` can be a primary-key component (no non-frozen collections,
// no counters, no duration). Returns kInvalid with Cassandra's wording otherwise.
Status CheckKeyType(const Type& type, std::string_view column_name);

}  // namespace sibyl::cql::types
