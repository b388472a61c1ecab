#pragma once
// The AST of raw (unprepared) CQL statements, as the parser produces them. Nothing here is
// resolved against the schema: names are as written (unquoted identifiers already lower-cased,
// quoted ones kept exactly), literals keep their text, types are unresolved names.
// query/ turns a raw statement into a prepared one (binding and validation).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cql/types/value.h"

namespace sibyl::cql::parser {

// A possibly qualified name: [keyspace.]name. keyspace is empty when not written.
struct QualifiedName {
  std::string keyspace;
  std::string name;
};

// A type as written: "int", "list<text>", "frozen<map<int, text>>", "tuple<int, text>", or a
// user type name (possibly keyspace-qualified in `name`, e.g. "ks.address").
struct TypeName {
  std::string name;  // lower-cased for native/collection names: "int", "list", "map", "frozen"...
  std::vector<TypeName> params;
  // A user type's name (written as an identifier, maybe quoted), never a native type even when
  // its text is "int" (issue 11).
  bool user_type = false;
  std::string ToString() const;  // canonical spelling, e.g. "frozen<list<int>>"
};

struct Term;
using TermPtr = std::shared_ptr<const Term>;

struct BindMarker {
  int index = 0;     // 0-based position among all markers of the statement, in text order
  std::string name;  // for :name markers; empty for ?
};

struct Literal {
  types::LiteralKind kind;
  std::string text;  // for strings: unquoted and unescaped; others exactly as written
};

struct NullLiteral {};

struct FunctionCall {
  QualifiedName name;  // lower-cased unless quoted, e.g. {"", "now"}
  std::vector<TermPtr> args;
};

struct TypeCast {  // (type) term, e.g. (int) ?
  TypeName type;
  TermPtr term;
};

struct ListLiteral {  // [a, b]
  std::vector<TermPtr> elements;
};
struct SetLiteral {  // {a, b}; {} is parsed as an empty MapLiteral
  std::vector<TermPtr> elements;
};
struct MapLiteral {  // {k: v, ...}
  std::vector<std::pair<TermPtr, TermPtr>> entries;
};
struct TupleLiteral {  // (a, b) — also used for the right side of multi-column relations
  std::vector<TermPtr> elements;
};
struct UdtLiteral {  // {field: value, ...} where the keys are identifiers
  std::vector<std::pair<std::string, TermPtr>> fields;
};

struct Term {
  std::variant<Literal, BindMarker, NullLiteral, FunctionCall, TypeCast, ListLiteral, SetLiteral,
               MapLiteral, TupleLiteral, UdtLiteral>
      value;
};

// ---- Relations (WHERE) -------------------------------------------------------------------

enum class Operator : uint8_t {
  kEq,
  kLt,
  kLte,
  kGt,
  kGte,
  kNeq,
  kIn,
  kContains,
  kContainsKey,
  kLike,
  kIsNot,  // IS NOT NULL (materialized views only)
};

// The left side of a relation.
struct ColumnRef {
  std::string name;
};
struct TokenRef {  // token(a, b)
  std::vector<std::string> columns;
};
struct TupleRef {  // (a, b)
  std::vector<std::string> columns;
};
struct ElementRef {  // m['key'] (map element / collection subscript)
  std::string column;
  TermPtr key;
};

struct Relation {
  std::variant<ColumnRef, TokenRef, TupleRef, ElementRef> left;
  Operator op = Operator::kEq;
  // For kIn: either one term per value (`in_values`) or a single bind marker in `right`.
  TermPtr right;
  std::vector<TermPtr> in_values;
  bool in_is_list = false;  // true when written as IN (a, b, ...), even if empty
  // IF u.f op v (a UDT field condition, issue 12): the field, with `left` the ColumnRef of u.
  // Only conditions set it; WHERE relations never do.
  std::string field;
};

// ---- Options (WITH a = b AND ...) -------------------------------------------------------------

// A property value: a constant, an identifier-like word, or a map literal (as Term).
struct Property {
  std::string name;  // lower-cased
  TermPtr value;
};

// ---- Statements -------------------------------------------------------------------------------

enum class IfExists : bool { kNo, kYes };
enum class IfNotExists : bool { kNo, kYes };

struct UseStatement {
  std::string keyspace;
};

struct CreateKeyspaceStatement {
  std::string keyspace;
  IfNotExists if_not_exists = IfNotExists::kNo;
  std::vector<Property> properties;  // replication, durable_writes, tags
};

struct AlterKeyspaceStatement {
  std::string keyspace;
  std::vector<Property> properties;
  // ALTER KEYSPACE ks ADD TAGS {...} / DROP TAGS {...}
  TermPtr add_tags;
  TermPtr drop_tags;
};

struct DropKeyspaceStatement {
  std::string keyspace;
  IfExists if_exists = IfExists::kNo;
};

struct ColumnDefinition {
  std::string name;
  TypeName type;
  bool is_static = false;
  bool primary_key = false;  // "col type PRIMARY KEY"
};

struct ClusteringOrder {
  std::string column;
  bool descending = false;
};

struct CreateTableStatement {
  QualifiedName table;
  IfNotExists if_not_exists = IfNotExists::kNo;
  std::vector<ColumnDefinition> columns;
  // From PRIMARY KEY ((a, b), c, d); empty when a column said PRIMARY KEY inline.
  std::vector<std::string> partition_key;
  std::vector<std::string> clustering_key;
  std::vector<ClusteringOrder> clustering_order;
  bool compact_storage = false;
  std::vector<Property> properties;  // every other WITH option, including custom_properties, tags
};

struct AlterTableStatement {
  enum class Kind : uint8_t { kAdd, kDrop, kRename, kWith, kAlterType, kAddTags, kDropTags };
  QualifiedName table;
  Kind kind = Kind::kWith;
  std::vector<ColumnDefinition> added;                       // kAdd
  std::vector<std::string> dropped;                          // kDrop
  std::vector<std::pair<std::string, std::string>> renames;  // kRename: from -> to
  std::vector<Property> properties;                          // kWith
  std::string altered_column;                                // kAlterType
  TypeName altered_type;                                     // kAlterType
  TermPtr tags;                                              // kAddTags / kDropTags
};

struct DropTableStatement {
  QualifiedName table;
  IfExists if_exists = IfExists::kNo;
};

struct TruncateStatement {
  QualifiedName table;
};

// USING TTL x AND TIMESTAMP y; each may be a literal or a bind marker.
struct UsingClause {
  TermPtr ttl;
  TermPtr timestamp;
};

// IF EXISTS / IF NOT EXISTS / IF a = 1 AND b > 2 (lightweight transactions).
struct Conditions {
  bool if_exists = false;
  bool if_not_exists = false;
  std::vector<Relation> columns;
  bool any() const { return if_exists || if_not_exists || !columns.empty(); }
};

struct InsertStatement {
  QualifiedName table;
  std::vector<std::string> columns;
  std::vector<TermPtr> values;
  bool json = false;  // INSERT JSON '...': `values` holds the one JSON term
  bool default_unset = false;  // JSON ... DEFAULT UNSET
  UsingClause using_clause;
  Conditions conditions;
};

// SET clause operations.
struct Assignment {
  enum class Kind : uint8_t {
    kSet,         // c = term
    kSetElement,  // c[key] = term
    kAdd,         // c = c + term
    kSubtract,    // c = c - term
    kPrepend,     // c = term + c
    kSetField,    // c.field = term (UDT)
  };
  Kind kind = Kind::kSet;
  std::string column;
  TermPtr key;        // kSetElement
  std::string field;  // kSetField
  TermPtr value;
};

struct UpdateStatement {
  QualifiedName table;
  UsingClause using_clause;
  std::vector<Assignment> assignments;
  std::vector<Relation> where;
  Conditions conditions;
};

struct DeleteTarget {
  std::string column;
  TermPtr key;        // DELETE m['k'] FROM ...
  std::string field;  // DELETE u.field FROM ...
};

struct DeleteStatement {
  QualifiedName table;
  std::vector<DeleteTarget> columns;  // empty: delete whole rows
  UsingClause using_clause;
  std::vector<Relation> where;
  Conditions conditions;
};

struct Selector;
using SelectorPtr = std::shared_ptr<const Selector>;

struct Selector {
  enum class Kind : uint8_t {
    kColumn,     // name
    kWritetime,  // writetime(name)
    kTtl,        // ttl(name)
    kFunction,   // f(args...), including token(a, b) and count(*) (args empty, count_star)
    kCast,       // CAST(arg AS type)
    kTerm,       // a constant or bind marker used as a selector
    kField,      // arg.field
    // Collection sub-selection (Cassandra 4.0, CASSANDRA-7396; issue 11): args[0] is the
    // selected collection. kElement: arg[term]; kSlice: arg[term..slice_end], where a missing
    // bound (c[..b], c[a..]) is a null TermPtr.
    kElement,
    kSlice,
  };
  Kind kind = Kind::kColumn;
  std::string column;            // kColumn / kWritetime / kTtl
  QualifiedName function;        // kFunction
  std::vector<SelectorPtr> args; // kFunction / kCast / kField
  bool count_star = false;       // COUNT(*)
  TypeName cast_type;            // kCast
  TermPtr term;                  // kTerm
  std::string field;             // kField
  TermPtr slice_end;             // kSlice: the upper bound, null when open (issue 11)
  std::string alias;             // AS alias, empty when none
  std::string text;              // the selector as written, for the result column name
};

struct SelectStatement {
  QualifiedName table;
  bool json = false;
  bool distinct = false;
  bool select_all = false;  // SELECT *
  std::vector<SelectorPtr> selectors;
  std::vector<Relation> where;
  std::vector<std::string> group_by;
  std::vector<ClusteringOrder> order_by;
  TermPtr per_partition_limit;
  TermPtr limit;
  bool allow_filtering = false;
};

struct Statement;

struct BatchStatement {
  enum class Type : uint8_t { kLogged, kUnlogged, kCounter };
  Type type = Type::kLogged;
  UsingClause using_clause;
  // Each is an InsertStatement, UpdateStatement or DeleteStatement.
  std::vector<std::shared_ptr<const Statement>> statements;
};

// DESCRIBE ... (server-side, as Cassandra 4 answers it to cqlsh).
struct DescribeStatement {
  enum class Kind : uint8_t {
    kKeyspaces,   // DESCRIBE KEYSPACES
    kKeyspace,    // DESCRIBE KEYSPACE [ks]
    kTables,      // DESCRIBE TABLES
    kTable,       // DESCRIBE TABLE [ks.]t
    kCluster,     // DESCRIBE CLUSTER
    kSchema,      // DESCRIBE [FULL] SCHEMA
    kTypes,       // DESCRIBE TYPES / FUNCTIONS / AGGREGATES (lists)
    kFunctions,
    kAggregates,
    kName,        // DESCRIBE <name>: a keyspace, else a table
    kType,        // DESCRIBE TYPE [ks.]t (issue 11)
  };
  Kind kind = Kind::kKeyspaces;
  QualifiedName name;  // kKeyspace (name.name = keyspace), kTable, kName
  bool full = false;   // FULL SCHEMA: include system keyspaces
  bool only = false;   // DESCRIBE ONLY KEYSPACE: without its tables
};

// ---- User-defined types (issue 11) ------------------------------------------------------------

struct CreateTypeStatement {  // CREATE TYPE [IF NOT EXISTS] [ks.]t (f type, ...)
  QualifiedName name;
  IfNotExists if_not_exists = IfNotExists::kNo;
  std::vector<std::pair<std::string, TypeName>> fields;
};

struct AlterTypeStatement {
  enum class Kind : uint8_t {
    kAdd,     // ALTER TYPE t ADD [IF NOT EXISTS] f type
    kRename,  // ALTER TYPE t RENAME [IF EXISTS] a TO b [AND c TO d ...]
    kAlter,   // ALTER TYPE t ALTER f TYPE type (refused, as Cassandra 4 refuses it)
  };
  QualifiedName name;
  bool if_exists = false;  // ALTER TYPE IF EXISTS t ...
  Kind kind = Kind::kAdd;
  std::string field;                                         // kAdd, kAlter
  TypeName field_type;                                       // kAdd, kAlter
  bool if_field_not_exists = false;                          // kAdd
  bool if_field_exists = false;                              // kRename
  std::vector<std::pair<std::string, std::string>> renames;  // kRename: from -> to
};

struct DropTypeStatement {
  QualifiedName name;
  IfExists if_exists = IfExists::kNo;
};

// Statements Sibyl parses only to refuse clearly: CREATE INDEX, GRANT, ...
// query/ answers Invalid "unsupported: <what>".
struct UnsupportedStatement {
  std::string what;  // e.g. "CREATE INDEX"
};

struct Statement {
  std::variant<UseStatement, CreateKeyspaceStatement, AlterKeyspaceStatement,
               DropKeyspaceStatement, CreateTableStatement, AlterTableStatement,
               DropTableStatement, TruncateStatement, InsertStatement, UpdateStatement,
               DeleteStatement, SelectStatement, BatchStatement, DescribeStatement,
               UnsupportedStatement, CreateTypeStatement, AlterTypeStatement, DropTypeStatement>
      body;
  // Bind markers of the whole statement in order (for a batch: of all inner statements).
  std::vector<BindMarker> bind_markers;
  // The statement text as given.
  std::string text;
};

}  // namespace sibyl::cql::parser
