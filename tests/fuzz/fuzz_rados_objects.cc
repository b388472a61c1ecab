// libFuzzer target: the decoders of what the RADOS engine reads back from shared objects
// (issue 15, docs/dev/rados-mapping.md): batchlog entries (rados_fragments.h DecodeBatch, replayed
// by any node, a dead node's too), partition index entries (ParseIndexKey), and partition
// fragments (FragmentRowKey, row and header values merged by MergeRowFragments /
// MergeHeaderFragments, compacted by PlanCompaction as read compaction and the sweeper do).
//
// Input: a mode byte, then
//   0: a batchlog entry as stored; its partitions' fragments then go through mode 2's checks;
//   1: a partition index entry's omap key;
//   2: one fragment: its omap key, a NUL, its value (the value may hold NULs);
//   3: a big partition's piece map entry (rados_pieces.h): its omap key, a NUL, its value;
//   4: a head's `spill` xattr; 5: a piece's `range` xattr; 6: a piece's `gen`/`count` xattr.
// Properties:
//   - nothing crashes, hangs or reads out of bounds, whatever the bytes;
//   - every failure is kCorruption;
//   - a decoded batch entry encodes to the same bytes; a parsed index key is IndexKey of what
//     it parsed to;
//   - a parsed spill lease, piece range or number formats to what parses to the same value;
//   - fragments that merge also compact (both CompactWhen modes), the plan guards only input
//     fragments, and its merged fragment decodes and has the group's row key.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "storage/rados_fragments.h"
#include "storage/rados_pieces.h"
#include "storage/row_codec.h"

using namespace sibyl;
using namespace sibyl::storage;

namespace {

// One group of fragments sharing a row key, as a read or a sweep sees it.
void CheckGroup(std::string_view row_key, const rados::Fragments& group) {
  const bool header = row_key[0] == rados::kHeaderFragment;
  std::vector<std::string_view> values;
  for (const auto& [key, value] : group) values.push_back(value);
  Status merged = header ? rados::MergeHeaderFragments(values).status()
                         : rados::MergeRowFragments(values).status();
  if (!merged.ok()) fuzz::ExpectCorruption(merged);
  static rados::SuffixSource suffixes(42);
  for (auto when : {rados::CompactWhen::kManyFragments, rados::CompactWhen::kChanged}) {
    auto plan =
        rados::PlanCompaction(group, header, suffixes, int64_t{1700000000} * 1000000, 0, when);
    if (!plan.ok()) {
      fuzz::ExpectCorruption(plan.status());
      continue;
    }
    if (!*plan) continue;
    for (const auto& guarded : (*plan)->guard) {
      if (std::find(group.begin(), group.end(), guarded) == group.end()) {
        fuzz::Fail("a plan guards a fragment that was not read", guarded.first);
      }
    }
    if ((*plan)->merged) {
      const auto& [key, value] = *(*plan)->merged;
      if (rados::FragmentRowKey(key) != row_key) fuzz::Fail("merged fragment of another row", key);
      Status s = header ? DecodeHeader(value).status() : DecodeRow(value).status();
      if (!s.ok()) fuzz::Fail("merged fragment does not decode", s.ToString());
    }
  }
}

// Fragments in omap (key) order, grouped by row key; malformed keys are what a read refuses.
void CheckFragments(rados::Fragments fragments) {
  std::sort(fragments.begin(), fragments.end());
  rados::Fragments group;
  std::string row_key;
  for (auto& fragment : fragments) {
    const std::string_view rk = rados::FragmentRowKey(fragment.first);
    if (rk.empty() || (rk[0] != rados::kHeaderFragment && rk[0] != rados::kRowFragment)) continue;
    if (rk != row_key && !group.empty()) {
      CheckGroup(row_key, group);
      group.clear();
    }
    row_key = rk;
    const std::string_view suffix =
        std::string_view(fragment.first).substr(fragment.first.size() - rados::kSuffixSize);
    (void)rados::SuffixMicros(suffix);
    (void)rados::LoggedBatchFragment(suffix);
    group.push_back(std::move(fragment));
  }
  if (!group.empty()) CheckGroup(row_key, group);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 7;
  const std::string_view body = fuzz::AsView(data + 1, size - 1);
  if (mode == 0) {
    auto batch = rados::DecodeBatch(body);
    if (!batch.ok()) {
      fuzz::ExpectCorruption(batch.status());
      return 0;
    }
    if (rados::EncodeBatch(*batch) != body) fuzz::Fail("a batch entry re-encodes differently", body);
    for (auto& partition : *batch) CheckFragments(std::move(partition.fragments));
  } else if (mode == 1) {
    PartitionPosition p;
    if (rados::ParseIndexKey(body, &p) && rados::IndexKey(p.token, p.partition_key) != body) {
      fuzz::Fail("an index key re-encodes differently", body);
    }
  } else if (mode == 2) {
    const auto fields = fuzz::SplitFields(body, 2);
    CheckFragments({{std::string(fields[0]), std::string(fields[1])}});
  } else if (mode == 3) {
    const auto fields = fuzz::SplitFields(body, 2);
    auto entry = rados::ParsePieceMapEntry(fields[0], fields[1]);
    if (!entry.ok()) {
      fuzz::ExpectCorruption(entry.status());
    } else if (rados::PieceMapKey(entry->start) != fields[0] || entry->id != fields[1]) {
      fuzz::Fail("a piece map entry parses to something else", body);
    }
  } else if (mode == 4) {
    auto spill = rados::ParseSpill(body);
    if (!spill.ok()) {
      fuzz::ExpectCorruption(spill.status());
    } else if (auto again = rados::ParseSpill(rados::FormatSpill(*spill));
               !again.ok() || *again != *spill) {
      fuzz::Fail("a spill lease does not survive formatting", body);
    }
  } else if (mode == 5) {
    auto range = rados::DecodePieceRange(body);
    if (!range.ok()) {
      fuzz::ExpectCorruption(range.status());
    } else if (rados::EncodePieceRange(*range) != body || !range->Covers(*range)) {
      fuzz::Fail("a piece range re-encodes differently", body);
    }
  } else {
    auto n = rados::ParseNumber(body, "gen");
    if (!n.ok()) {
      fuzz::ExpectCorruption(n.status());
    } else if (!body.empty() && *rados::ParseNumber(rados::FormatNumber(*n), "gen") != *n) {
      fuzz::Fail("a number does not survive formatting", body);
    }
  }
  return 0;
}
