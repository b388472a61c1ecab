// SELECT: preparation (selectors, WHERE, ORDER BY, LIMIT with Cassandra's rules) and execution
// over a RowSource with paging. The pipeline: choose partitions (EQ/IN keys, a token range or a
// full scan) -> read clustering slices -> filter -> select -> page.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/clock.h"
#include "cql/types/key_encoding.h"
#include "query/aggregation.h"
#include "query/clustering_bytes.h"
#include "query/lwt.h"
#include "query/select_order.h"
#include "query/complex_columns.h"
#include "query/collection_selection.h"
#include "query/field_selection.h"
#include "query/user_type_cells.h"
#include "query/functions/expression.h"
#include "query/json_values.h"
#include "query/paging_state.h"
#include "query/request_deadline.h"
#include "query/row_source.h"
#include "query/statement.h"
#include "query/system_tables.h"
#include "query/where_clause.h"
#include "schema/schema_store.h"

namespace sibyl::query {

using schema::ColumnKind;
using schema::ColumnMetadata;
using schema::TableMetadata;

namespace {

struct OutputColumn {
  enum class Kind : uint8_t { kColumn, kWritetime, kTtl, kToken,
                              kSubSelection,  // m['k'], s[a..b] (issue 11)
                              kExpression,    // f(...), a + b, CAST (issue 13)
                              kField };       // addr.city (issue 11)
  Kind kind = Kind::kColumn;
  const ColumnMetadata* column = nullptr;
  protocol::ColumnSpec spec;
  std::shared_ptr<const CollectionSelection> sub;  // kSubSelection
  functions::ExpressionPtr expression;             // kExpression
  std::shared_ptr<const FieldSelection> field;     // kField
  // kWritetime / kTtl of one element or field (Cassandra 5.0, CASSANDRA-8877; issue 11):
  // writetime(m['k']) / writetime(s[e]) has `sub`, writetime(u.f) has `field`.
};

// The values of one candidate row, by column index in the table.
struct RowView {
  std::vector<types::Value> values;
  std::vector<const storage::Cell*> cells;
  // The resolved cells holding each multi-cell column's element cells (null when absent), for
  // writetime(c[k]) / ttl(c[k]) and writetime(u.f).
  std::vector<const std::map<std::string, storage::Cell>*> complex;
  // The components of the partition being read (ReadPartitionRows), reused like the rest.
  std::vector<std::string> partition_key;
};

// A RowView whose vectors' memory the thread reuses from read to read (issue 14: three
// allocations per point read). It takes the thread's spare on construction and gives it back,
// without its values, on destruction; a read inside another (none today) finds no spare and
// allocates its own.
class ReusedRowView {
 public:
  ReusedRowView() : view_(std::move(Spare())) {}
  ~ReusedRowView() {
    if (view_.values.capacity() > kKeptColumns) return;  // a very wide table's: not kept
    view_.values.clear();
    Spare() = std::move(view_);
  }
  ReusedRowView(const ReusedRowView&) = delete;
  ReusedRowView& operator=(const ReusedRowView&) = delete;
  RowView& get() { return view_; }

 private:
  static constexpr size_t kKeptColumns = 1024;
  static RowView& Spare() {
    thread_local RowView spare;
    return spare;
  }
  RowView view_;
};

class SelectStatement final : public CqlStatement {
 public:
  std::vector<OutputColumn> outputs;
  WhereClause where;
  bool reversed = false;
  bool distinct = false;
  bool has_order_by = false;
  // Aggregates and GROUP BY (issue 13, query/aggregation.h): the selection's aggregate calls;
  // `aggregating`: aggregates without GROUP BY (one group of all the rows); `grouping`: GROUP BY
  // the partition key and the first `group_prefix` clustering columns.
  std::vector<const functions::Expression*> aggregate_calls;
  bool aggregating = false;
  bool grouping = false;
  size_t group_prefix = 0;
  bool Grouped() const { return aggregating || grouping; }
  bool json = false;  // SELECT JSON: rows become one "[json]" text (query/json_values.h, issue 13)
  // Every output is a plain column, each column once: a row's values are moved from the read row
  // into the output row instead of copied twice (issue 14: two allocations and copies of every
  // value of a point read).
  bool takes_values = false;
  std::optional<PreparedTerm> limit;
  std::optional<PreparedTerm> per_partition_limit;

  Result<protocol::ResultMessage> Execute(QueryContext& context,
                                          const ExecutionParams& params) const override;

 private:
  struct Run;
};

struct SelectStatement::Run {
  Run(const SelectStatement& s, const TableMetadata& t, const ExecutionParams& p, RowSource& src,
      FilterEvaluator f)
      : stmt(s), table(t), params(p), source(src), filters(std::move(f)) {}

  const SelectStatement& stmt;
  const TableMetadata& table;
  const ExecutionParams& params;
  RowSource& source;
  FilterEvaluator filters;
  // The request's deadline and cancel flag: checked before every read (issue 9 item 4).
  const RequestContext* request = nullptr;
  ClusteringRanges ranges;
  int64_t now_seconds = CoarseNowSeconds();  // issue 14: common/clock.h
  int64_t page_left = INT64_MAX;
  int64_t limit_left = INT64_MAX;
  int64_t per_partition = INT64_MAX;
  std::vector<std::vector<types::Value>> rows;
  // Where this page stopped, when it did.
  std::optional<PagingState> stop;
  // For ORDER BY across several partitions (keep_clusterings): the clustering key of each
  // collected row. Not kept otherwise (issue 14: an allocation per point read).
  bool keep_clusterings = false;
  std::vector<std::string> row_clusterings;
  // The keys and bounds of each kSubSelection output for this request, by output index.
  std::vector<CollectionSelection::Bound> sub_bounds;
  // The first failure of a kExpression output (a function failing on a row's values).
  mutable Status expression_error;
  // ---- The group being built (issue 13, query/aggregation.h) ----
  std::optional<GroupAggregates> aggregates;
  bool group_open = false;
  int64_t group_token = 0;
  RowSnapshot group_first;              // its first row: the plain columns of its output row
  std::string group_first_clustering;   // for ORDER BY across IN partitions
  std::string group_last_clustering;    // where a page ending with this group resumes after
  const AggregateResults* group_results = nullptr;  // while its output row is projected
  // The partition being read, and the groups PER PARTITION LIMIT still allows in it.
  std::string current_key;
  uint32_t current_index = 0;
  int64_t groups_left_in_partition = INT64_MAX;
  bool partition_done = false;

  size_t ColumnIndex(const ColumnMetadata* c) const { return c - table.columns.data(); }

  // With `take` (stmt.takes_values), the values of `row` (not of `static_row`, which every row of
  // the partition shares) are moved into the view, and only the view is read after.
  Status FillRow(RowView& view, storage::Row* row, storage::Row* static_row, bool take = false) {
    view.values.assign(table.columns.size(), std::nullopt);
    view.cells.assign(table.columns.size(), nullptr);
    view.complex.assign(table.columns.size(), nullptr);
    for (size_t i = 0; i < table.partition_key.size(); ++i) {
      view.values[table.partition_key[i]] = view.partition_key[i];
    }
    if (row != nullptr && !table.clustering.empty()) {
      // The bytes the row was written with (123.0 stays 123.0), issue 10 item 8.
      ASSIGN_OR_RETURN(auto decoded, RowClusteringValues(table, *row));
      for (size_t i = 0; i < decoded.size() && i < table.clustering.size(); ++i) {
        view.values[table.clustering[i]] = std::move(decoded[i]);
      }
    }
    for (int idx : table.regular_and_static) {
      const ColumnMetadata& c = table.columns[idx];
      storage::Row* source_row = c.kind == ColumnKind::kStatic ? static_row : row;
      if (source_row == nullptr) continue;
      if (IsMultiCellCollection(c.type) && source_row->cells.count(c.name) == 0) {
        // Non-frozen collections: the live element cells as one value (issue 11). System tables
        // (MemoryRowSource) hold whole values of their set<text>/map<...> columns instead.
        view.values[idx] = AssembleCollection(c.type, c.name, source_row->cells);
        view.complex[idx] = &source_row->cells;
        continue;
      }
      if (IsMultiCellUserType(c.type)) {
        // Non-frozen UDTs: the live field cells as one value (issue 11).
        view.values[idx] = AssembleUserType(c.type, c.name, source_row->cells);
        view.complex[idx] = &source_row->cells;
        continue;
      }
      auto it = source_row->cells.find(c.name);
      if (it == source_row->cells.end()) continue;
      auto dropped = table.dropped_columns.find(c.name);
      if (dropped != table.dropped_columns.end() &&
          it->second.timestamp <= dropped->second.dropped_time) {
        continue;
      }
      if (take && source_row == row) {
        view.values[idx] = std::move(it->second.value);
      } else {
        view.values[idx] = it->second.value;
      }
      view.cells[idx] = &it->second;
    }
    return Status::OK();
  }

  bool Matches(const RowView& view) const {
    return filters.Matches([&](const ColumnMetadata* c) { return &view.values[ColumnIndex(c)]; });
  }

  // The cell whose timestamp and TTL a kWritetime / kTtl output reads: the column's cell, or
  // the live cell of the selected element or field (null when absent).
  const storage::Cell* TimedCell(const OutputColumn& o, const RowView& view) const {
    const size_t idx = ColumnIndex(o.column);
    if (!o.sub && !o.field) return view.cells[idx];
    const std::map<std::string, storage::Cell>* cells = view.complex[idx];
    if (cells == nullptr) return nullptr;
    if (o.field) return FindLiveFieldCell(o.column->name, o.field->path().front(), *cells);
    const auto& key = sub_bounds[&o - stmt.outputs.data()].first.front();
    if (!key.has_value()) return nullptr;
    return FindLiveElementCell(o.column->type, o.column->name, *key, *cells);
  }

  std::vector<types::Value> Project(const RowView& view, int64_t token) const {
    std::vector<types::Value> out;
    out.reserve(stmt.outputs.size());
    for (const auto& o : stmt.outputs) {
      switch (o.kind) {
        case OutputColumn::Kind::kColumn:
          out.push_back(view.values[ColumnIndex(o.column)]);
          break;
        case OutputColumn::Kind::kExpression: {  // issue 13
          functions::RowInput input{&view.values, &view.cells, now_seconds};
          input.aggregates = group_results;  // issue 13: a group's aggregate results
          auto v = o.expression->Evaluate(params.values, &input);
          if (!v.ok() && expression_error.ok()) expression_error = v.status();
          out.push_back(v.ok() ? std::move(*v) : types::Value(std::nullopt));
          break;
        }
        case OutputColumn::Kind::kField:
          out.push_back(o.field->Apply(view.values[ColumnIndex(o.column)]));
          break;
        case OutputColumn::Kind::kSubSelection:
          out.push_back(o.sub->Apply(sub_bounds[&o - stmt.outputs.data()],
                                     view.values[ColumnIndex(o.column)]));
          break;
        case OutputColumn::Kind::kWritetime: {
          const storage::Cell* cell = TimedCell(o, view);
          out.push_back(cell ? types::Value(types::SerializeBigint(cell->timestamp))
                             : types::Value(std::nullopt));
          break;
        }
        case OutputColumn::Kind::kTtl: {
          const storage::Cell* cell = TimedCell(o, view);
          if (cell == nullptr || cell->ttl == 0) {
            out.push_back(std::nullopt);
          } else {
            int64_t left = std::max<int64_t>(0, cell->local_deletion_time - now_seconds);
            out.push_back(types::SerializeInt(static_cast<int32_t>(left)));
          }
          break;
        }
        case OutputColumn::Kind::kToken:
          // Issue 13: TokenFct gives null for a null key, as in the row of aggregates over no
          // rows (its partition key columns are null).
          if (!view.values[ColumnIndex(&table.partition_key_column(0))]) {
            out.push_back(std::nullopt);
            break;
          }
          out.push_back(types::SerializeBigint(token));
          break;
      }
    }
    return out;
  }

  // The output row of a stmt.takes_values statement: the view's values, moved.
  std::vector<types::Value> TakeColumns(RowView& view) const {
    std::vector<types::Value> out;
    out.reserve(stmt.outputs.size());
    for (const auto& o : stmt.outputs) out.push_back(std::move(view.values[ColumnIndex(o.column)]));
    return out;
  }

  // Emits a row; returns false when the page or the limit is full. The view is not read after
  // (a stmt.takes_values row's values are moved out of it).
  bool Emit(RowView& view, int64_t token, const std::string& clustering) {
    if (stmt.Grouped()) return AddToGroup(view, token, clustering);
    rows.push_back(stmt.takes_values ? TakeColumns(view) : Project(view, token));
    if (!expression_error.ok()) return false;
    if (keep_clusterings) row_clusterings.push_back(clustering);
    --limit_left;
    --page_left;
    return limit_left > 0 && page_left > 0;
  }

  // ---- Aggregates and GROUP BY (issue 13) ----
  // Outputs the open group as a row (its first row's plain columns, its aggregates' results);
  // false when the page or the limit is then full.
  bool CloseGroup() {
    group_open = false;
    auto results = aggregates->Compute();
    if (!results.ok()) {
      if (expression_error.ok()) expression_error = results.status();
      return false;
    }
    RowView view;
    view.values = group_first.values;
    view.cells = group_first.CellPointers();
    view.complex = group_first.ComplexPointers();
    group_results = &*results;
    rows.push_back(Project(view, group_token));
    group_results = nullptr;
    if (!expression_error.ok()) return false;
    if (keep_clusterings) row_clusterings.push_back(group_first_clustering);
    --limit_left;
    --page_left;
    --groups_left_in_partition;
    return limit_left > 0 && page_left > 0;
  }

  // Adds a row to its group (GroupMaker: the partition key and the clustering prefix), first
  // outputting the open group when the row starts another. False when that filled the page or
  // the limit: the row is then not consumed, and the next page resumes after the closed group's
  // last row (stop is set here).
  bool AddToGroup(const RowView& view, int64_t token, const std::string& clustering) {
    if (partition_done) return true;
    if (group_open && stmt.grouping &&
        !SameGroupPrefix(table, stmt.group_prefix, group_first.values, view.values)) {
      const bool go_on = CloseGroup();
      if (!go_on || groups_left_in_partition <= 0) {
        if (!go_on && expression_error.ok()) {
          std::optional<std::string> last;
          if (groups_left_in_partition > 0) last = group_last_clustering;
          stop = PagingState{current_key, token, current_index, std::move(last), limit_left,
                             groups_left_in_partition};
        }
        partition_done = true;
        return go_on;
      }
    }
    if (!group_open) {
      group_open = true;
      group_token = token;
      group_first.Assign(view.values, view.cells, view.complex);
      group_first_clustering = clustering;
      aggregates->Reset();
    }
    functions::RowInput input{&view.values, &view.cells, now_seconds};
    Status added = aggregates->Add(params.values, input);
    if (!added.ok()) {
      if (expression_error.ok()) expression_error = added;
      return false;
    }
    group_last_clustering = clustering;
    return true;
  }

  // ReadPartitionRows; with GROUP BY the partition's last group is then output (groups never
  // span partitions), and PER PARTITION LIMIT counts groups.
  Result<bool> ReadPartition(const std::string& key, int64_t token, uint32_t index,
                             std::optional<std::string> resume_after, int64_t partition_left) {
    if (!stmt.grouping) {
      return ReadPartitionRows(key, token, index, std::move(resume_after), partition_left);
    }
    current_key = key;
    current_index = index;
    groups_left_in_partition = partition_left;
    partition_done = partition_left <= 0;
    ASSIGN_OR_RETURN(bool stopped,
                     ReadPartitionRows(key, token, index, std::move(resume_after), INT64_MAX));
    if (stopped || !group_open) return stopped;
    if (CloseGroup()) return false;
    if (!stop) stop = PagingState{key, token, index, std::nullopt, limit_left, INT64_MAX};
    return true;
  }

  // Reads one partition from `resume_after` (or its start). Returns true when the page or
  // limit filled up inside it (stop is then set), false when the partition was exhausted.
  Result<bool> ReadPartitionRows(const std::string& key, int64_t token, uint32_t index,
                                 std::optional<std::string> resume_after, int64_t partition_left) {
    if (!ranges.all && ranges.ranges.empty()) return false;
    // Nothing more may come from this partition (a resumed page can start here): reading with
    // a zero row limit would never progress (issue 9 item 4).
    if (partition_left <= 0) return false;
    storage::SliceQuery slice;
    slice.ranges = ranges.ranges;
    slice.reversed = stmt.reversed;
    slice.now_seconds = now_seconds;
    slice.want_static = table.has_static;
    slice.context = request;
    slice.single_row = table.clustering.empty();  // a point read by key (issue 14)
    bool first_read = !resume_after.has_value();
    slice.resume_after = std::move(resume_after);
    ReusedRowView reused_view;
    RowView& view = reused_view.get();
    RETURN_IF_ERROR(types::SplitPartitionKeyInto(key, table.partition_key.size(),
                                                 &view.partition_key));
    while (true) {
      if (request != nullptr) RETURN_IF_ERROR(request->Check());
      int64_t want = std::min({partition_left, limit_left, page_left});
      if (want <= 0) return false;
      if (stmt.distinct) want = 1;
      // Over-read a little when filtering, since some rows will be dropped.
      slice.row_limit = static_cast<uint64_t>(filters.empty() ? want : std::max<int64_t>(want, 100));
      if (stmt.Grouped()) slice.row_limit = 1000;  // issue 13: aggregates read page by page
      ASSIGN_OR_RETURN(auto partition, source.ReadPartition(key, token, slice));
      if (partition.more && partition.rows.empty()) {
        // Every read must move forward; a source that says "more" without rows never would.
        return InternalError("partition read made no progress");
      }
      storage::Row* static_row = partition.static_row ? &*partition.static_row : nullptr;
      if (stmt.distinct) {
        if (partition.rows.empty() && static_row == nullptr) return false;
        RETURN_IF_ERROR(FillRow(view, nullptr, static_row));
        if (!Emit(view, token, "")) {
          if (!stop) stop = PagingState{key, token, index, std::nullopt, limit_left, INT64_MAX};
          return true;
        }
        return false;
      }
      if (first_read && partition.rows.empty() && static_row != nullptr &&
          !where.HasClusteringRestrictions() && !table.clustering.empty()) {
        // A partition with only static content shows as one row with null clustering columns.
        RETURN_IF_ERROR(FillRow(view, nullptr, static_row));
        if (Matches(view)) {
          if (!Emit(view, token, "")) {
            if (!stop) stop = PagingState{key, token, index, std::nullopt, limit_left, INT64_MAX};
            return true;
          }
        }
        return false;
      }
      first_read = false;
      for (auto& row : partition.rows) {
        RETURN_IF_ERROR(FillRow(view, &row, static_row, stmt.takes_values));
        slice.resume_after = row.clustering;
        if (!Matches(view)) continue;
        --partition_left;
        bool go_on = Emit(view, token, row.clustering);
        if (!go_on) {
          if (stop) return true;  // set by AddToGroup (issue 13)
          // A partition whose PER PARTITION LIMIT is used up is finished: the next page starts
          // after it, not inside it with nothing left to read.
          std::optional<std::string> last;
          if (partition_left > 0) last = row.clustering;
          stop = PagingState{key, token, index, std::move(last), limit_left, partition_left};
          return true;
        }
        if (partition_left <= 0 || partition_done) return false;
      }
      if (!partition.more) return false;
    }
  }

  const WhereClause& where = stmt.where;
};

Result<int64_t> EvaluateLimit(const std::optional<PreparedTerm>& term,
                              const std::vector<protocol::BoundValue>& values, const char* what) {
  if (!term) return INT64_MAX;
  bool unset = false;
  ASSIGN_OR_RETURN(types::Value v, term->Evaluate(values, &unset));
  if (unset) return INT64_MAX;
  if (!v) return InvalidRequest(fmt::format("Invalid null value of {}", what));
  int32_t n = types::DeserializeInt(*v);
  if (n <= 0) return InvalidRequest(fmt::format("{} must be strictly positive", what));
  return n;
}

Result<protocol::ResultMessage> SelectStatement::Execute(QueryContext& context,
                                                         const ExecutionParams& params) const {
  std::unique_ptr<RowSource> virtual_source;
  std::optional<EngineRowSource> engine_source;  // on the stack: no allocation per read
  RowSource* source;
  if (table->is_virtual) {
    auto snapshot = context.schema.snapshot();
    ASSIGN_OR_RETURN(virtual_source, context.system_tables.Open(*table, *snapshot));
    source = virtual_source.get();
  } else {
    source = &engine_source.emplace(context.engine, *table);  // dropped columns too
  }
  ASSIGN_OR_RETURN(auto filters, FilterEvaluator::Make(where.filters, params.values));
  const RequestContext request =
      ReadRequestContext(context, params, table->keyspace, where.partition.empty());
  Run run(*this, *table, params, *source, std::move(filters));
  run.request = &request;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].sub) {
      run.sub_bounds.resize(outputs.size());  // read only for outputs with a sub-selection
      ASSIGN_OR_RETURN(run.sub_bounds[i], outputs[i].sub->Bind(params.values));
    }
  }
  ASSIGN_OR_RETURN(run.ranges, EvaluateClusteringRanges(where, *table, params.values));
  ASSIGN_OR_RETURN(run.limit_left, EvaluateLimit(limit, params.values, "LIMIT"));
  ASSIGN_OR_RETURN(run.per_partition, EvaluateLimit(per_partition_limit, params.values,
                                                    "PER PARTITION LIMIT"));
  bool paging = params.page_size > 0 && !aggregating;
  if (paging) run.page_left = params.page_size;
  if (aggregating) {
    // Cassandra 4.1 getDataLimits, AGGREGATE_EVERYTHING: LIMIT and PER PARTITION LIMIT bound the
    // one output row, not the rows read.
    run.limit_left = INT64_MAX;
    run.per_partition = INT64_MAX;
  }
  if (Grouped()) run.aggregates.emplace(aggregate_calls);  // issue 13

  std::optional<PagingState> state;
  if (params.paging_state && !params.paging_state->empty()) {
    ASSIGN_OR_RETURN(state, PagingState::Decode(*params.paging_state));
    run.limit_left = std::min(run.limit_left, state->remaining);
  }

  if (!where.partition.empty()) {
    ASSIGN_OR_RETURN(auto targets, EvaluatePartitions(where, *table, params.values));
    if (targets.size() > 1) RETURN_IF_ERROR(CheckSerialRead(params.consistency));  // issue 12
    if (has_order_by && targets.size() > 1 && paging) {
      return InvalidRequest(
          "Cannot page queries with both ORDER BY and a IN restriction on the partition key; you "
          "must either remove the ORDER BY or the IN and sort client side, or disable paging for "
          "this query");
    }
    bool merge_sorted = has_order_by && targets.size() > 1;
    run.keep_clusterings = merge_sorted;
    int64_t saved_limit = run.limit_left;
    if (merge_sorted) run.limit_left = INT64_MAX;  // sort everything, then cut
    uint32_t start = 0;
    if (state) start = state->partition_index;
    for (uint32_t i = start; i < targets.size(); ++i) {
      RETURN_IF_ERROR(request.Check());
      std::optional<std::string> resume;
      int64_t partition_left = run.per_partition;
      if (state && i == state->partition_index) {
        if (!state->last_clustering) continue;  // that partition was finished
        resume = state->last_clustering;
        partition_left = state->remaining_in_partition;
      }
      ASSIGN_OR_RETURN(bool stopped, run.ReadPartition(targets[i].key, targets[i].token, i,
                                                       resume, partition_left));
      if (stopped) break;
    }
    if (merge_sorted) {
      std::vector<size_t> order(run.rows.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return reversed ? run.row_clusterings[a] > run.row_clusterings[b]
                        : run.row_clusterings[a] < run.row_clusterings[b];
      });
      std::vector<std::vector<types::Value>> sorted;
      for (size_t i = 0; i < order.size() && static_cast<int64_t>(i) < saved_limit; ++i) {
        sorted.push_back(std::move(run.rows[order[i]]));
      }
      run.rows = std::move(sorted);
    }
  } else {
    RETURN_IF_ERROR(CheckSerialRead(params.consistency));  // issue 12
    std::optional<TokenRange> tokens = TokenRange{};
    if (where.has_token()) {
      ASSIGN_OR_RETURN(tokens, EvaluateTokenRange(where, params.values));
    }
    bool stopped = false;
    std::optional<storage::PartitionPosition> after;
    if (state) {
      after = storage::PartitionPosition{state->token, state->partition_key};
      if (state->last_clustering) {
        ASSIGN_OR_RETURN(stopped, run.ReadPartition(state->partition_key, state->token, 0,
                                                    state->last_clustering,
                                                    state->remaining_in_partition));
      }
    }
    while (tokens && !stopped) {
      RETURN_IF_ERROR(request.Check());
      storage::ScanQuery scan;
      scan.context = &request;
      scan.start_token = tokens->start;
      scan.start_inclusive = tokens->start_inclusive;
      scan.end_token = tokens->end;
      scan.resume_after = after;
      scan.max_partitions = 128;
      ASSIGN_OR_RETURN(auto positions, source->ScanPartitions(scan));
      for (const auto& pos : positions) {
        ASSIGN_OR_RETURN(stopped, run.ReadPartition(pos.partition_key, pos.token, 0, std::nullopt,
                                                    run.per_partition));
        if (stopped) break;
      }
      if (positions.size() < scan.max_partitions) break;
      after = positions.back();
    }
  }

  RETURN_IF_ERROR(run.expression_error);
  if (aggregating) {
    // Issue 13: the one row of aggregates without GROUP BY, also over no rows (count 0, sum 0,
    // max null, plain columns null).
    if (!run.group_open) {
      run.group_open = true;
      run.group_first.Assign(std::vector<types::Value>(table->columns.size()),
                             std::vector<const storage::Cell*>(table->columns.size(), nullptr),
                             {});
      run.group_first.complex.assign(table->columns.size(), std::nullopt);
    }
    run.CloseGroup();
    RETURN_IF_ERROR(run.expression_error);
  }
  protocol::RowsResult result;
  for (const auto& o : outputs) result.metadata.columns.push_back(o.spec);
  result.rows = std::move(run.rows);
  // A page that stopped exactly at the LIMIT has nothing more to give.
  if (run.stop && run.limit_left > 0 && paging) {
    result.metadata.paging_state = run.stop->Encode();
  }
  result.metadata.no_metadata = params.skip_metadata;
  if (json) ConvertRowsToJson(&result);  // issue 13
  return protocol::ResultMessage(std::move(result));
}

protocol::ColumnSpec Spec(const TableMetadata& table, std::string name, types::Type type) {
  return protocol::ColumnSpec{table.keyspace, table.name, std::move(name), std::move(type)};
}

// SelectAllOrder: query/select_order.h (shared with the failure rows of LWTs, issue 12).

// writetime(c[k]) / ttl(c[k]) on a non-frozen set or map and writetime(u.f) / ttl(u.f) on a
// non-frozen UDT: Cassandra 5.0 (CASSANDRA-8877, Selectable.WritetimeOrTTL with a selector
// modifier) answers the element's or field's own cell, a bigint / int, null when absent. The
// other 5.0 forms (slices, which answer a list, chained steps, elements of frozen values) are a
// clear "unsupported", never a wrong answer.
Status PrepareElementWritetime(const parser::Selector& sel, const TableMetadata& table,
                               BindSpecs& specs, OutputColumn* out) {
  const bool wt = sel.kind == parser::Selector::Kind::kWritetime;
  const parser::Selector& inner = *sel.args[0];
  const bool one_step = inner.args.size() == 1 && inner.args[0] != nullptr &&
                        inner.args[0]->kind == parser::Selector::Kind::kColumn;
  if (!one_step || (inner.kind != parser::Selector::Kind::kElement &&
                    inner.kind != parser::Selector::Kind::kField)) {
    return Unsupported(fmt::format("{} of {}", wt ? "writetime" : "ttl", inner.text));
  }
  const ColumnMetadata* c = table.FindColumn(inner.args[0]->column);
  if (c == nullptr) return InvalidRequest("Undefined column name " + inner.args[0]->column);
  if (c->is_primary_key()) {
    return InvalidRequest(fmt::format("Cannot use selection function {} on PRIMARY KEY part {}",
                                      wt ? "writeTime" : "ttl", c->name));
  }
  if (inner.kind == parser::Selector::Kind::kElement) {
    // Cassandra's refusals first (not a collection, a list), from the element selection itself.
    ASSIGN_OR_RETURN(out->sub, CollectionSelection::Prepare(inner, table, specs));
    if (!IsMultiCellCollection(c->type)) {
      return Unsupported(fmt::format("{} of an element of frozen collection {}",
                                     wt ? "writetime" : "ttl", c->name));
    }
  } else {
    ASSIGN_OR_RETURN(out->field, FieldSelection::Prepare(inner, table));
    if (!IsMultiCellUserType(c->type)) {
      return Unsupported(fmt::format("{} of a field of frozen UDT {}", wt ? "writetime" : "ttl",
                                     c->name));
    }
  }
  out->column = c;
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<const CqlStatement>> PrepareSelect(const parser::SelectStatement& s,
                                                          size_t bind_count, const Session& session,
                                                          QueryContext& context) {
  auto snapshot = context.schema.snapshot();
  ASSIGN_OR_RETURN(auto table, ResolveTable(*snapshot, s.table, session));
  auto stmt = std::make_shared<SelectStatement>();
  stmt->table = table;
  stmt->distinct = s.distinct;
  stmt->json = s.json;
  BindSpecs specs(bind_count);
  specs.keyspace = table->keyspace;
  specs.table = table->name;

  if (s.select_all) {
    for (const ColumnMetadata* c : SelectAllOrder(*table)) {
      stmt->outputs.push_back({OutputColumn::Kind::kColumn, c, Spec(*table, c->name, c->type)});
    }
  }
  for (const auto& sel : s.selectors) {
    OutputColumn out;
    std::string name = sel->alias.empty() ? sel->text : sel->alias;
    if (CollectionSelection::Handles(*sel)) {  // m['k'], s[a..b], u['k'].f (issue 11)
      ASSIGN_OR_RETURN(out.sub, CollectionSelection::Prepare(*sel, *table, specs));
      out.kind = OutputColumn::Kind::kSubSelection;
      out.column = out.sub->column();
      out.spec = Spec(*table, name, out.sub->type());
      stmt->outputs.push_back(std::move(out));
      continue;
    }
    if (functions::IsExpressionSelector(*sel)) {  // functions, operators, CAST (issue 13)
      std::string expression_name;
      ASSIGN_OR_RETURN(out.expression, functions::PrepareSelectorExpression(*sel, *table, specs,
                                                                           &expression_name));
      out.kind = OutputColumn::Kind::kExpression;
      out.spec = Spec(*table, sel->alias.empty() ? expression_name : sel->alias,
                      out.expression->type);
      stmt->outputs.push_back(std::move(out));
      continue;
    }
    auto need_column = [&](const std::string& col) -> Result<const ColumnMetadata*> {
      const ColumnMetadata* c = table->FindColumn(col);
      if (c == nullptr) return Status(InvalidRequest("Undefined column name " + col));
      return c;
    };
    switch (sel->kind) {
      case parser::Selector::Kind::kColumn: {
        ASSIGN_OR_RETURN(out.column, need_column(sel->column));
        out.kind = OutputColumn::Kind::kColumn;
        out.spec = Spec(*table, sel->alias.empty() ? out.column->name : sel->alias, out.column->type);
        break;
      }
      case parser::Selector::Kind::kWritetime:
      case parser::Selector::Kind::kTtl: {
        bool wt = sel->kind == parser::Selector::Kind::kWritetime;
        if (!sel->args.empty()) {  // writetime(m['k']), ttl(u.f) (Cassandra 5.0)
          RETURN_IF_ERROR(PrepareElementWritetime(*sel, *table, specs, &out));
          out.kind = wt ? OutputColumn::Kind::kWritetime : OutputColumn::Kind::kTtl;
          out.spec = Spec(*table, name, types::Type(wt ? types::Kind::kBigint : types::Kind::kInt));
          break;
        }
        ASSIGN_OR_RETURN(out.column, need_column(sel->column));
        if (out.column->is_primary_key()) {
          return InvalidRequest(fmt::format("Cannot use selection function {} on PRIMARY KEY part {}",
                                            wt ? "writeTime" : "ttl", out.column->name));
        }
        // Cassandra 4.1 Selectable.WritetimeOrTTL: multi-cell columns have no one timestamp.
        const types::Type& type = out.column->type;
        if ((type.IsCollection() || type.kind() == types::Kind::kUdt) && !type.frozen()) {
          return InvalidRequest(fmt::format("Cannot use selection function {} on non-frozen {} {}",
                                            wt ? "writeTime" : "ttl",
                                            type.IsCollection() ? "collection" : "UDT",
                                            out.column->name));
        }
        out.kind = wt ? OutputColumn::Kind::kWritetime : OutputColumn::Kind::kTtl;
        out.spec = Spec(*table, name, types::Type(wt ? types::Kind::kBigint : types::Kind::kInt));
        break;
      }
      case parser::Selector::Kind::kFunction: {
        const std::string& fname = sel->function.name;
        if (fname == "token") {
          bool matches = sel->args.size() == table->partition_key.size();
          for (size_t i = 0; matches && i < sel->args.size(); ++i) {
            matches = sel->args[i]->kind == parser::Selector::Kind::kColumn &&
                      sel->args[i]->column == table->partition_key_column(i).name;
          }
          if (!matches) {
            return InvalidRequest(
                "The token() function must be applied to all partition key components or none "
                "of them");
          }
          out.kind = OutputColumn::Kind::kToken;
          out.spec = Spec(*table, name, types::Type(types::Kind::kBigint));
          break;
        }
        return Unsupported(fmt::format("function {} in a selection", fname));
      }
      case parser::Selector::Kind::kField: {  // addr.city, b.x.a (issue 11)
        ASSIGN_OR_RETURN(out.field, FieldSelection::Prepare(*sel, *table));
        out.kind = OutputColumn::Kind::kField;
        out.column = out.field->column();
        out.spec = Spec(*table, name, out.field->type());
        break;
      }
      default:
        return Unsupported("selector " + sel->text);
    }
    stmt->outputs.push_back(std::move(out));
  }
  ASSIGN_OR_RETURN(stmt->where,
                   AnalyzeWhere(*table, s.where, StatementKind::kSelect, s.allow_filtering, specs));
  // Issue 13: aggregates (mixed with plain columns as Cassandra 4.1 allows: the first row's
  // values) and GROUP BY (query/aggregation.h).
  for (const auto& o : stmt->outputs) {
    if (o.expression) o.expression->CollectAggregates(&stmt->aggregate_calls);
  }
  if (!s.group_by.empty()) {
    ASSIGN_OR_RETURN(stmt->group_prefix,
                     PrepareGroupBy(*table, s.group_by, stmt->where, s.distinct));
    stmt->grouping = true;
  } else {
    stmt->aggregating = !stmt->aggregate_calls.empty();
  }
  // Cassandra 4.1 SelectStatement.RawStatement.selectOnlyStaticColumns and
  // StatementRestrictions: a selection of static (and partition key) columns only reads the
  // static row, so it may not restrict the clustering key.
  if (table->has_static && !s.select_all) {
    bool some_static = false;
    bool other = false;
    for (const auto& o : stmt->outputs) {
      if (o.column == nullptr) continue;
      some_static |= o.column->kind == ColumnKind::kStatic;
      other |= o.column->kind != ColumnKind::kStatic && o.column->kind != ColumnKind::kPartitionKey;
    }
    if (some_static && !other && stmt->where.HasClusteringRestrictions()) {
      return InvalidRequest("Cannot restrict clustering columns when selecting only static columns");
    }
  }
  if (s.distinct) {
    // Cassandra 4.1 SelectStatement.validateDistinctSelection: the WHERE clause may restrict only
    // partition key and static columns; only those may be selected; and all the partition key
    // columns must be selected only when the query reads a range of partitions.
    bool other_restrictions = stmt->where.HasClusteringRestrictions();
    for (const auto& f : stmt->where.filters) {
      if (f.column->kind != ColumnKind::kPartitionKey && f.column->kind != ColumnKind::kStatic) {
        other_restrictions = true;
      }
    }
    if (other_restrictions) {
      return InvalidRequest(
          "SELECT DISTINCT with WHERE clause only supports restriction by partition key and/or "
          "static columns.");
    }
    std::set<std::string> selected;
    // Issue 13: Selection.getColumns() holds the columns that functions and aggregates read
    // too (count(*) reads none), and they are checked alike.
    std::vector<const ColumnMetadata*> read;
    for (const auto& o : stmt->outputs) {
      if (o.column != nullptr) read.push_back(o.column);
      if (o.kind == OutputColumn::Kind::kToken) {
        for (size_t i = 0; i < table->partition_key.size(); ++i) {
          read.push_back(&table->partition_key_column(i));
        }
      }
      if (o.expression) functions::CollectReadColumns(*o.expression, *table, &read);
    }
    for (const ColumnMetadata* column : read) {
      if (column->kind != ColumnKind::kPartitionKey && column->kind != ColumnKind::kStatic) {
        return InvalidRequest(fmt::format(
            "SELECT DISTINCT queries must only request partition key columns and/or static "
            "columns (not {})",
            column->name));
      }
      selected.insert(column->name);
    }
    for (const auto& o : stmt->outputs) {
      if (o.column == nullptr) continue;
      if (o.column->kind != ColumnKind::kPartitionKey && o.column->kind != ColumnKind::kStatic) {
        return InvalidRequest(fmt::format(
            "SELECT DISTINCT queries must only request partition key columns and/or static "
            "columns (not {})",
            o.column->name));
      }
      selected.insert(o.column->name);
    }
    const bool key_range = stmt->where.partition.empty();
    for (size_t i = 0; key_range && i < table->partition_key.size(); ++i) {
      if (!selected.count(table->partition_key_column(i).name)) {
        return InvalidRequest(fmt::format(
            "SELECT DISTINCT queries must request all the partition key columns (missing {})",
            table->partition_key_column(i).name));
      }
    }
  }

  if (!s.order_by.empty()) {
    if (stmt->where.partition.empty()) {
      return InvalidRequest(
          "ORDER BY is only supported when the partition key is restricted by an EQ or an IN.");
    }
    std::optional<bool> reverse;
    for (size_t i = 0; i < s.order_by.size(); ++i) {
      const ColumnMetadata* c = table->FindColumn(s.order_by[i].column);
      if (c == nullptr) return InvalidRequest("Undefined column name " + s.order_by[i].column);
      if (c->kind != ColumnKind::kClustering) {
        return InvalidRequest(fmt::format(
            "Order by on unknown column {}", c->name));
      }
      if (c->position != static_cast<int>(i)) {
        return InvalidRequest("Order by currently only supports the ordering of columns following "
                              "their declared order in the PRIMARY KEY");
      }
      bool column_desc = c->order == types::SortOrder::kDesc;
      bool r = s.order_by[i].descending != column_desc;
      if (reverse && *reverse != r) {
        return InvalidRequest("Unsupported order by relation");
      }
      reverse = r;
    }
    stmt->reversed = reverse.value_or(false);
    stmt->has_order_by = true;
  }
  if (s.limit) {
    ASSIGN_OR_RETURN(stmt->limit, PrepareTerm(s.limit, types::Type(types::Kind::kInt), "[limit]", specs));
  }
  if (s.per_partition_limit) {
    if (s.distinct) {
      return InvalidRequest("PER PARTITION LIMIT is not allowed with SELECT DISTINCT queries");
    }
    ASSIGN_OR_RETURN(stmt->per_partition_limit,
                     PrepareTerm(s.per_partition_limit, types::Type(types::Kind::kInt),
                                 "[per_partition_limit]", specs));
  }
  stmt->bind_specs = specs.specs;
  stmt->partition_key_indexes = PartitionKeyBindIndexes(*table, specs);
  stmt->bind_targets = specs.targets;
  stmt->result_metadata.no_metadata = false;
  for (const auto& o : stmt->outputs) stmt->result_metadata.columns.push_back(o.spec);
  std::set<const ColumnMetadata*> taken;
  stmt->takes_values = !stmt->Grouped() && std::all_of(stmt->outputs.begin(), stmt->outputs.end(),
      [&](const OutputColumn& o) {
        return o.kind == OutputColumn::Kind::kColumn && taken.insert(o.column).second;
      });
  if (s.json) stmt->result_metadata.columns = {JsonColumnSpec(table->keyspace, table->name)};
  return std::shared_ptr<const CqlStatement>(std::move(stmt));
}

}  // namespace sibyl::query
