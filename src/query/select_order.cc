// SELECT * order (Cassandra 4.1 TableMetadata.allColumnsInSelectOrder): see select_order.h.
#include "query/select_order.h"

#include <algorithm>

namespace sibyl::query {

using schema::ColumnKind;
using schema::ColumnMetadata;
using schema::TableMetadata;

std::vector<const ColumnMetadata*> SelectAllOrder(const TableMetadata& table) {
  std::vector<const ColumnMetadata*> out;
  for (size_t i = 0; i < table.partition_key.size(); ++i) {
    out.push_back(&table.partition_key_column(i));
  }
  for (size_t i = 0; i < table.clustering.size(); ++i) out.push_back(&table.clustering_column(i));
  auto unsigned_less = [](const ColumnMetadata* a, const ColumnMetadata* b) {
    return a->name < b->name;  // char_traits<char> compares as unsigned char
  };
  auto signed_less = [](const ColumnMetadata* a, const ColumnMetadata* b) {
    return std::lexicographical_compare(
        a->name.begin(), a->name.end(), b->name.begin(), b->name.end(),
        [](char x, char y) { return static_cast<signed char>(x) < static_cast<signed char>(y); });
  };
  for (ColumnKind kind : {ColumnKind::kStatic, ColumnKind::kRegular}) {
    std::vector<const ColumnMetadata*> simple;
    std::vector<const ColumnMetadata*> complex;
    for (const auto& c : table.columns) {
      if (c.kind != kind) continue;
      bool multi_cell = (c.type.IsCollection() || c.type.kind() == types::Kind::kUdt) &&
                        !c.type.frozen();
      (multi_cell ? complex : simple).push_back(&c);
    }
    std::sort(simple.begin(), simple.end(), unsigned_less);
    std::sort(complex.begin(), complex.end(), unsigned_less);
    // Guava's Iterators.mergeSorted: take the smaller head each time (the heads are compared
    // with the signed order even though each list is in the unsigned one).
    size_t si = 0;
    size_t ci = 0;
    while (si < simple.size() || ci < complex.size()) {
      bool take_complex =
          si == simple.size() || (ci < complex.size() && signed_less(complex[ci], simple[si]));
      out.push_back(take_complex ? complex[ci++] : simple[si++]);
    }
  }
  return out;
}

}  // namespace sibyl::query
