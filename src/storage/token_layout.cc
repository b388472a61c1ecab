#include "storage/token_layout.h"

#include <algorithm>
#include <queue>
#include <set>
#include <utility>

namespace sibyl::storage {
namespace {

// Tokens as unsigned positions on the ring (order-preserving: the sign bit flipped), so that
// widths are plain unsigned differences; a full ring is 2^64, held in 128 bits.
uint64_t Position(int64_t token) { return static_cast<uint64_t>(token) ^ (1ull << 63); }
int64_t Token(uint64_t position) { return static_cast<int64_t>(position ^ (1ull << 63)); }

using Width = unsigned __int128;
constexpr Width kRing = Width(1) << 64;

// Width of the range (a, b], wrapping; a == b is the whole ring (one token).
Width Gap(uint64_t a, uint64_t b) { return a < b ? Width(b - a) : kRing - Width(a - b); }

}  // namespace

std::vector<int64_t> ChooseTokens(const std::vector<std::vector<int64_t>>& existing, int count) {
  std::set<uint64_t> ring;
  for (const auto& node : existing) {
    for (int64_t t : node) ring.insert(Position(t));
  }
  std::vector<int64_t> out;
  if (count <= 0) return out;
  if (ring.empty()) {
    const uint64_t step = static_cast<uint64_t>(kRing / Width(count));
    for (int i = 0; i < count; ++i) out.push_back(Token(step * static_cast<uint64_t>(i)));
    std::sort(out.begin(), out.end());
    return out;
  }
  // Largest gap first; ties by position, so that equal gaps of interleaved owners alternate.
  struct Range {
    Width width;
    uint64_t start;  // exclusive
    bool operator<(const Range& o) const {
      return width != o.width ? width < o.width : start > o.start;
    }
  };
  std::priority_queue<Range> gaps;
  for (auto it = ring.begin(); it != ring.end(); ++it) {
    auto next = std::next(it) == ring.end() ? ring.begin() : std::next(it);
    gaps.push({Gap(*it, *next), *it});
  }
  while (static_cast<int>(out.size()) < count && !gaps.empty()) {
    Range r = gaps.top();
    gaps.pop();
    if (r.width < 2) break;  // the ring is full
    const Width half = r.width / 2;
    const uint64_t mid = r.start + static_cast<uint64_t>(half);  // wraps modulo 2^64
    out.push_back(Token(mid));
    gaps.push({half, r.start});
    gaps.push({r.width - half, mid});
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<double> RingShares(const std::vector<std::vector<int64_t>>& nodes) {
  std::vector<std::pair<uint64_t, size_t>> ring;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (int64_t t : nodes[i]) ring.emplace_back(Position(t), i);
  }
  std::vector<double> shares(nodes.size(), 0.0);
  if (ring.empty()) return shares;
  std::sort(ring.begin(), ring.end());
  for (size_t i = 0; i < ring.size(); ++i) {
    const uint64_t previous = ring[(i + ring.size() - 1) % ring.size()].first;
    shares[ring[i].second] +=
        static_cast<double>(Gap(previous, ring[i].first)) / static_cast<double>(kRing);
  }
  return shares;
}

std::vector<TokenRange> OwnedRanges(const std::vector<int64_t>& mine,
                                    const std::vector<std::vector<int64_t>>& others) {
  std::set<uint64_t> ring;
  for (int64_t t : mine) ring.insert(Position(t));
  for (const auto& node : others) {
    for (int64_t t : node) ring.insert(Position(t));
  }
  std::vector<TokenRange> out;
  if (ring.empty() || mine.empty()) return out;
  if (ring.size() == 1) return {{INT64_MIN, INT64_MAX}};
  // (previous, t] for each of mine, in unsigned positions; the wrapping one split in two.
  std::vector<std::pair<uint64_t, uint64_t>> spans;  // inclusive positions
  for (uint64_t t : ring) {
    if (std::find_if(mine.begin(), mine.end(), [&](int64_t m) { return Position(m) == t; }) ==
        mine.end()) {
      continue;
    }
    auto it = ring.find(t);
    const uint64_t previous = it == ring.begin() ? *ring.rbegin() : *std::prev(it);
    if (previous < t) {
      spans.emplace_back(previous + 1, t);
    } else {  // the first token of the ring: from past the last one, around the end
      if (previous != UINT64_MAX) spans.emplace_back(previous + 1, UINT64_MAX);
      spans.emplace_back(0, t);
    }
  }
  std::sort(spans.begin(), spans.end());
  for (const auto& [first, last] : spans) {
    if (!out.empty() && Position(out.back().last) + 1 == first) {
      out.back().last = Token(last);
    } else {
      out.push_back({Token(first), Token(last)});
    }
  }
  return out;
}

}  // namespace sibyl::storage
