#include "storage/rados_fragments.h"

#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <random>

namespace sibyl::storage::rados {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr uint32_t kLoggedBatchBit = uint32_t{1} << 31;
constexpr char kBatchFormat = 1;

void AppendHex(std::string* out, std::string_view bytes) {
  for (char c : bytes) {
    out->push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    out->push_back(kHex[static_cast<uint8_t>(c) & 15]);
  }
}

void PutBE(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetBE(std::string_view b, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

// Length-checked reads of the batchlog encoding.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool ok() const { return ok_; }
  bool done() const { return b_.empty(); }
  uint64_t Fixed(int bytes) {
    if (!ok_ || b_.size() < static_cast<size_t>(bytes)) return Fail(), 0;
    uint64_t v = GetBE(b_, bytes);
    b_.remove_prefix(bytes);
    return v;
  }
  std::string Bytes() {
    uint64_t n = Fixed(4);
    if (!ok_ || b_.size() < n) return Fail(), std::string();
    std::string out(b_.substr(0, n));
    b_.remove_prefix(n);
    return out;
  }
  // A count of items each at least `min_item_bytes` long: bounded by the bytes left.
  uint64_t Count(size_t min_item_bytes) {
    uint64_t n = Fixed(4);
    if (ok_ && n > b_.size() / min_item_bytes) Fail();
    return ok_ ? n : 0;
  }
  void Fail() { ok_ = false; }

 private:
  std::string_view b_;
  bool ok_ = true;
};

void PutBytes(std::string* out, std::string_view b) {
  PutBE(out, b.size(), 4);
  out->append(b);
}

}  // namespace

std::string FlipToken(int64_t token) {
  std::string out;
  PutBE(&out, static_cast<uint64_t>(token) ^ (uint64_t{1} << 63), 8);
  return out;
}

int64_t UnflipToken(std::string_view eight_bytes) {
  return static_cast<int64_t>(GetBE(eight_bytes, 8) ^ (uint64_t{1} << 63));
}

std::string PartitionObjectName(int64_t token, std::string_view partition_key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(partition_key.data()), partition_key.size(), digest);
  std::string out = "p.";
  AppendHex(&out, FlipToken(token));
  out.push_back('.');
  AppendHex(&out, std::string_view(reinterpret_cast<const char*>(digest), 16));
  return out;
}

int IndexShardOf(int64_t token) { return static_cast<uint8_t>(FlipToken(token)[0]); }

std::string IndexShardName(int shard) {
  std::string out = "i.";
  AppendHex(&out, std::string(1, static_cast<char>(shard)));
  return out;
}

std::string IndexKey(int64_t token, std::string_view partition_key) {
  std::string out = FlipToken(token);
  out.push_back('\0');
  out.append(partition_key);
  return out;
}

bool ParseIndexKey(std::string_view key, PartitionPosition* out) {
  if (key.size() < 9 || key[8] != '\0') return false;
  out->token = UnflipToken(key);
  out->partition_key = std::string(key.substr(9));
  return true;
}

SuffixSource::SuffixSource() {
  std::random_device rd;
  node_ = (uint64_t{rd()} << 32) ^ rd();
}

std::string SuffixSource::Next(int64_t now_micros, FromLoggedBatch batch) {
  std::string out;
  out.reserve(kSuffixSize);
  PutBE(&out, static_cast<uint64_t>(now_micros), 8);
  PutBE(&out, node_, 8);
  uint32_t seq = sequence_.fetch_add(1, std::memory_order_relaxed) & ~kLoggedBatchBit;
  if (batch == FromLoggedBatch::kYes) seq |= kLoggedBatchBit;
  PutBE(&out, seq, 4);
  return out;
}

int64_t SuffixMicros(std::string_view suffix) { return static_cast<int64_t>(GetBE(suffix, 8)); }

bool LoggedBatchFragment(std::string_view suffix) {
  return (GetBE(suffix.substr(16), 4) & kLoggedBatchBit) != 0;
}

std::string HeaderFragmentKey(std::string_view suffix) {
  std::string out(1, kHeaderFragment);
  out.append(suffix);
  return out;
}

std::string RowFragmentKey(std::string_view clustering, std::string_view suffix) {
  std::string out(1, kRowFragment);
  out.append(clustering);
  out.append(suffix);
  return out;
}

std::string_view FragmentRowKey(std::string_view key) {
  if (key.size() < 1 + kSuffixSize) return {};
  return key.substr(0, key.size() - kSuffixSize);
}

void AppendFragments(const PartitionMutation& m, SuffixSource& suffixes, int64_t now_micros,
                     FromLoggedBatch batch, Fragments* out) {
  if (auto header = MutationHeader(m)) {
    out->emplace_back(HeaderFragmentKey(suffixes.Next(now_micros, batch)), EncodeHeader(*header));
  }
  // Rows of one clustering are merged (a batch may name a row twice): one fragment per row.
  std::map<std::string_view, const Row*> first;
  std::map<std::string_view, Row> merged;
  for (const auto& row : m.rows) {
    auto [it, inserted] = first.emplace(row.clustering, &row);
    if (inserted) continue;
    auto [mit, fresh] = merged.emplace(row.clustering, *it->second);
    MergeRow(mit->second, row);
  }
  for (const auto& [clustering, row] : first) {
    auto mit = merged.find(clustering);
    const Row& r = mit == merged.end() ? *row : mit->second;
    out->emplace_back(RowFragmentKey(clustering, suffixes.Next(now_micros, batch)), EncodeRow(r));
  }
}

Result<Row> MergeRowFragments(const std::vector<std::string_view>& values) {
  if (values.size() == 1) return DecodeRow(values[0]);
  std::string merged;
  if (values.empty() || !MergeStoredValues(nullptr, values, &merged)) {
    return Status(ErrorCode::kCorruption, "malformed row fragment in a RADOS partition object");
  }
  return DecodeRow(merged);
}

Result<PartitionHeader> MergeHeaderFragments(const std::vector<std::string_view>& values) {
  if (values.size() == 1) return DecodeHeader(values[0]);
  std::string merged;
  if (values.empty() || !MergeStoredValues(nullptr, values, &merged)) {
    return Status(ErrorCode::kCorruption, "malformed header fragment in a RADOS partition object");
  }
  return DecodeHeader(merged);
}

Result<std::optional<Compaction>> PlanCompaction(const Fragments& fragments, bool header,
                                                 SuffixSource& suffixes, int64_t now_micros,
                                                 int64_t gc_grace_seconds, CompactWhen when,
                                                 size_t compact_above) {
  Compaction plan;
  std::vector<std::string_view> values;
  for (const auto& [key, value] : fragments) {
    if (plan.guard.size() == kMaxCompactedAtOnce) break;
    if (key.size() < 1 + kSuffixSize) continue;
    std::string_view suffix = std::string_view(key).substr(key.size() - kSuffixSize);
    // Written less than the replay horizon ago; compared without a subtraction of the stored
    // time, which another node (or a damaged object) may have made anything.
    if (LoggedBatchFragment(suffix) &&
        SuffixMicros(suffix) > now_micros - kBatchReplayHorizonMicros) {
      continue;
    }
    plan.guard.emplace_back(key, value);
    values.push_back(value);
  }
  const size_t at_least = when == CompactWhen::kManyFragments ? compact_above + 1 : 1;
  if (plan.guard.size() < at_least) return std::optional<Compaction>();
  const std::string_view row_key = FragmentRowKey(plan.guard[0].first);
  const int64_t now_seconds = now_micros / 1000000;
  const int64_t purge_before = now_seconds - gc_grace_seconds;
  std::string suffix = suffixes.Next(now_micros);
  if (header) {
    ASSIGN_OR_RETURN(PartitionHeader merged, MergeHeaderFragments(values));
    if (merged.static_row && !CompactRow(*merged.static_row, now_seconds, purge_before)) {
      merged.static_row.reset();
    }
    if (merged.deletion.timestamp != kNoTimestamp || !merged.range_tombstones.empty() ||
        merged.static_row) {
      plan.merged.emplace(HeaderFragmentKey(suffix), EncodeHeader(merged));
    }
  } else {
    ASSIGN_OR_RETURN(Row merged, MergeRowFragments(values));
    if (CompactRow(merged, now_seconds, purge_before)) {
      plan.merged.emplace(std::string(row_key) + suffix, EncodeRow(merged));
    }
  }
  if (when == CompactWhen::kChanged && plan.guard.size() == 1 && plan.merged &&
      plan.merged->second == plan.guard[0].second) {
    return std::optional<Compaction>();  // nothing expired or purged: the rewrite would be a no-op
  }
  return std::optional<Compaction>(std::move(plan));
}

std::string EncodeBatch(const std::vector<BatchPartition>& batch) {
  std::string out(1, kBatchFormat);
  PutBE(&out, batch.size(), 4);
  for (const auto& p : batch) {
    PutBytes(&out, p.table_id);
    PutBE(&out, static_cast<uint64_t>(p.token), 8);
    PutBytes(&out, p.partition_key);
    PutBE(&out, p.fragments.size(), 4);
    for (const auto& [key, value] : p.fragments) {
      PutBytes(&out, key);
      PutBytes(&out, value);
    }
  }
  return out;
}

Result<std::vector<BatchPartition>> DecodeBatch(std::string_view bytes) {
  const Status corrupt(ErrorCode::kCorruption, "malformed batchlog entry");
  if (bytes.empty() || bytes[0] != kBatchFormat) return corrupt;
  Reader r(bytes.substr(1));
  std::vector<BatchPartition> out;
  const uint64_t n = r.Count(4 + 8 + 4 + 4);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    BatchPartition p;
    p.table_id = r.Bytes();
    p.token = static_cast<int64_t>(r.Fixed(8));
    p.partition_key = r.Bytes();
    const uint64_t fragments = r.Count(8);
    for (uint64_t f = 0; f < fragments && r.ok(); ++f) {
      std::string key = r.Bytes();
      std::string value = r.Bytes();
      p.fragments.emplace_back(std::move(key), std::move(value));
    }
    out.push_back(std::move(p));
  }
  if (!r.ok() || !r.done()) return corrupt;
  return out;
}

}  // namespace sibyl::storage::rados
