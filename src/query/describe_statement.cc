// DESCRIBE, answered by the server as Cassandra 4 does (cqlsh 6 sends it as a query):
// listings are rows of (keyspace_name, type, name); elements add create_statement.
#include <fmt/format.h>

#include "query/collection_values.h"
#include "query/schema_cql.h"
#include "query/statement.h"
#include "schema/schema_store.h"

namespace sibyl::query {
namespace {

using Kind = parser::DescribeStatement::Kind;

protocol::ColumnSpec Text(const char* name) {
  return protocol::ColumnSpec{"system", "describe", name, types::Type(types::Kind::kVarchar)};
}

class DescribeStatement final : public CqlStatement {
 public:
  explicit DescribeStatement(parser::DescribeStatement d) : d_(std::move(d)) {}

  Result<protocol::ResultMessage> Execute(QueryContext& context,
                                          const ExecutionParams& params) const override {
    auto snapshot = context.schema.snapshot();
    protocol::RowsResult out;
    auto listing = [&]() {
      out.metadata.columns = {Text("keyspace_name"), Text("type"), Text("name")};
    };
    auto element = [&]() {
      out.metadata.columns = {Text("keyspace_name"), Text("type"), Text("name"),
                              Text("create_statement")};
    };
    // DescribeStatement.toRow (4.1): names quoted if needed (elementKeyspaceQuotedIfNeeded,
    // elementNameQuotedIfNeeded), so DESC KEYSPACES prints "Quoted" names (issue 10 item 20).
    auto add = [&](const std::string& ks, const char* type, const std::string& name,
                   std::optional<std::string> cql) {
      std::vector<types::Value> row = {QuoteIdentifier(ks), std::string(type),
                                       QuoteIdentifier(name)};
      if (cql) row.push_back(std::move(*cql));
      out.rows.push_back(std::move(row));
    };
    auto describe_keyspace = [&](const schema::KeyspaceMetadata& ks) {
      add(ks.name, "keyspace", ks.name, KeyspaceCql(ks));
      if (d_.only) return;
      // Types before tables, each after the types it uses (Types.sortedStream; issue 11).
      for (const auto& type : schema::UserTypesInDependencyOrder(ks)) {
        add(ks.name, "type", type.udt_name(), UserTypeCql(type));
      }
      for (const auto& [name, table] : ks.tables) {
        add(ks.name, "table", name, TableCql(*table, ks.is_virtual));
      }
    };
    const std::string& current = params.session.keyspace;
    switch (d_.kind) {
      case Kind::kKeyspaces:
        listing();
        for (const auto& [name, ks] : snapshot->keyspaces) add(name, "keyspace", name, std::nullopt);
        break;
      case Kind::kTables:
        listing();
        for (const auto& [ks_name, ks] : snapshot->keyspaces) {
          if (!current.empty() && ks_name != current) continue;
          for (const auto& [name, t] : ks->tables) add(ks_name, "table", name, std::nullopt);
        }
        break;
      case Kind::kTypes: {
        // DescribeStatement.types (4.1): the current keyspace's, else every keyspace's.
        listing();
        if (!current.empty() && snapshot->FindKeyspace(current) == nullptr) {
          return InvalidRequest(fmt::format("'{}' not found in keyspaces", current));
        }
        for (const auto& [ks_name, ks] : snapshot->keyspaces) {
          if (!current.empty() && ks_name != current) continue;
          for (const auto& [name, t] : ks->user_types) add(ks_name, "type", name, std::nullopt);
        }
        break;
      }
      case Kind::kType: {
        element();
        std::string ks_name = d_.name.keyspace.empty() ? current : d_.name.keyspace;
        if (ks_name.empty()) {
          return InvalidRequest("No keyspace specified and no current keyspace");
        }
        const auto* ks = snapshot->FindKeyspace(ks_name);
        if (ks == nullptr) return InvalidRequest(fmt::format("'{}' not found in keyspaces", ks_name));
        auto it = ks->user_types.find(d_.name.name);
        if (it == ks->user_types.end()) {
          return InvalidRequest(fmt::format("User defined type '{}' not found in '{}'",
                                            d_.name.name, ks_name));
        }
        add(ks_name, "type", it->first, UserTypeCql(it->second));
        break;
      }
      case Kind::kFunctions:
      case Kind::kAggregates:
        listing();  // no functions or aggregates yet
        break;
      case Kind::kCluster: {
        // DescribeStatement.cluster (4.1): class names without their package, and with a
        // current keyspace that is not a system one, its range_ownership: range end token ->
        // endpoints ("/address:storage_port"). One node owns the one range ending at its token.
        out.metadata.columns = {Text("cluster"), Text("partitioner"), Text("snitch")};
        std::vector<types::Value> row = {context.node.cluster_name,
                                         std::string("Murmur3Partitioner"),
                                         std::string("SimpleSnitch")};
        const auto* ks = current.empty() ? nullptr : snapshot->FindKeyspace(current);
        if (ks != nullptr && !ks->is_system) {
          out.metadata.columns.push_back(protocol::ColumnSpec{
              "system", "describe", "range_ownership",
              *types::ParseTypeName("map<text, frozen<list<text>>>")});
          const std::string endpoint = fmt::format("/{}:7000", context.node.listen_address);
          row.push_back(SerializeMap({{types::SerializeText("-9223372036854775808"),
                                       SerializeTextList({endpoint})}}));
        }
        out.rows.push_back(std::move(row));
        break;
      }
      case Kind::kSchema:
        element();
        for (const auto& [name, ks] : snapshot->keyspaces) {
          if (ks->is_system && !d_.full) continue;
          // Virtual keyspaces are printed as a commented reference, never as CREATE KEYSPACE
          // (KeyspaceMetadata.toCqlString for virtual keyspaces; issue 10 item 19).
          describe_keyspace(*ks);
        }
        break;
      case Kind::kKeyspace: {
        element();
        std::string name = d_.name.name.empty() ? current : d_.name.name;
        if (name.empty()) {
          return InvalidRequest("No keyspace specified and no current keyspace");
        }
        const auto* ks = snapshot->FindKeyspace(name);
        if (ks == nullptr) return InvalidRequest(fmt::format("'{}' not found in keyspaces", name));
        describe_keyspace(*ks);
        break;
      }
      case Kind::kTable:
      case Kind::kName: {
        element();
        if (d_.kind == Kind::kName && d_.name.keyspace.empty()) {
          if (const auto* ks = snapshot->FindKeyspace(d_.name.name)) {
            describe_keyspace(*ks);
            break;
          }
        }
        std::string ks_name = d_.name.keyspace.empty() ? current : d_.name.keyspace;
        if (ks_name.empty()) {
          return InvalidRequest("No keyspace specified and no current keyspace");
        }
        const auto* ks = snapshot->FindKeyspace(ks_name);
        if (ks == nullptr) return InvalidRequest(fmt::format("'{}' not found in keyspaces", ks_name));
        auto table = snapshot->FindTable(ks_name, d_.name.name);
        if (table == nullptr) {
          return InvalidRequest(
              fmt::format("'{}' not found in keyspace '{}'", d_.name.name, ks_name));
        }
        add(ks_name, "table", table->name, TableCql(*table, ks->is_virtual));
        break;
      }
    }
    out.metadata.no_metadata = params.skip_metadata;
    return protocol::ResultMessage(std::move(out));
  }

 private:
  parser::DescribeStatement d_;
};

}  // namespace

Result<std::shared_ptr<const CqlStatement>> PrepareDescribe(const parser::DescribeStatement& s) {
  auto stmt = std::make_shared<DescribeStatement>(s);
  stmt->result_metadata.no_metadata = false;
  return std::shared_ptr<const CqlStatement>(std::move(stmt));
}

}  // namespace sibyl::query
