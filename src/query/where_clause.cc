#include "query/where_clause.h"

#include <algorithm>
#include <fmt/format.h>
#include <set>

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
        ASSIGN_OR_RETURN(auto t, PrepareTerm(v, column.type, column.name, specs));
        f.in_values.push_back(std::move(t));
      }
    } else {
      ASSIGN_OR_RETURN(auto t, PrepareTerm(rel.right, ListOf(column.type), "in(" + column.name + ")", specs));
      f.in_marker = std::move(t);
    }
    return f;
  }
  ASSIGN_OR_RETURN(f.value, PrepareTerm(rel.right, column.type, column.name, specs));
  return f;
}

// Merges a single-column relation on a key column into its restriction.
Status AddToRestriction(const ColumnMetadata& column, const parser::Relation& rel,
                        std::optional<ColumnRestriction>& slot, BindSpecs& specs) {
  if (slot && (slot->kind != ColumnRestriction::Kind::kSlice || !IsSlice(rel.op))) {
    return InvalidRequest(fmt::format(
        "{} cannot be restricted by more than one relation if it includes an Equal", column.name));
  }
  if (!slot) {
    slot.emplace();
    slot->column = &column;
  }
  ColumnRestriction& r = *slot;
  if (rel.op == Operator::kEq) {
    r.kind = ColumnRestriction::Kind::kEq;
    ASSIGN_OR_RETURN(auto t, PrepareTerm(rel.right, column.type, column.name, specs));
    r.values.push_back(std::move(t));
    return Status::OK();
  }
  if (rel.op == Operator::kIn) {
    r.kind = ColumnRestriction::Kind::kIn;
    if (rel.in_is_list) {
      for (const auto& v : rel.in_values) {
        ASSIGN_OR_RETURN(auto t, PrepareTerm(v, column.type, column.name, specs));
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
  ASSIGN_OR_RETURN(auto t, PrepareTerm(rel.right, column.type, column.name, specs));
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

Result<std::vector<PreparedTerm>> PrepareTuple(const parser::TermPtr& term,
                                               const std::vector<const ColumnMetadata*>& columns,
                                               BindSpecs& specs) {
  const auto* tuple = std::get_if<parser::TupleLiteral>(&term->value);
  if (tuple == nullptr) {
    return Unsupported("a bind marker or non-tuple value in a multi-column relation");
  }
  if (tuple->elements.size() != columns.size()) {
    return InvalidRequest(fmt::format(
        "Expected {} elements in value tuple, but got {}", columns.size(), tuple->elements.size()));
  }
  std::vector<PreparedTerm> out;
  for (size_t i = 0; i < columns.size(); ++i) {
    ASSIGN_OR_RETURN(auto t, PrepareTerm(tuple->elements[i], columns[i]->type, columns[i]->name, specs));
    out.push_back(std::move(t));
  }
  return out;
}

Status AddMultiColumn(const schema::TableMetadata& table, const parser::TupleRef& ref,
                      const parser::Relation& rel, std::optional<MultiColumnRestriction>& multi,
                      BindSpecs& specs) {
  std::vector<const ColumnMetadata*> columns;
  for (size_t i = 0; i < ref.columns.size(); ++i) {
    const ColumnMetadata* c = table.FindColumn(ref.columns[i]);
    if (c == nullptr) return InvalidRequest("Undefined column name " + ref.columns[i]);
    if (c->kind != ColumnKind::kClustering) {
      return InvalidRequest("Multi-column relations can only be applied to clustering columns but "
                            "was applied to: " + c->name);
    }
    if (c->position != static_cast<int>(i)) {
      return InvalidRequest("Clustering columns must appear in the PRIMARY KEY order in "
                            "multi-column relations");
    }
    columns.push_back(c);
  }
  if (multi && (multi->kind != MultiColumnRestriction::Kind::kSlice || !IsSlice(rel.op))) {
    return InvalidRequest("Clustering columns can be restricted by only one multi-column relation "
                          "if it includes an Equal or IN");
  }
  if (!multi) {
    multi.emplace();
    multi->columns = columns;
  }
  MultiColumnRestriction& m = *multi;
  if (columns.size() > m.columns.size()) m.columns = columns;
  if (rel.op == Operator::kEq) {
    m.kind = MultiColumnRestriction::Kind::kEq;
    ASSIGN_OR_RETURN(auto tuple, PrepareTuple(rel.right, columns, specs));
    m.tuples.push_back(std::move(tuple));
    return Status::OK();
  }
  if (rel.op == Operator::kIn) {
    m.kind = MultiColumnRestriction::Kind::kIn;
    if (!rel.in_is_list) return Unsupported("IN ? on a multi-column relation");
    for (const auto& v : rel.in_values) {
      ASSIGN_OR_RETURN(auto tuple, PrepareTuple(v, columns, specs));
      m.tuples.push_back(std::move(tuple));
    }
    return Status::OK();
  }
  if (!IsSlice(rel.op)) {
    return InvalidRequest(fmt::format("Unsupported \"{}\" relation on a multi-column restriction",
                                      OpText(rel.op)));
  }
  for (const auto* c : columns) {
    if (c->order != columns[0]->order) {
      return Unsupported("multi-column slice over clustering columns with mixed ASC/DESC order");
    }
  }
  m.kind = MultiColumnRestriction::Kind::kSlice;
  ASSIGN_OR_RETURN(auto tuple, PrepareTuple(rel.right, columns, specs));
  bool inclusive = rel.op == Operator::kGte || rel.op == Operator::kLte;
  if (rel.op == Operator::kGt || rel.op == Operator::kGte) {
    m.lower = std::move(tuple);
    m.lower_inclusive = inclusive;
  } else {
    m.upper = std::move(tuple);
    m.upper_inclusive = inclusive;
  }
  return Status::OK();
}

}  // namespace

bool WhereClause::ClusteringFullyEq(const schema::TableMetadata& table) const {
  if (multi) {
    return multi->kind != MultiColumnRestriction::Kind::kSlice &&
           multi->columns.size() == table.clustering.size();
  }
  if (clustering.size() != table.clustering.size()) return false;
  for (const auto& r : clustering) {
    if (r.kind == ColumnRestriction::Kind::kSlice) return false;
  }
  return true;
}

Result<WhereClause> AnalyzeWhere(const schema::TableMetadata& table,
                                 const std::vector<parser::Relation>& relations,
                                 StatementKind kind, bool allow_filtering, BindSpecs& specs) {
  WhereClause where;
  std::vector<std::optional<ColumnRestriction>> pk(table.partition_key.size());
  std::vector<std::optional<ColumnRestriction>> ck(table.clustering.size());
  std::vector<const parser::Relation*> regular;
  bool has_token = false;

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
        for (const auto& c : token->columns) {
          if (table.FindColumn(c) == nullptr) return InvalidRequest("Undefined column name " + c);
        }
        return InvalidRequest(
            "The token() function must be applied to all partition key components or none of "
            "them");
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
          ASSIGN_OR_RETURN(auto arg, PrepareTerm(call->args[i], column.type, column.name, specs));
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
      RETURN_IF_ERROR(AddMultiColumn(table, *tuple, rel, where.multi, specs));
      continue;
    }
    if (std::holds_alternative<parser::ElementRef>(rel.left)) {
      return Unsupported("relations on collection elements");
    }
    const std::string& name = std::get<parser::ColumnRef>(rel.left).name;
    const ColumnMetadata* column = table.FindColumn(name);
    if (column == nullptr) return InvalidRequest("Undefined column name " + name);
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
      case Operator::kContains:
      case Operator::kContainsKey:
        if (!column->type.IsCollection()) {
          return InvalidRequest(fmt::format("Cannot use {} on non-collection column {}",
                                            OpText(rel.op), name));
        }
        return Unsupported("CONTAINS relations");
      default:
        break;
    }
    if (column->kind == ColumnKind::kPartitionKey) {
      if (IsSlice(rel.op)) {
        if (kind == StatementKind::kSelect && allow_filtering) {
          regular.push_back(&rel);
          continue;
        }
        return InvalidRequest(
            "Only EQ and IN relation are supported on the partition key (unless you use the "
            "token() function)");
      }
      RETURN_IF_ERROR(AddToRestriction(*column, rel, pk[column->position], specs));
    } else if (column->kind == ColumnKind::kClustering) {
      RETURN_IF_ERROR(AddToRestriction(*column, rel, ck[column->position], specs));
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
  if (pk_restricted == pk.size()) {
    for (auto& r : pk) where.partition.push_back(std::move(*r));
  } else if (kind != StatementKind::kSelect) {
    std::string missing;
    for (size_t i = 0; i < pk.size(); ++i) {
      if (!pk[i]) missing += (missing.empty() ? "" : ", ") + table.partition_key_column(i).name;
    }
    return InvalidRequest("Some partition key parts are missing: " + missing);
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

  // Clustering: an EQ/IN prefix, then at most one slice; the rest only as filters.
  if (where.multi) {
    for (size_t i = 0; i < ck.size(); ++i) {
      if (ck[i]) {
        return InvalidRequest(fmt::format(
            "Mixing single column relations and multi column relations on clustering columns is "
            "not allowed"));
      }
    }
  }
  bool prefix_broken = false;
  std::string broken_reason;
  for (size_t i = 0; i < ck.size(); ++i) {
    if (!ck[i]) {
      if (!prefix_broken) {
        prefix_broken = true;
        broken_reason = fmt::format(
            "PRIMARY KEY column \"{{}}\" cannot be restricted as preceding column \"{}\" is not "
            "restricted",
            table.clustering_column(i).name);
      }
      continue;
    }
    if (prefix_broken) {
      bool filtering_ok = kind == StatementKind::kSelect && allow_filtering;
      if (!filtering_ok) {
        return InvalidRequest(fmt::format(fmt::runtime(broken_reason), ck[i]->column->name));
      }
      const auto& r = *ck[i];
      auto add = [&](Operator op, const PreparedTerm& t) {
        Filter f;
        f.column = r.column;
        f.op = op;
        f.value = t;
        where.filters.push_back(std::move(f));
      };
      if (r.kind == ColumnRestriction::Kind::kEq) add(Operator::kEq, r.values[0]);
      if (r.kind == ColumnRestriction::Kind::kIn) {
        Filter f;
        f.column = r.column;
        f.op = Operator::kIn;
        f.in_values = r.values;
        f.in_marker = r.in_marker;
        where.filters.push_back(std::move(f));
      }
      if (r.lower) add(r.lower->inclusive ? Operator::kGte : Operator::kGt, r.lower->term);
      if (r.upper) add(r.upper->inclusive ? Operator::kLte : Operator::kLt, r.upper->term);
      continue;
    }
    if (ck[i]->kind == ColumnRestriction::Kind::kSlice) {
      prefix_broken = true;
      broken_reason = fmt::format(
          "Clustering column \"{{}}\" cannot be restricted (preceding column \"{}\" is restricted "
          "by a non-EQ relation)",
          table.clustering_column(i).name);
    }
    where.clustering.push_back(std::move(*ck[i]));
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
  std::vector<std::string_view> views(components.begin(), components.end());
  target.key = types::SerializePartitionKey(views);
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
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (auto& s : v) {
    if (seen.insert(s).second) unique.push_back(std::move(s));
  }
  v = std::move(unique);
}

}  // namespace

Result<std::vector<PartitionTarget>> EvaluatePartitions(
    const WhereClause& where, const schema::TableMetadata& table,
    const std::vector<protocol::BoundValue>& values) {
  std::vector<std::vector<std::string>> combos = {{}};
  for (const auto& r : where.partition) {
    ASSIGN_OR_RETURN(auto vals, RestrictionValues(r, values));
    Dedupe(vals);
    RETURN_IF_ERROR(CheckCartesianProduct(combos.size(), vals.size(), "partition key"));
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
  std::vector<PartitionTarget> out;
  std::set<std::string> seen;
  for (auto& c : combos) {
    for (size_t i = 0; i < c.size(); ++i) {
      if (c[i].empty()) {
        return InvalidRequest("Key may not be empty");
      }
      if (c[i].size() > 65535) {
        return InvalidRequest(fmt::format(
            "Key length of {} is longer than maximum of 65535", c[i].size()));
      }
    }
    PartitionTarget t = MakePartitionTarget(std::move(c));
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

Result<std::vector<std::string>> EvaluateTuple(const std::vector<PreparedTerm>& tuple,
                                               const std::vector<const ColumnMetadata*>& columns,
                                               const std::vector<protocol::BoundValue>& values) {
  std::vector<std::string> out;
  for (size_t i = 0; i < tuple.size(); ++i) {
    ASSIGN_OR_RETURN(std::string v, EvaluateRequired(tuple[i], values, "column " + columns[i]->name));
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

Result<ClusteringRanges> EvaluateClusteringRanges(const WhereClause& where,
                                                  const schema::TableMetadata& table,
                                                  const std::vector<protocol::BoundValue>& values) {
  ClusteringRanges out;
  if (where.multi) {
    const auto& m = *where.multi;
    if (m.kind != MultiColumnRestriction::Kind::kSlice) {
      std::vector<std::string> prefixes;
      for (const auto& tuple : m.tuples) {
        ASSIGN_OR_RETURN(auto vals, EvaluateTuple(tuple, m.columns, values));
        std::string p;
        for (size_t i = 0; i < vals.size(); ++i) {
          ASSIGN_OR_RETURN(p, Encode(*m.columns[i], vals[i], std::move(p)));
        }
        prefixes.push_back(std::move(p));
      }
      SortUnique(prefixes);
      out.all = false;
      for (auto& p : prefixes) out.ranges.push_back({{p, true}, {p, true}});
      return out;
    }
    storage::ClusteringRange range;
    auto encode_bound = [&](const std::vector<PreparedTerm>& tuple) -> Result<std::string> {
      std::vector<const ColumnMetadata*> cols(m.columns.begin(), m.columns.begin() + tuple.size());
      ASSIGN_OR_RETURN(auto vals, EvaluateTuple(tuple, cols, values));
      std::string p;
      for (size_t i = 0; i < vals.size(); ++i) {
        ASSIGN_OR_RETURN(p, Encode(*cols[i], vals[i], std::move(p)));
      }
      return p;
    };
    bool desc = m.columns[0]->order == types::SortOrder::kDesc;
    if (!m.lower.empty()) {
      ASSIGN_OR_RETURN(std::string p, encode_bound(m.lower));
      (desc ? range.end : range.start) = storage::ClusteringBound{p, m.lower_inclusive};
    }
    if (!m.upper.empty()) {
      ASSIGN_OR_RETURN(std::string p, encode_bound(m.upper));
      (desc ? range.start : range.end) = storage::ClusteringBound{p, m.upper_inclusive};
    }
    out.all = false;
    out.ranges.push_back(std::move(range));
    return out;
  }
  if (where.clustering.empty()) return out;
  out.all = false;
  std::vector<std::string> prefixes = {""};
  for (const auto& r : where.clustering) {
    if (r.kind == ColumnRestriction::Kind::kSlice) {
      std::vector<storage::ClusteringRange> ranges;
      bool desc = r.column->order == types::SortOrder::kDesc;
      std::optional<std::string> lower, upper;
      if (r.lower) {
        ASSIGN_OR_RETURN(lower, EvaluateRequired(r.lower->term, values, "column " + r.column->name));
      }
      if (r.upper) {
        ASSIGN_OR_RETURN(upper, EvaluateRequired(r.upper->term, values, "column " + r.column->name));
      }
      for (const std::string& prefix : prefixes) {
        storage::ClusteringRange range;
        range.start = storage::ClusteringBound{prefix, true};
        range.end = storage::ClusteringBound{prefix, true};
        if (lower) {
          ASSIGN_OR_RETURN(std::string encoded, Encode(*r.column, *lower, prefix));
          storage::ClusteringBound bound{std::move(encoded), r.lower->inclusive};
          (desc ? range.end : range.start) = std::move(bound);
        }
        if (upper) {
          ASSIGN_OR_RETURN(std::string encoded, Encode(*r.column, *upper, prefix));
          storage::ClusteringBound bound{std::move(encoded), r.upper->inclusive};
          (desc ? range.start : range.end) = std::move(bound);
        }
        ranges.push_back(std::move(range));
      }
      out.ranges = std::move(ranges);
      return out;
    }
    ASSIGN_OR_RETURN(auto vals, RestrictionValues(r, values));
    RETURN_IF_ERROR(CheckCartesianProduct(prefixes.size(), vals.size(), "clustering"));
    std::vector<std::string> next;
    for (const auto& p : prefixes) {
      for (const auto& v : vals) {
        ASSIGN_OR_RETURN(std::string encoded, Encode(*r.column, v, p));
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
    } else {
      bool unset = false;
      ASSIGN_OR_RETURN(types::Value v, f.value.Evaluate(values, &unset));
      if (unset) return InvalidRequest("Invalid unset value for column " + f.column->name);
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
