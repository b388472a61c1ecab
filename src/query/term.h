#pragma once
// Terms after preparation. A raw AST term (a literal, a bind marker, now()...) is checked against
// the type of what receives it (a column, a TTL, a LIMIT) once, at prepare time; constants are
// serialized then. At execution a term is evaluated against the request's bound values.

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "cql/parser/ast.h"
#include "cql/protocol/messages.h"
#include "cql/types/type.h"
#include "cql/types/value.h"

#include "query/namespaces.h"

namespace sibyl::schema {
struct ColumnMetadata;
}  // namespace sibyl::schema
namespace sibyl::query::functions {
struct Expression;  // query/functions/expression.h (issue 13)
}  // namespace sibyl::query::functions

namespace sibyl::query {

// The bind markers of a statement: what each one receives (for PREPARED metadata and for
// validating bound values).
struct BindSpecs {
  std::string keyspace;
  std::string table;
  std::vector<protocol::ColumnSpec> specs;  // indexed by BindMarker::index
  std::vector<bool> filled;
  // The column a marker is the value of (`k = ?`, `k IN (?, ?)`, INSERT ... VALUES (?)), or null
  // (`k IN ?`, token(?), TTL, LIMIT...): Cassandra's VariableSpecifications.targetColumns, from
  // which the PREPARED partition-key indexes come.
  std::vector<const schema::ColumnMetadata*> targets;

  explicit BindSpecs(size_t count = 0)
      : specs(count), filled(count, false), targets(count, nullptr) {}
  void Set(int index, std::string name, types::Type type);
  void SetTarget(int index, const schema::ColumnMetadata* column) {
    if (index >= 0 && static_cast<size_t>(index) < targets.size()) targets[index] = column;
  }
};

class PreparedTerm {
 public:
  enum class Kind : uint8_t { kConstant, kMarker, kNowTimeuuid, kRandomUuid, kCurrentTimestamp,
                              kCurrentDate, kCurrentTime, kToken,
                              // A list, set, map, tuple or UDT literal with a non-constant part
                              // (a marker, now()...): serialized and normalised per request.
                              kComposite,
                              // A function call or operator (query/functions, issue 13).
                              kExpression };

  static PreparedTerm Constant(types::Value v) {
    PreparedTerm t;
    t.kind_ = Kind::kConstant;
    t.constant_ = std::move(v);
    return t;
  }

  // token(a, b): the Murmur3 token of the partition key made of the argument values.
  static PreparedTerm Token(std::vector<PreparedTerm> args) {
    PreparedTerm t;
    t.kind_ = Kind::kToken;
    t.args_ = std::move(args);
    t.type_ = types::Type(types::Kind::kBigint);
    return t;
  }

  Kind kind() const { return kind_; }
  bool is_marker() const { return kind_ == Kind::kMarker; }
  int marker() const { return marker_; }
  const types::Type& type() const { return type_; }

  // The term's value for this request. `unset` is set (and nullopt returned) when the bound value
  // is UNSET. kInvalid if the bound bytes do not validate against the receiver type.
  Result<types::Value> Evaluate(const std::vector<protocol::BoundValue>& values,
                                bool* unset) const;

 private:
  friend Result<PreparedTerm> PrepareTerm(const parser::TermPtr& term, const types::Type& receiver,
                                          const std::string& receiver_name, BindSpecs& specs);
  friend Result<PreparedTerm> PrepareCompositeLiteral(const parser::TermPtr& term,
                                                      const types::Type& receiver,
                                                      const std::string& receiver_name,
                                                      BindSpecs& specs);
  Result<types::Value> EvaluateComposite(const std::vector<protocol::BoundValue>& values,
                                         bool* unset) const;
  Kind kind_ = Kind::kConstant;
  types::Value constant_;
  int marker_ = -1;
  types::Type type_;
  std::string receiver_name_;
  // kExpression: the prepared call.
  std::shared_ptr<const functions::Expression> expression_;
  // kToken: the arguments. kComposite: the elements (maps: key, value, key, value...; UDTs: one
  // per field in the type's order, absent fields as null constants).
  std::vector<PreparedTerm> args_;
};

// Prepares `term` for a receiver of type `receiver` named `receiver_name` (a column name, or
// "[ttl]", "[timestamp]", "[limit]"...). Records bind markers in `specs`.
// kInvalid with Cassandra's wording when the term cannot be of that type.
Result<PreparedTerm> PrepareTerm(const parser::TermPtr& term, const types::Type& receiver,
                                 const std::string& receiver_name, BindSpecs& specs);

// Evaluates a term that must be a non-null value (keys, TTL, LIMIT...). kInvalid
// "Invalid null value for <what>" / "Invalid unset value for <what>" otherwise.
Result<std::string> EvaluateRequired(const PreparedTerm& term,
                                     const std::vector<protocol::BoundValue>& values,
                                     const std::string& what);

}  // namespace sibyl::query
