#include "query/where_clause.h"

#include <algorithm>
#include <fmt/format.h>
#include <set>

#include "cql/types/collection_access.h"
#include "cql/types/key_encoding.h"
#include "cql/types/validate.h"
#include "query/collection_values.h"

namespace sibyl::query {

using parser::Operator;
using schema::ColumnKind;
using schema::ColumnMetadata;

namespace {

constexpr const char* kFilteringError =
    "Cannot execute this query as it might involve data filtering and thus may have "
    "unpredictable performance. If you want to execute this query despite the performance "
    "unpredictability, use ALLOW FILTERING";

bool IsSlice(Operator op) {
  return op == Operator::kLt || op == Operator::kLte || op == Operator::kGt || op == Operator::kGte;
}

const char* OpText(Operator op) {
  switch (op) {
    case Operator::kEq: return "=";
    case Operator::kLt: return "<";
    case Operator::kLte: return "<=";
    case Operator::kGt: return ">";
    case Operator::kGte: return ">=";
    case Operator::kNeq: return "!=";
    case Operator::kIn: return "IN";
    case Operator::kContains: return "CONTAINS";
    case Operator::kContainsKey: return "CONTAINS KEY";
    case Operator::kLike: return "LIKE";
    case Operator::kIsNot: return "IS NOT";
  }
  return "?";
}

types::Type ListOf(const types::Type& t) { return types::Type::List(t, /*frozen=*/false); }

Result<Filter> MakeFilter(const ColumnMetadata& column, const parser::Relation& rel,
                          BindSpecs& specs) {
  Filter f;
  f.column = &column;
  f.op = rel.op;
  if (rel.op == Operator::kIn) {
    if (rel.in_is_list) {
      for (const auto& v : rel.in_values) {
        ASSIGN_OR_RETURN(auto t, PrepareColumnTerm(v, column, specs));
        f.in_values.push_back(std::move(t));
      }
    } else {
      ASSIGN_OR_RETURN(auto t, PrepareTerm(rel.right, ListOf(column.type), "in(" + column.name + ")", specs));
      f.in_marker = std::move(t);
    }
    return f;
  }
  ASSIGN_OR_RETURN(f.value, PrepareColumnTerm(rel.right, column, specs));
  return f;
}

// Merges a single-column relation on a key column into its restriction.
Status AddToRestriction(const ColumnMetadata& column, const parser::Relation& rel,
                        std::optional<ColumnRestriction>& slot, BindSpecs& specs) {
  if (slot && (slot->kind != ColumnRestriction::Kind::kSlice || !IsSlice(rel.op))) {
    return InvalidRequest(fmt::format(
        "{} cannot be restricted by more than one relation if it includes {}", column.name,
        slot->kind == ColumnRestriction::Kind::kIn ? "a IN" : "an Equal"));
  }
  if (!slot) {
    slot.emplace();
    slot->column = &column;
  }
  ColumnRestriction& r = *slot;
  if (rel.op == Operator::kEq) {
    r.kind = ColumnRestriction::Kind::kEq;
    ASSIGN_OR_RETURN(auto t, PrepareColumnTerm(rel.right, column, specs));
    r.values.push_back(std::move(t));
    return Status::OK();
  }
  if (rel.op == Operator::kIn) {
    r.kind = ColumnRestriction::Kind::kIn;
    if (rel.in_is_list) {
      for (const auto& v : rel.in_values) {
        ASSIGN_OR_RETURN(auto t, PrepareColumnTerm(v, column, specs));
        r.values.push_back(std::move(t));
      }
    } else {
      ASSIGN_OR_RETURN(auto t, PrepareTerm(rel.right, ListOf(column.type),
                                           "in(" + column.name + ")", specs));
      r.in_marker = std::move(t);
    }
    return Status::OK();
  }
  r.kind = ColumnRestriction::Kind::kSlice;
  ASSIGN_OR_RETURN(auto t, PrepareColumnTerm(rel.right, column, specs));
  bool inclusive = rel.op == Operator::kGte || rel.op == Operator::kLte;
  bool is_lower = rel.op == Operator::kGt || rel.op == Operator::kGte;
  auto& bound = is_lower ? r.lower : r.upper;
  if (bound) {
    return InvalidRequest(fmt::format("More than one restriction was found for the {} bound on {}",
                                      is_lower ? "start" : "end", column.name));
  }
  bound = TermBound{std::move(t), inclusive};
  return Status::OK();
}

// Terms and relations as Cassandra's toString() writes them in its messages
// (MultiColumnRelation.toString: "(b, c) > (1, ?)").
std::string TermText(const parser::TermPtr& term) {
  if (term == nullptr) return "";
  const auto& v = term->value;
  if (const auto* lit = std::get_if<parser::Literal>(&v)) {
    if (lit->kind == types::LiteralKind::kString) {
      std::string quoted = "'";
      for (char c : lit->text) {
        quoted += c;
        if (c == '\'') quoted += '\'';
      }
      return quoted + "'";
    }
    return lit->text;
  }
  if (const auto* marker = std::get_if<parser::BindMarker>(&v)) {
    return marker->name.empty() ? "?" : ":" + marker->name;
  }
  if (std::holds_alternative<parser::NullLiteral>(v)) return "null";
  if (const auto* tuple = std::get_if<parser::TupleLiteral>(&v)) {
    std::string out = "(";
    for (size_t i = 0; i < tuple->elements.size(); ++i) {
      out += (i ? ", " : "") + TermText(tuple->elements[i]);
    }
    return out + ")";
  }
  if (const auto* call = std::get_if<parser::FunctionCall>(&v)) {
    std::string out = call->name.name + "(";
    for (size_t i = 0; i < call->args.size(); ++i) out += (i ? ", " : "") + TermText(call->args[i]);
    return out + ")";
  }
  return "...";
}

std::string TupleRelationText(const parser::TupleRef& ref, const parser::Relation& rel) {
  std::string out = "(";
  for (size_t i = 0; i < ref.columns.size(); ++i) out += (i ? ", " : "") + ref.columns[i];
  out += ")";
  if (rel.op == Operator::kIn) {
    if (!rel.in_is_list) return out + " IN ?";
    out += " IN (";
    for (size_t i = 0; i < rel.in_values.size(); ++i) {
      out += (i ? ", " : "") + TermText(rel.in_values[i]);
    }
    return out + ")";
  }
  return out + " " + OpText(rel.op) + " " + TermText(rel.right);
}

Result<std::vector<PreparedTerm>> PrepareTuple(const parser::TermPtr& term,
                                               const std::vector<const ColumnMetadata*>& columns,
                                               BindSpecs& specs) {
  const auto* tuple = std::get_if<parser::TupleLiteral>(&term->value);
  if (tuple == nullptr) {
    return Unsupported("a bind marker or non-tuple value in a multi-column relation");
  }
  if (tuple->elements.size() != columns.size()) {
    // Tuples.Literal.validateAssignableTo: "Expected %d elements in value tuple, but got %d: %s".
    return InvalidRequest(fmt::format("Expected {} elements in value tuple, but got {}: {}",
                                      columns.size(), tuple->elements.size(), TermText(term)));
  }
  std::vector<PreparedTerm> out;
  for (size_t i = 0; i < columns.size(); ++i) {
    ASSIGN_OR_RETURN(auto t, PrepareTerm(tuple->elements[i], columns[i]->type, columns[i]->name, specs));
    out.push_back(std::move(t));
  }
  return out;
}

// A single-column relation on a clustering column, as a one-column restriction.
Result<ClusteringRestriction> MakeSingleClustering(const ColumnMetadata& column,
                                                   const parser::Relation& rel, BindSpecs& specs) {
  ClusteringRestriction r;
  r.columns = {&column};
  if (rel.op == Operator::kEq) {
    r.kind = ClusteringRestriction::Kind::kEq;
    ASSIGN_OR_RETURN(auto t, PrepareTerm(rel.right, column.type, column.name, specs));
    r.tuples.push_back({std::move(t)});
    return r;
  }
  if (rel.op == Operator::kIn) {
    r.kind = ClusteringRestriction::Kind::kIn;
    if (rel.in_is_list) {
      for (const auto& v : rel.in_values) {
        ASSIGN_OR_RETURN(auto t, PrepareTerm(v, column.type, column.name, specs));
        r.tuples.push_back({std::move(t)});
      }
    } else {
      ASSIGN_OR_RETURN(auto t, PrepareTerm(rel.right, ListOf(column.type),
                                           "in(" + column.name + ")", specs));
      r.in_marker = std::move(t);
    }
    return r;
  }
  r.kind = ClusteringRestriction::Kind::kSlice;
  ASSIGN_OR_RETURN(auto t, PrepareTerm(rel.right, column.type, column.name, specs));
  bool inclusive = rel.op == Operator::kGte || rel.op == Operator::kLte;
  if (rel.op == Operator::kGt || rel.op == Operator::kGte) {
    r.lower.push_back(std::move(t));
    r.lower_inclusive = inclusive;
  } else {
    r.upper.push_back(std::move(t));
    r.upper_inclusive = inclusive;
  }
  return r;
}

// (b, c) op (...): Cassandra 4.1 MultiColumnRelation.receivers and toRestriction.
Result<ClusteringRestriction> MakeMultiClustering(const schema::TableMetadata& table,
                                                  const parser::TupleRef& ref,
                                                  const parser::Relation& rel, BindSpecs& specs) {
  ClusteringRestriction r;
  r.multi_column = true;
  for (size_t i = 0; i < ref.columns.size(); ++i) {
    const ColumnMetadata* c = table.FindColumn(ref.columns[i]);
    if (c == nullptr) return InvalidRequest("Undefined column name " + ref.columns[i]);
    if (c->kind != ColumnKind::kClustering) {
      return InvalidRequest("Multi-column relations can only be applied to clustering columns but "
                            "was applied to: " + c->name);
    }
    for (const auto* seen : r.columns) {
      if (seen == c) {
        return InvalidRequest(fmt::format("Column \"{}\" appeared twice in a relation: {}", c->name,
                                          TupleRelationText(ref, rel)));
      }
    }
    if (!r.columns.empty() && c->position != r.columns.back()->position + 1) {
      return InvalidRequest(
          "Clustering columns must appear in the PRIMARY KEY order in multi-column relations: " +
          TupleRelationText(ref, rel));
    }
    r.columns.push_back(c);
  }
  if (rel.op == Operator::kEq) {
    r.kind = ClusteringRestriction::Kind::kEq;
    ASSIGN_OR_RETURN(auto tuple, PrepareTuple(rel.right, r.columns, specs));
    r.tuples.push_back(std::move(tuple));
    return r;
  }
  if (rel.op == Operator::kIn) {
    r.kind = ClusteringRestriction::Kind::kIn;
    if (!rel.in_is_list) return Unsupported("IN ? on a multi-column relation");
    for (const auto& v : rel.in_values) {
      ASSIGN_OR_RETURN(auto tuple, PrepareTuple(v, r.columns, specs));
      r.tuples.push_back(std::move(tuple));
    }
    return r;
  }
  if (!IsSlice(rel.op)) {
    return InvalidRequest(fmt::format("Unsupported \"{}\" relation: {}", OpText(rel.op),
                                      TupleRelationText(ref, rel)));
  }
  r.kind = ClusteringRestriction::Kind::kSlice;
  ASSIGN_OR_RETURN(auto tuple, PrepareTuple(rel.right, r.columns, specs));
  bool inclusive = rel.op == Operator::kGte || rel.op == Operator::kLte;
  if (rel.op == Operator::kGt || rel.op == Operator::kGte) {
    r.lower = std::move(tuple);
    r.lower_inclusive = inclusive;
  } else {
    r.upper = std::move(tuple);
    r.upper_inclusive = inclusive;
  }
  return r;
}

// The names of the columns two restrictions share, in clustering order
// (MultiColumnRestriction.getColumnsInCommons).
std::string ColumnsInCommon(const ClusteringRestriction& a, const ClusteringRestriction& b) {
  std::string out;
  for (const auto* c : a.columns) {
    if (std::find(b.columns.begin(), b.columns.end(), c) == b.columns.end()) continue;
    out += (out.empty() ? "" : " ,") + c->name;
  }
  return out;
}

// existing.mergeWith(added), as Cassandra 4.1's SingleColumnRestriction / MultiColumnRestriction
// doMergeWith: only two slices starting on the same column merge (into one slice over the longer
// column list); every other pair is refused with Cassandra's text.
Result<ClusteringRestriction> MergeClustering(const ClusteringRestriction& existing,
                                              const ClusteringRestriction& added) {
  using Kind = ClusteringRestriction::Kind;
  const std::string common = ColumnsInCommon(existing, added);
  if (existing.kind == Kind::kEq) {
    return InvalidRequest(fmt::format(
        "{} cannot be restricted by more than one relation if it includes an Equal", common));
  }
  if (existing.kind == Kind::kIn) {
    return InvalidRequest(fmt::format(
        "{} cannot be restricted by more than one relation if it includes a IN", common));
  }
  if (added.kind != Kind::kSlice) {
    return InvalidRequest(fmt::format(
        "Column \"{}\" cannot be restricted by both an equality and an inequality relation",
        common));
  }
  if (existing.columns.front() != added.columns.front()) {
    const ColumnMetadata* later = existing.first_position() > added.first_position()
                                      ? existing.columns.front()
                                      : added.columns.front();
    return InvalidRequest(fmt::format(
        "Column \"{}\" cannot be restricted by two inequalities not starting with the same column",
        later->name));
  }
  if (!existing.lower.empty() && !added.lower.empty()) {
    return InvalidRequest(
        fmt::format("More than one restriction was found for the start bound on {}", common));
  }
  if (!existing.upper.empty() && !added.upper.empty()) {
    return InvalidRequest(
        fmt::format("More than one restriction was found for the end bound on {}", common));
  }
  ClusteringRestriction merged = existing;
  merged.multi_column = existing.multi_column || added.multi_column;
  if (added.columns.size() > merged.columns.size()) merged.columns = added.columns;
  if (!added.lower.empty()) {
    merged.lower = added.lower;
    merged.lower_inclusive = added.lower_inclusive;
  }
  if (!added.upper.empty()) {
    merged.upper = added.upper;
    merged.upper_inclusive = added.upper_inclusive;
  }
  return merged;
}

// Adds one relation's restriction to the clustering restrictions (kept sorted by first column),
// as Cassandra 4.1's ClusteringColumnRestrictions.mergeWith: merge with the restrictions sharing
// a column first, then (unless filtering) check the order against the restrictions before it.
Status AddClustering(std::vector<ClusteringRestriction>& parts, ClusteringRestriction added,
                     bool check_order) {
  std::vector<ClusteringRestriction> next;
  std::optional<ClusteringRestriction> merged;
  for (const auto& existing : parts) {
    bool overlaps = existing.first_position() <= added.last_position() &&
                    added.first_position() <= existing.last_position();
    if (!overlaps) {
      next.push_back(existing);
      continue;
    }
    ASSIGN_OR_RETURN(merged, MergeClustering(existing, added));
  }
  if (check_order && !parts.empty()) {
    const ClusteringRestriction& last = parts.back();
    const ColumnMetadata* last_start = last.columns.front();
    const ColumnMetadata* new_start = added.columns.front();
    if (last.kind == ClusteringRestriction::Kind::kSlice &&
        new_start->position > last_start->position) {
      return InvalidRequest(fmt::format(
          "Clustering column \"{}\" cannot be restricted (preceding column \"{}\" is restricted by "
          "a non-EQ relation)",
          new_start->name, last_start->name));
    }
    if (new_start->position < last_start->position &&
        added.kind == ClusteringRestriction::Kind::kSlice) {
      // RestrictionSet.nextColumn: the first restricted column after the new one's start.
      const ColumnMetadata* next_column = nullptr;
      for (const auto& p : parts) {
        for (const auto* c : p.columns) {
          if (c->position > new_start->position &&
              (next_column == nullptr || c->position < next_column->position)) {
            next_column = c;
          }
        }
      }
      return InvalidRequest(fmt::format(
          "PRIMARY KEY column \"{}\" cannot be restricted (preceding column \"{}\" is restricted "
          "by a non-EQ relation)",
          next_column->name, new_start->name));
    }
  }
  next.push_back(merged ? std::move(*merged) : std::move(added));
  std::sort(next.begin(), next.end(), [](const auto& a, const auto& b) {
    return a.first_position() < b.first_position();
  });
  parts = std::move(next);
  return Status::OK();
}

// A clustering restriction that cannot be used as a range (ALLOW FILTERING), as row filters.
Status AddClusteringFilters(const ClusteringRestriction& r, std::vector<Filter>& filters) {
  using Kind = ClusteringRestriction::Kind;
  if (r.multi_column && r.kind == Kind::kSlice) {
    return InvalidRequest("Multi-column slice restrictions cannot be used for filtering.");
  }
  if (r.multi_column && r.kind == Kind::kIn && r.columns.size() > 1) {
    return InvalidRequest("Multicolumn IN filters are not supported");
  }
  if (r.kind == Kind::kEq) {
    for (size_t i = 0; i < r.columns.size(); ++i) {
      Filter f;
      f.column = r.columns[i];
      f.op = Operator::kEq;
      f.value = r.tuples[0][i];
      filters.push_back(std::move(f));
    }
    return Status::OK();
  }
  if (r.kind == Kind::kIn) {
    Filter f;
    f.column = r.columns[0];
    f.op = Operator::kIn;
    for (const auto& t : r.tuples) f.in_values.push_back(t[0]);
    f.in_marker = r.in_marker;
    filters.push_back(std::move(f));
    return Status::OK();
  }
  auto add = [&](Operator op, const PreparedTerm& t) {
    Filter f;
    f.column = r.columns[0];
    f.op = op;
    f.value = t;
    filters.push_back(std::move(f));
  };
  if (!r.lower.empty()) add(r.lower_inclusive ? Operator::kGte : Operator::kGt, r.lower[0]);
  if (!r.upper.empty()) add(r.upper_inclusive ? Operator::kLte : Operator::kLt, r.upper[0]);
  return Status::OK();
}

// `c CONTAINS v` / `m CONTAINS KEY k` (issue 11), with Cassandra 4.1's checks in
// SingleColumnRelation.toReceivers order and its receivers (CollectionType.makeCollectionReceiver:
// "value(c)" of the element or map value type, "key(m)" of the map key type).
Result<Filter> MakeContainsFilter(const ColumnMetadata& column, const parser::Relation& rel,
                                  StatementKind kind, BindSpecs& specs) {
  const types::Type& type = column.type;
  const bool key = rel.op == Operator::kContainsKey;
  if (key && type.kind() != types::Kind::kMap) {
    return InvalidRequest("Cannot use CONTAINS KEY on non-map column " + column.name);
  }
  if (!key && !type.IsCollection()) {
    return InvalidRequest("Cannot use CONTAINS on non-collection column " + column.name);
  }
  if (kind != StatementKind::kSelect) {
    if (column.kind == ColumnKind::kRegular || column.kind == ColumnKind::kStatic) {
      return InvalidRequest("Non PRIMARY KEY columns found in where clause: " + column.name);
    }
    return InvalidRequest(fmt::format("Cannot use {} with CONTAINS",
                                      kind == StatementKind::kUpdate ? "UPDATE" : "DELETE"));
  }
  const bool map = type.kind() == types::Kind::kMap;
  const types::Type& element = key ? type.params()[0] : map ? type.params()[1] : type.params()[0];
  Filter f;
  f.column = &column;
  f.op = rel.op;
  ASSIGN_OR_RETURN(f.value, PrepareTerm(rel.right, element,
                                        (key ? "key(" : "value(") + column.name + ")", specs));
  return f;
}

// `m[k] = v` (issue 11): SingleColumnRelation.toReceivers with a map key, then a
// ContainsRestriction on the entry; only non-frozen maps, only EQ.
Result<Filter> MakeMapEntryFilter(const schema::TableMetadata& table,
                                  const parser::ElementRef& element, const parser::Relation& rel,
                                  StatementKind kind, BindSpecs& specs) {
  const ColumnMetadata* column = table.FindColumn(element.column);
  if (column == nullptr) return InvalidRequest("Undefined column name " + element.column);
  const types::Type& type = column->type;
  if (rel.op == Operator::kContainsKey && type.kind() != types::Kind::kMap) {
    return InvalidRequest("Cannot use CONTAINS KEY on non-map column " + column->name);
  }
  if (rel.op == Operator::kContains && !type.IsCollection()) {
    return InvalidRequest("Cannot use CONTAINS on non-collection column " + column->name);
  }
  if (type.kind() == types::Kind::kList) {
    return InvalidRequest(fmt::format(
        "Indexes on list entries ({}[index] = value) are not currently supported.", column->name));
  }
  if (type.kind() != types::Kind::kMap) {
    return InvalidRequest(fmt::format("Column {} cannot be used as a map", column->name));
  }
  if (type.frozen()) {
    return InvalidRequest(fmt::format(
        "Map-entry equality predicates on frozen map column {} are not supported", column->name));
  }
  if (rel.op != Operator::kEq) {
    return InvalidRequest("Only EQ relations are supported on map entries");
  }
  if (kind != StatementKind::kSelect) {
    return InvalidRequest("Non PRIMARY KEY columns found in where clause: " + column->name);
  }
  Filter f;
  f.column = column;
  f.op = Operator::kEq;
  ASSIGN_OR_RETURN(f.map_key,
                   PrepareTerm(element.key, type.params()[0], "key(" + column->name + ")", specs));
  ASSIGN_OR_RETURN(f.value,
                   PrepareTerm(rel.right, type.params()[1], "value(" + column->name + ")", specs));
  return f;
}

}  // namespace

Result<PreparedTerm> PrepareColumnTerm(const parser::TermPtr& term,
                                       const schema::ColumnMetadata& column, BindSpecs& specs) {
  ASSIGN_OR_RETURN(PreparedTerm t, PrepareTerm(term, column.type, column.name, specs));
  if (t.is_marker()) specs.SetTarget(t.marker(), &column);
  return t;
}

std::vector<uint16_t> PartitionKeyBindIndexes(const schema::TableMetadata& table,
                                              const BindSpecs& specs) {
  std::vector<uint16_t> indexes(table.partition_key.size(), 0);
  std::vector<bool> set(table.partition_key.size(), false);
  for (size_t i = 0; i < specs.targets.size() && i <= UINT16_MAX; ++i) {
    const ColumnMetadata* target = specs.targets[i];
    if (target == nullptr || target->kind != ColumnKind::kPartitionKey) continue;
    if (target->position < 0 || static_cast<size_t>(target->position) >= indexes.size()) continue;
    indexes[target->position] = static_cast<uint16_t>(i);
    set[target->position] = true;
  }
  for (bool b : set) {
    if (!b) return {};
  }
  return indexes;
}

bool WhereClause::ClusteringFullyEq(const schema::TableMetadata& table) const {
  size_t covered = 0;
  for (const auto& r : clustering) {
    if (r.kind == ClusteringRestriction::Kind::kSlice) return false;
    covered += r.columns.size();
  }
  return covered == table.clustering.size();
}

bool WhereClause::HasClusteringSlice() const {
  for (const auto& r : clustering) {
    if (r.kind == ClusteringRestriction::Kind::kSlice) return true;
  }
  return false;
}

Result<WhereClause> AnalyzeWhere(const schema::TableMetadata& table,
                                 const std::vector<parser::Relation>& relations,
                                 StatementKind kind, bool allow_filtering, BindSpecs& specs) {
  WhereClause where;
  std::vector<std::optional<ColumnRestriction>> pk(table.partition_key.size());
  std::vector<bool> pk_sliced(table.partition_key.size(), false);
  std::vector<ClusteringRestriction> ck;
  // Cassandra checks the order of clustering restrictions unless the SELECT allows filtering
  // (UPDATE and DELETE never do).
  const bool select_filtering = kind == StatementKind::kSelect && allow_filtering;
  std::vector<const parser::Relation*> regular;
  bool has_token = false;
  bool clustering_contains = false;  // issue 11

  for (const auto& rel : relations) {
    if (const auto* token = std::get_if<parser::TokenRef>(&rel.left)) {
      if (kind != StatementKind::kSelect) {
        return InvalidRequest(fmt::format(
            "The token function cannot be used in WHERE clauses for {} statements",
            kind == StatementKind::kUpdate ? "UPDATE" : "DELETE"));
      }
      bool matches = token->columns.size() == table.partition_key.size();
      for (size_t i = 0; matches && i < token->columns.size(); ++i) {
        matches = token->columns[i] == table.partition_key_column(i).name;
      }
      if (!matches) {
        // Cassandra 4.1 TokenRelation.toReceivers, in its order.
        std::vector<const ColumnMetadata*> args;
        for (const auto& c : token->columns) {
          const ColumnMetadata* column = table.FindColumn(c);
          if (column == nullptr) return InvalidRequest("Undefined column name " + c);
          args.push_back(column);
        }
        for (size_t i = 0; i < table.partition_key.size(); ++i) {
          if (std::find(args.begin(), args.end(), &table.partition_key_column(i)) == args.end()) {
            return InvalidRequest(
                "The token() function must be applied to all partition key components or none "
                "of them");
          }
        }
        for (size_t i = 0; i < args.size(); ++i) {
          if (std::find(args.begin(), args.begin() + i, args[i]) != args.begin() + i) {
            return InvalidRequest(
                "The token() function contains duplicate partition key components");
          }
        }
        for (const auto* column : args) {
          if (column->kind != ColumnKind::kPartitionKey) {
            return InvalidRequest("The token() function must contains only partition key components");
          }
        }
        std::string order;
        for (size_t i = 0; i < table.partition_key.size(); ++i) {
          order += (i ? ", " : "") + table.partition_key_column(i).name;
        }
        return InvalidRequest("The token function arguments must be in the partition key order: " +
                              order);
      }
      if (rel.op == Operator::kIn || !(rel.op == Operator::kEq || IsSlice(rel.op))) {
        return InvalidRequest(fmt::format("{} cannot be used with the token function", OpText(rel.op)));
      }
      PreparedTerm t;
      const auto* call = std::get_if<parser::FunctionCall>(&rel.right->value);
      if (call != nullptr && call->name.name == "token") {
        // token(k) > token(1): the token of literal key values.
        if (call->args.size() != table.partition_key.size()) {
          return InvalidRequest(fmt::format("Invalid number of arguments in call to function token: "
                                            "{} required but {} provided",
                                            table.partition_key.size(), call->args.size()));
        }
        std::vector<PreparedTerm> args;
        for (size_t i = 0; i < call->args.size(); ++i) {
          const auto& column = table.partition_key_column(i);
          // FunctionResolver.makeArgSpec: a function argument's marker is named
          // "arg<i>(system.token)" and targets no column, so it is no partition-key index.
          ASSIGN_OR_RETURN(auto arg, PrepareTerm(call->args[i], column.type,
                                                 fmt::format("arg{}(system.token)", i), specs));
          args.push_back(std::move(arg));
        }
        t = PreparedTerm::Token(std::move(args));
      } else {
        ASSIGN_OR_RETURN(t, PrepareTerm(rel.right, types::Type(types::Kind::kBigint),
                                        "partition key token", specs));
      }
      has_token = true;
      bool inclusive = rel.op == Operator::kEq || rel.op == Operator::kGte || rel.op == Operator::kLte;
      if (rel.op == Operator::kEq || rel.op == Operator::kGt || rel.op == Operator::kGte) {
        if (where.token_lower) return InvalidRequest("More than one restriction was found for the start bound on token");
        where.token_lower = TermBound{t, inclusive};
      }
      if (rel.op == Operator::kEq || rel.op == Operator::kLt || rel.op == Operator::kLte) {
        if (where.token_upper) return InvalidRequest("More than one restriction was found for the end bound on token");
        where.token_upper = TermBound{t, inclusive};
      }
      continue;
    }
    if (const auto* tuple = std::get_if<parser::TupleRef>(&rel.left)) {
      ASSIGN_OR_RETURN(auto r, MakeMultiClustering(table, *tuple, rel, specs));
      RETURN_IF_ERROR(AddClustering(ck, std::move(r), !select_filtering));
      where.any_clustering_restriction = true;
      continue;
    }
    if (const auto* element = std::get_if<parser::ElementRef>(&rel.left)) {
      ASSIGN_OR_RETURN(Filter f, MakeMapEntryFilter(table, *element, rel, kind, specs));
      where.filters.push_back(std::move(f));
      continue;
    }
    const std::string& name = std::get<parser::ColumnRef>(rel.left).name;
    const ColumnMetadata* column = table.FindColumn(name);
    if (column == nullptr) return InvalidRequest("Undefined column name " + name);
    if (rel.op == Operator::kContains || rel.op == Operator::kContainsKey) {
      ASSIGN_OR_RETURN(Filter f, MakeContainsFilter(*column, rel, kind, specs));
      if (column->kind == ColumnKind::kClustering) {
        where.any_clustering_restriction = true;
        clustering_contains = true;
        // ClusteringColumnRestrictions.addRestriction: after a slice on an earlier column.
        if (!select_filtering && !ck.empty() &&
            ck.back().kind == ClusteringRestriction::Kind::kSlice &&
            ck.back().first_position() < column->position) {
          return InvalidRequest(fmt::format(
              "Clustering column \"{}\" cannot be restricted (preceding column \"{}\" is "
              "restricted by a non-EQ relation)",
              column->name, ck.back().columns.front()->name));
        }
      }
      where.filters.push_back(std::move(f));
      continue;
    }
    // SingleColumnRelation.toReceivers: a non-frozen collection is only restricted by CONTAINS,
    // CONTAINS KEY and map entries (issue 11).
    if (column->type.IsCollection() && !column->type.frozen() && rel.op != Operator::kNeq &&
        rel.op != Operator::kIsNot && rel.op != Operator::kLike) {
      return InvalidRequest(fmt::format(
          "Collection column '{}' ({}) cannot be restricted by a '{}' relation", column->name,
          column->type.ToCql(), OpText(rel.op)));
    }
    switch (rel.op) {
      case Operator::kNeq:
        return InvalidRequest(fmt::format("Unsupported \"!=\" relation on column {}", name));
      case Operator::kIsNot:
        return InvalidRequest("Unsupported restriction: " + name + " IS NOT NULL");
      case Operator::kLike:
        return InvalidRequest(fmt::format(
            "LIKE restriction is only supported on properly indexed columns. {} LIKE ... is not "
            "valid.",
            name));
      default:
        break;
    }
    if (column->kind == ColumnKind::kPartitionKey) {
      if (IsSlice(rel.op)) {
        if (kind == StatementKind::kSelect && allow_filtering) {
          regular.push_back(&rel);
          continue;
        }
        // Refused below, after the checks Cassandra makes first.
        pk_sliced[column->position] = true;
        continue;
      }
      RETURN_IF_ERROR(AddToRestriction(*column, rel, pk[column->position], specs));
    } else if (column->kind == ColumnKind::kClustering) {
      ASSIGN_OR_RETURN(auto r, MakeSingleClustering(*column, rel, specs));
      RETURN_IF_ERROR(AddClustering(ck, std::move(r), !select_filtering));
      where.any_clustering_restriction = true;
    } else {
      regular.push_back(&rel);
    }
  }

  // Partition key: all components by EQ/IN, or none.
  size_t pk_restricted = std::count_if(pk.begin(), pk.end(), [](auto& r) { return r.has_value(); });
  if (pk_restricted > 0 && has_token) {
    return InvalidRequest(fmt::format(
        "Columns \"{}\" cannot be restricted by both a normal relation and a token relation",
        table.partition_key_column(0).name));
  }
  const bool any_pk_slice = std::count(pk_sliced.begin(), pk_sliced.end(), true) > 0;
  if (kind != StatementKind::kSelect) {
    // Cassandra 4.1 StatementRestrictions.processPartitionKeyRestrictions for UPDATE and DELETE:
    // every component restricted, then only by EQ or IN.
    std::string missing;
    for (size_t i = 0; i < pk.size(); ++i) {
      if (!pk[i] && !pk_sliced[i]) {
        missing += (missing.empty() ? "" : ", ") + table.partition_key_column(i).name;
      }
    }
    if (!missing.empty()) return InvalidRequest("Some partition key parts are missing: " + missing);
    if (any_pk_slice) {
      return InvalidRequest(fmt::format(
          "Only EQ and IN relation are supported on the partition key (unless you use the "
          "token() function) for {} statements",
          kind == StatementKind::kUpdate ? "UPDATE" : "DELETE"));
    }
  } else if (any_pk_slice) {
    // A SELECT: a slice on the partition key needs filtering (processPartitionKeyRestrictions:
    // partitionKeyRestrictions.needFiltering -> the ALLOW FILTERING message).
    return InvalidRequest(kFilteringError);
  }
  if (pk_restricted == pk.size()) {
    for (auto& r : pk) where.partition.push_back(std::move(*r));
  } else if (pk_restricted > 0) {
    if (!allow_filtering) return InvalidRequest(kFilteringError);
    for (auto& r : pk) {
      if (!r) continue;
      Filter f;
      f.column = r->column;
      if (r->kind == ColumnRestriction::Kind::kEq) {
        f.op = Operator::kEq;
        f.value = r->values[0];
      } else {
        f.op = Operator::kIn;
        f.in_values = r->values;
        f.in_marker = r->in_marker;
      }
      where.filters.push_back(std::move(f));
    }
  }

  // Clustering: an EQ/IN prefix, then at most one slice; the rest only as filters (ALLOW
  // FILTERING). Cassandra 4.1 StatementRestrictions.processClusteringColumnsRestrictions: a
  // SELECT or DELETE must restrict a prefix ("PRIMARY KEY column ... is not restricted"); an
  // UPDATE names the columns it misses ("Some clustering keys are missing").
  if (kind == StatementKind::kUpdate) {
    std::vector<bool> covered(table.clustering.size(), false);
    for (const auto& r : ck) {
      for (const auto* c : r.columns) covered[c->position] = true;
    }
    for (size_t i = 0; i < covered.size(); ++i) {
      if (!covered[i]) where.unrestricted_clustering.push_back(table.clustering_column(i).name);
    }
  }

  // StatementRestrictions.processClusteringColumnsRestrictions (Cassandra 4.1).
  if (clustering_contains && kind == StatementKind::kSelect && !allow_filtering) {
    return InvalidRequest(
        "Clustering columns can only be restricted with CONTAINS with a secondary index or "
        "filtering");
  }
  int expected = 0;
  bool prefix_broken = false;
  for (auto& r : ck) {
    if (!prefix_broken && r.first_position() == expected) {
      expected = r.last_position() + 1;
      prefix_broken = r.kind == ClusteringRestriction::Kind::kSlice;
      where.clustering.push_back(std::move(r));
      continue;
    }
    if (select_filtering) {
      RETURN_IF_ERROR(AddClusteringFilters(r, where.filters));
      prefix_broken = true;
      continue;
    }
    if (kind == StatementKind::kUpdate) break;
    if (!prefix_broken) {
      return InvalidRequest(fmt::format(
          "PRIMARY KEY column \"{}\" cannot be restricted as preceding column \"{}\" is not "
          "restricted",
          r.columns.front()->name, table.clustering_column(expected).name));
    }
    // After a slice: the order checks of AddClustering refused it already.
    return InternalError("clustering restriction after a slice");
  }
  for (const auto* rel : regular) {
    const ColumnMetadata* column = table.FindColumn(std::get<parser::ColumnRef>(rel->left).name);
    if (kind != StatementKind::kSelect) {
      return InvalidRequest("Non PRIMARY KEY columns found in where clause: " + column->name);
    }
    ASSIGN_OR_RETURN(auto f, MakeFilter(*column, *rel, specs));
    where.filters.push_back(std::move(f));
  }
  if (kind == StatementKind::kSelect && !allow_filtering) {
    bool filtering = !where.filters.empty() ||
                     (where.partition.empty() && where.HasClusteringRestrictions() &&
                      !where.has_token());
    // A clustering restriction under a token range still scans every partition in the range.
    if (where.partition.empty() && where.HasClusteringRestrictions()) filtering = true;
    if (filtering) return InvalidRequest(kFilteringError);
  }
  return where;
}

PartitionTarget MakePartitionTarget(std::vector<std::string> components) {
  PartitionTarget target;
  if (components.size() == 1) {  // the key is the one value (no vector of views: issue 14)
    target.key = components.front();
  } else {
    std::vector<std::string_view> views(components.begin(), components.end());
    target.key = types::SerializePartitionKey(views);
  }
  target.token = types::Murmur3Token(target.key);
  target.components = std::move(components);
  return target;
}

namespace {

// The values of an EQ/IN restriction for this request.
Result<std::vector<std::string>> RestrictionValues(const ColumnRestriction& r,
                                                   const std::vector<protocol::BoundValue>& values) {
  std::vector<std::string> out;
  const std::string& name = r.column->name;
  if (r.in_marker) {
    ASSIGN_OR_RETURN(std::string list, EvaluateRequired(*r.in_marker, values, "IN list for " + name));
    ASSIGN_OR_RETURN(out, DeserializeList(list));
    for (const auto& v : out) RETURN_IF_ERROR(types::ValidateValue(r.column->type, v));
    return out;
  }
  for (const auto& t : r.values) {
    bool unset = false;
    ASSIGN_OR_RETURN(types::Value v, t.Evaluate(values, &unset));
    if (unset) return InvalidRequest("Invalid unset value for column " + name);
    if (!v) {
      if (r.kind == ColumnRestriction::Kind::kIn) continue;  // null never matches
      return InvalidRequest("Invalid null value in condition for column " + name);
    }
    out.push_back(std::move(*v));
  }
  return out;
}

// IN restrictions on several key columns multiply: `a IN ? AND b IN ?` with two lists of 10^5
// values would make 10^10 keys from a 2 MB request. Like Cassandra 4.1's
// in_select_cartesian_product guardrail, refuse a product above this (issue 9 item 4).
constexpr size_t kMaxInCartesianProduct = 65536;

Status CheckCartesianProduct(size_t so_far, size_t values, const char* columns) {
  if (values != 0 && so_far > kMaxInCartesianProduct / values) {
    return InvalidRequest(fmt::format(
        "The cartesian product of the IN restrictions on {} columns creates more than {} values",
        columns, kMaxInCartesianProduct));
  }
  return Status::OK();
}

void Dedupe(std::vector<std::string>& v) {
  if (v.size() <= 1) return;  // an equality: nothing to drop (issue 14: no set per request)
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (auto& s : v) {
    if (seen.insert(s).second) unique.push_back(std::move(s));
  }
  v = std::move(unique);
}

// Every partition key column restricted by one equality: the one key, without the cross product's
// vectors (issue 14: ~3% of a point read's server CPU went to them). Errors as RestrictionValues.
bool IsPointKey(const WhereClause& where) {
  return std::all_of(where.partition.begin(), where.partition.end(), [](const ColumnRestriction& r) {
    return r.kind == ColumnRestriction::Kind::kEq && !r.in_marker && r.values.size() == 1;
  });
}

Result<PartitionTarget> EvaluatePointKey(const WhereClause& where,
                                         const std::vector<protocol::BoundValue>& values) {
  std::vector<std::string> components;
  components.reserve(where.partition.size());
  for (const auto& r : where.partition) {
    bool unset = false;
    ASSIGN_OR_RETURN(types::Value v, r.values.front().Evaluate(values, &unset));
    if (unset) return InvalidRequest("Invalid unset value for column " + r.column->name);
    if (!v) return InvalidRequest("Invalid null value in condition for column " + r.column->name);
    components.push_back(std::move(*v));
  }
  PartitionTarget target = MakePartitionTarget(std::move(components));
  RETURN_IF_ERROR(types::ValidatePartitionKey(target.key));
  return target;
}

}  // namespace

Result<std::vector<PartitionTarget>> EvaluatePartitions(
    const WhereClause& where, const schema::TableMetadata& table,
    const std::vector<protocol::BoundValue>& values) {
  if (!where.partition.empty() && IsPointKey(where)) {
    ASSIGN_OR_RETURN(PartitionTarget target, EvaluatePointKey(where, values));
    std::vector<PartitionTarget> out;
    out.push_back(std::move(target));
    return out;
  }
  std::vector<std::vector<std::string>> combos = {{}};
  for (const auto& r : where.partition) {
    ASSIGN_OR_RETURN(auto vals, RestrictionValues(r, values));
    Dedupe(vals);
    RETURN_IF_ERROR(CheckCartesianProduct(combos.size(), vals.size(), "partition key"));
    if (vals.size() == 1) {  // an equality: every key so far gets the one value
      for (auto& c : combos) c.push_back(vals.front());
      continue;
    }
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : combos) {
      for (const auto& v : vals) {
        auto c = prefix;
        c.push_back(v);
        next.push_back(std::move(c));
      }
    }
    combos = std::move(next);
  }
  if (combos.size() == 1) {  // a point request: nothing to sort or to drop
    std::vector<PartitionTarget> out;
    out.push_back(MakePartitionTarget(std::move(combos.front())));
    RETURN_IF_ERROR(types::ValidatePartitionKey(out.front().key));
    return out;
  }
  // Cassandra 4.1 builds the keys of an IN into a set sorted by the partition key's own
  // comparator (PartitionKeySingleRestrictionSet.values -> MultiCBuilder.build, a BTreeSet
  // ordered by partitionKeyAsClusteringComparator), so `k IN (1, 0)` reads 0 then 1: neither
  // the listed order nor the token order.
  std::stable_sort(combos.begin(), combos.end(),
                   [&](const std::vector<std::string>& a, const std::vector<std::string>& b) {
                     for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
                       int c = types::Compare(table.partition_key_column(i).type, a[i], b[i]);
                       if (c != 0) return c < 0;
                     }
                     return false;
                   });
  std::vector<PartitionTarget> out;
  std::set<std::string> seen;
  for (auto& c : combos) {
    PartitionTarget t = MakePartitionTarget(std::move(c));
    // On the serialized key, as Cassandra's validateKey: a composite's components may be empty
    // (issue 10 items 13, 16).
    RETURN_IF_ERROR(types::ValidatePartitionKey(t.key));
    if (seen.insert(t.key).second) out.push_back(std::move(t));
  }
  return out;
}

Result<std::optional<TokenRange>> EvaluateTokenRange(const WhereClause& where,
                                                     const std::vector<protocol::BoundValue>& values) {
  TokenRange range;
  if (where.token_lower) {
    ASSIGN_OR_RETURN(std::string v, EvaluateRequired(where.token_lower->term, values, "token"));
    range.start = types::DeserializeBigint(v);
    range.start_inclusive = where.token_lower->inclusive;
  }
  if (where.token_upper) {
    ASSIGN_OR_RETURN(std::string v, EvaluateRequired(where.token_upper->term, values, "token"));
    int64_t end = types::DeserializeBigint(v);
    if (!where.token_upper->inclusive) {
      if (end == INT64_MIN) return std::optional<TokenRange>();
      end -= 1;
    }
    range.end = end;
  }
  if (range.start > range.end || (range.start == range.end && !range.start_inclusive)) {
    return std::optional<TokenRange>();
  }
  return std::optional<TokenRange>(range);
}

namespace {

Result<std::string> Encode(const ColumnMetadata& c, const std::string& v, std::string prefix) {
  RETURN_IF_ERROR(types::AppendClusteringComponent(c.type, c.order, v, &prefix));
  return prefix;
}

// Ascending by bytes, without duplicates.
void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// The values of one bound or tuple, each required non-null.
Result<std::vector<std::string>> EvaluateBound(const std::vector<PreparedTerm>& tuple,
                                               const std::vector<const ColumnMetadata*>& columns,
                                               const std::vector<protocol::BoundValue>& values) {
  std::vector<std::string> out;
  for (size_t i = 0; i < tuple.size(); ++i) {
    ASSIGN_OR_RETURN(std::string v, EvaluateRequired(tuple[i], values,
                                                     "column " + columns[i]->name));
    out.push_back(std::move(v));
  }
  return out;
}

// The tuples of an EQ or IN clustering restriction for this request, with Cassandra's null
// handling: a null in a single-column IN list never matches; anywhere else it is refused.
Result<std::vector<std::vector<std::string>>> EvaluateTuples(
    const ClusteringRestriction& r, const std::vector<protocol::BoundValue>& values) {
  std::vector<std::vector<std::string>> out;
  if (r.in_marker) {
    ColumnRestriction single;
    single.column = r.columns[0];
    single.kind = ColumnRestriction::Kind::kIn;
    single.in_marker = r.in_marker;
    ASSIGN_OR_RETURN(auto list, RestrictionValues(single, values));
    for (auto& v : list) out.push_back({std::move(v)});
    return out;
  }
  for (const auto& tuple : r.tuples) {
    std::vector<std::string> row;
    bool skip = false;
    for (size_t i = 0; i < tuple.size(); ++i) {
      const std::string& name = r.columns[i]->name;
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value v, tuple[i].Evaluate(values, &unset));
      if (unset) return InvalidRequest("Invalid unset value for column " + name);
      if (!v) {
        if (!r.multi_column && r.kind == ClusteringRestriction::Kind::kIn) {
          skip = true;
          break;
        }
        if (!r.multi_column) return InvalidRequest("Invalid null value in condition for column " + name);
        if (r.kind == ClusteringRestriction::Kind::kEq) {
          return InvalidRequest("Invalid null value for column " + name);
        }
        std::string names;
        for (const auto* c : r.columns) names += (names.empty() ? "" : ", ") + c->name;
        return InvalidRequest("Invalid null value in condition for columns: [" + names + "]");
      }
      row.push_back(std::move(*v));
    }
    if (!skip) out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

Result<ClusteringRanges> EvaluateClusteringRanges(const WhereClause& where,
                                                  const schema::TableMetadata& table,
                                                  const std::vector<protocol::BoundValue>& values) {
  ClusteringRanges out;
  if (where.clustering.empty()) return out;
  out.all = false;
  std::vector<std::string> prefixes = {""};
  for (const auto& r : where.clustering) {
    if (r.kind == ClusteringRestriction::Kind::kSlice) {
      // One range per prefix; the bounds may have fewer components than the restriction has
      // columns ((b, c, d) > (0, 1, 0) AND (b) < (1)). A DESC column swaps start and end.
      for (const auto* c : r.columns) {
        if (c->order != r.columns[0]->order) {
          return Unsupported("multi-column slice over clustering columns with mixed ASC/DESC order");
        }
      }
      const bool desc = r.columns[0]->order == types::SortOrder::kDesc;
      ASSIGN_OR_RETURN(auto lower, EvaluateBound(r.lower, r.columns, values));
      ASSIGN_OR_RETURN(auto upper, EvaluateBound(r.upper, r.columns, values));
      for (const std::string& prefix : prefixes) {
        storage::ClusteringRange range;
        range.start = storage::ClusteringBound{prefix, true};
        range.end = storage::ClusteringBound{prefix, true};
        if (!lower.empty()) {
          std::string p = prefix;
          for (size_t i = 0; i < lower.size(); ++i) {
            ASSIGN_OR_RETURN(p, Encode(*r.columns[i], lower[i], std::move(p)));
          }
          (desc ? range.end : range.start) = storage::ClusteringBound{p, r.lower_inclusive};
        }
        if (!upper.empty()) {
          std::string p = prefix;
          for (size_t i = 0; i < upper.size(); ++i) {
            ASSIGN_OR_RETURN(p, Encode(*r.columns[i], upper[i], std::move(p)));
          }
          (desc ? range.start : range.end) = storage::ClusteringBound{p, r.upper_inclusive};
        }
        out.ranges.push_back(std::move(range));
      }
      return out;
    }
    ASSIGN_OR_RETURN(auto tuples, EvaluateTuples(r, values));
    RETURN_IF_ERROR(CheckCartesianProduct(prefixes.size(), tuples.size(), "clustering"));
    std::vector<std::string> next;
    for (const auto& p : prefixes) {
      for (const auto& tuple : tuples) {
        std::string encoded = p;
        for (size_t i = 0; i < tuple.size(); ++i) {
          ASSIGN_OR_RETURN(encoded, Encode(*r.columns[i], tuple[i], std::move(encoded)));
        }
        next.push_back(std::move(encoded));
      }
    }
    SortUnique(next);
    prefixes = std::move(next);
  }
  for (auto& p : prefixes) out.ranges.push_back({{p, true}, {p, true}});
  return out;
}

Result<std::vector<std::string>> EvaluateClusteringKeys(
    const WhereClause& where, const schema::TableMetadata& table,
    const std::vector<protocol::BoundValue>& values) {
  ASSIGN_OR_RETURN(ClusteringRanges ranges, EvaluateClusteringRanges(where, table, values));
  std::vector<std::string> keys;
  for (auto& r : ranges.ranges) keys.push_back(std::move(r.start.prefix));
  return keys;
}

Result<FilterEvaluator> FilterEvaluator::Make(const std::vector<Filter>& filters,
                                              const std::vector<protocol::BoundValue>& values) {
  FilterEvaluator ev;
  for (const auto& f : filters) {
    Evaluated e{f.column, f.op, {}};
    if (f.op == Operator::kIn) {
      ColumnRestriction r;
      r.column = f.column;
      r.kind = ColumnRestriction::Kind::kIn;
      r.values = f.in_values;
      r.in_marker = f.in_marker;
      ASSIGN_OR_RETURN(e.values, RestrictionValues(r, values));
    } else if (f.map_key) {
      // RowFilter.MapEqualityExpression.validate (issue 11).
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value k, f.map_key->Evaluate(values, &unset));
      const std::string& name = f.column->name;
      if (!unset && !k) return InvalidRequest("Unsupported null map key for column " + name);
      if (unset) return InvalidRequest("Unsupported unset map key for column " + name);
      ASSIGN_OR_RETURN(types::Value v, f.value.Evaluate(values, &unset));
      if (!unset && !v) return InvalidRequest("Unsupported null map value for column " + name);
      if (unset) return InvalidRequest("Unsupported unset map value for column " + name);
      e.map_key = std::move(*k);
      e.values.push_back(std::move(*v));
    } else {
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value v, f.value.Evaluate(values, &unset));
      // RowFilter.Expression.validate: null, then unset (Cassandra 4.1 SelectTest
      // testFilteringWithoutIndicesWithFrozenCollections).
      if (unset) return InvalidRequest("Unsupported unset value for column " + f.column->name);
      if (!v) return InvalidRequest("Unsupported null value for column " + f.column->name);
      e.values.push_back(std::move(*v));
    }
    ev.filters_.push_back(std::move(e));
  }
  return ev;
}

bool FilterEvaluator::MatchesOne(const Evaluated& f, const types::Value* value) {
  if (value == nullptr || !value->has_value()) return false;
  const std::string& v = **value;
  // Collections (issue 11): RowFilter.SimpleExpression CONTAINS / CONTAINS_KEY and
  // MapEqualityExpression on the column's one serialized value.
  if (f.op == Operator::kContains) return types::CollectionContains(f.column->type, v, f.values[0]);
  if (f.op == Operator::kContainsKey) return types::MapContainsKey(f.column->type, v, f.values[0]);
  if (f.map_key) {
    std::optional<std::string> found = types::SelectCollectionElement(f.column->type, v, *f.map_key);
    return found && types::Compare(f.column->type.params()[1], *found, f.values[0]) == 0;
  }
  if (f.op == Operator::kIn) {
    for (const auto& candidate : f.values) {
      if (types::Compare(f.column->type, v, candidate) == 0) return true;
    }
    return false;
  }
  int c = types::Compare(f.column->type, v, f.values[0]);
  switch (f.op) {
    case Operator::kEq: return c == 0;
    case Operator::kLt: return c < 0;
    case Operator::kLte: return c <= 0;
    case Operator::kGt: return c > 0;
    case Operator::kGte: return c >= 0;
    default: return false;
  }
}

}  // namespace sibyl::query
