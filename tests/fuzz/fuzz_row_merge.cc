// libFuzzer target: the RocksDB engine's merge operator over stored values (storage/row_codec.h
// MergeStoredValues): what a flush, a compaction or a read hands it comes from table files and
// the WAL, so a damaged file can give it any bytes. Its overwrite fast path (issue 14) parses
// values without decoding them; this checks it against decoding.
//
// Input: up to 6 values, each a 2-byte big-endian length then that many bytes; the last value is
// whatever is left. The first value is merged as the existing value, the rest as operands, and
// again all of them as operands (a partial merge).
// Properties:
//   - nothing crashes, hangs or reads out of bounds, whatever the bytes;
//   - both merges agree, and a merged value decodes (as a row or a header);
//   - when every value is a row without counter cells: the result is what decoding every value
//     and folding them with MergeRow gives, byte for byte when no value deletes the row, and as
//     reads see it (ResolveRow) otherwise;
//   - when StoredRowSupersedes says the last value supersedes the one before it (or stands
//     alone), merging them gives the last value's bytes: what the row cache writes through
//     (storage/rocksdb_row_cache.h) is what a read of the storage would return.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "storage/row_codec.h"

using namespace sibyl;
using namespace sibyl::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input = fuzz::AsView(data, size);
  std::vector<std::string_view> values;
  while (values.size() < 5 && input.size() >= 2) {
    const size_t n = (static_cast<uint8_t>(input[0]) << 8) | static_cast<uint8_t>(input[1]);
    input.remove_prefix(2);
    values.push_back(input.substr(0, n));
    input.remove_prefix(std::min(n, input.size()));
  }
  values.push_back(input);

  const std::string_view newest = values.back();
  const std::string_view* before = values.size() >= 2 ? &values[values.size() - 2] : nullptr;
  for (const std::string_view* older : {before, static_cast<const std::string_view*>(nullptr)}) {
    std::string through;
    if (StoredRowSupersedes(older, newest) &&
        (!MergeStoredValues(older, {newest}, &through) || through != newest)) {
      fuzz::Fail("a value said to supersede is not what merging gives", through);
    }
  }

  const std::vector<std::string_view> operands(values.begin() + 1, values.end());
  std::string merged;
  const bool ok = MergeStoredValues(&values[0], operands, &merged);
  std::string partial;
  if (MergeStoredValues(nullptr, values, &partial) != ok || (ok && partial != merged)) {
    fuzz::Fail("a full and a partial merge of the same values differ", merged);
  }
  if (!ok) return 0;
  const bool header = merged.size() >= 2 && merged[1] == 'H';
  if (!(header ? DecodeHeader(merged).status() : DecodeRow(merged).status()).ok()) {
    fuzz::Fail("a merged value does not decode", merged);
  }

  std::vector<Row> rows;
  bool deletions = false;
  for (std::string_view v : values) {
    auto row = DecodeRow(v);
    if (!row.ok()) return 0;
    for (const auto& [name, cell] : row->cells) {
      if (cell.counter) return 0;  // increments are summed by their own fast path
    }
    deletions |= row->deletion.timestamp != kNoTimestamp;
    rows.push_back(std::move(*row));
  }
  Row folded = rows[0];
  for (size_t i = 1; i < rows.size(); ++i) MergeRow(folded, rows[i]);
  if (!deletions) {
    if (EncodeRow(folded) != merged) fuzz::Fail("a merge differs from the decoded fold", merged);
    return 0;
  }
  // A value merged alone is not resolved (its shadowed cells stay until a later merge): compare
  // what reads see, before and after any expiry.
  for (int64_t now : {int64_t{0}, int64_t{1} << 40}) {
    if (ResolveRow(*DecodeRow(merged), kNoTimestamp, now) != ResolveRow(folded, kNoTimestamp, now)) {
      fuzz::Fail("a merge reads differently from the decoded fold", merged);
    }
  }
  return 0;
}
