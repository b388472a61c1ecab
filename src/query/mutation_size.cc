#include "query/mutation_size.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>

#include "cql/types/key_encoding.h"
#include "cql/types/value.h"
#include "schema/metadata.h"
#include "schema/schema_store.h"

namespace sibyl::query {
namespace {

namespace types = cql::types;

// Cassandra's MutationExceededMaxSizeException.PARTITION_MESSAGE_LIMIT.
constexpr size_t kTopKeysChars = 1024;

// `text` cut to at most `max` bytes at a character boundary, marked with "..." when cut.
std::string Truncated(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<uint8_t>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "...";
}

// One component as Cassandra's AbstractType.getString prints it: the CQL literal without its
// quotes (text as is, timestamps and dates as ISO text) and blobs as bare hex.
std::string ComponentString(const types::Type& type, std::string_view bytes) {
  std::string literal = types::ToCqlLiteral(type, bytes);
  if (type.kind() == types::Kind::kBlob && literal.rfind("0x", 0) == 0) return literal.substr(2);
  if (literal.size() >= 2 && literal.front() == '\'' && literal.back() == '\'') {
    std::string out;
    for (size_t i = 1; i + 1 < literal.size(); ++i) {
      out.push_back(literal[i]);
      if (literal[i] == '\'' && literal[i + 1] == '\'') ++i;  // '' is one quote
    }
    return out;
  }
  return literal;
}

// "<table>.<key>", the key as Cassandra prints a partition key (components joined by ':', a ':'
// inside a component escaped), at most kTopKeysChars bytes.
std::string TableAndKey(const schema::TableMetadata* table, const storage::PartitionMutation& m) {
  if (table == nullptr) return Truncated("<dropped table>." + m.partition_key, kTopKeysChars);
  std::string key;
  const size_t n = table->partition_key.size();
  auto components = n == 1 ? Result<std::vector<std::string>>(std::vector<std::string>{m.partition_key})
                           : types::SplitPartitionKey(m.partition_key, n);
  if (!components.ok() || components->size() != n) {
    for (char c : m.partition_key) key += fmt::format("{:02x}", static_cast<uint8_t>(c));
  } else {
    for (size_t i = 0; i < n; ++i) {
      std::string text = ComponentString(table->partition_key_column(i).type, (*components)[i]);
      if (n > 1) {
        std::string escaped;
        for (char c : text) {
          if (c == ':') escaped.push_back('\\');
          escaped.push_back(c);
        }
        text = std::move(escaped);
      }
      if (i > 0) key.push_back(':');
      key += text;
    }
  }
  return Truncated(table->name + "." + key, kTopKeysChars);
}

}  // namespace

Status CheckMutationSizes(const schema::SchemaStore& schema,
                          const std::vector<storage::TableMutation>& mutations, uint64_t max_bytes) {
  // One mutation (a single-partition statement, issue 14): its size alone, with no allocation.
  if (mutations.size() == 1 && storage::SerializedSize(mutations[0].mutation) <= max_bytes) {
    return Status::OK();
  }
  // The common case costs one pass and no names: partitions summed over all tables can only be
  // larger than partitions summed per keyspace.
  std::vector<uint64_t> sizes(mutations.size());
  std::map<std::pair<int64_t, std::string_view>, uint64_t> by_partition;
  bool over = false;
  for (size_t i = 0; i < mutations.size(); ++i) {
    const auto& m = mutations[i].mutation;
    sizes[i] = storage::SerializedSize(m);
    uint64_t& total = by_partition[{m.token, m.partition_key}];
    total += sizes[i];
    over = over || total > max_bytes;
  }
  if (!over) return Status::OK();

  const std::shared_ptr<const schema::SchemaSnapshot> snapshot = schema.snapshot();
  std::map<std::string_view, const schema::TableMetadata*> tables;  // by storage id
  for (const auto& [ks_name, keyspace] : snapshot->keyspaces) {
    for (const auto& [name, table] : keyspace->tables) tables[table->id] = table.get();
  }
  // Cassandra's Mutation: one keyspace and one partition key, in the order of the statements.
  struct Mutation {
    std::string keyspace;
    uint64_t total = 0;
    std::map<std::string_view, std::pair<uint64_t, size_t>> tables;  // id -> (size, first index)
  };
  std::vector<Mutation> grouped;
  std::map<std::tuple<std::string, int64_t, std::string_view>, size_t> index;
  for (size_t i = 0; i < mutations.size(); ++i) {
    const auto& tm = mutations[i];
    auto table = tables.find(tm.table_id);
    std::string keyspace = table == tables.end() ? std::string() : table->second->keyspace;
    auto [it, added] = index.try_emplace(
        std::make_tuple(keyspace, tm.mutation.token, std::string_view(tm.mutation.partition_key)),
        grouped.size());
    if (added) grouped.push_back(Mutation{std::move(keyspace)});
    Mutation& group = grouped[it->second];
    group.total += sizes[i];
    auto [entry, first] = group.tables.try_emplace(tm.table_id, 0, i);
    entry->second.first += sizes[i];
  }
  for (const Mutation& group : grouped) {
    if (group.total <= max_bytes) continue;
    std::vector<std::pair<uint64_t, size_t>> parts;  // (size, index of a TableMutation)
    for (const auto& [id, part] : group.tables) parts.push_back(part);
    std::stable_sort(parts.begin(), parts.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::string top_keys;
    size_t listed = 0;
    for (const auto& [size, i] : parts) {
      auto table = tables.find(mutations[i].table_id);
      std::string key = TableAndKey(table == tables.end() ? nullptr : table->second,
                                    mutations[i].mutation);
      if (listed > 0 && top_keys.size() + key.size() + 2 > kTopKeysChars) break;
      top_keys += (listed > 0 ? ", " : "") + key;
      ++listed;
    }
    if (listed < parts.size()) top_keys += fmt::format(" and {} more.", parts.size() - listed);
    return InvalidRequest(fmt::format(
        "Rejected an oversized mutation ({}/{}) for keyspace: {}. Top keys are: {}", group.total,
        max_bytes, group.keyspace, top_keys));
  }
  return Status::OK();
}

}  // namespace sibyl::query
