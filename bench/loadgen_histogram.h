// Latency histogram of bench/loadgen (issue 14): HdrHistogram's log-linear layout, fixed size,
// O(1) record, no samples kept. Values below 2^kSubBits are exact; above, each power-of-two range
// [2^h, 2^(h+1)) is cut into 2^(kSubBits-1) equal buckets, so a recorded value is known to within
// 1/1024 (0.1%). Values past kMaxValue land in the last bucket and are counted as clamped.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace loadgen {

class Histogram {
 public:
  static constexpr int kSubBits = 11;                        // 2048 exact values, then 1024 per octave
  static constexpr int kMaxBit = 40;                         // 2^40 ns ~ 18 minutes
  static constexpr uint64_t kMaxValue = (uint64_t{1} << kMaxBit) - 1;
  static constexpr size_t kBuckets =
      (size_t{1} << kSubBits) + size_t(kMaxBit - kSubBits) * (size_t{1} << (kSubBits - 1));

  Histogram() : counts_(kBuckets, 0) {}

  void Record(uint64_t v) {
    if (v > kMaxValue) {
      v = kMaxValue;
      ++clamped_;
    }
    ++counts_[Index(v)];
    ++total_;
    sum_ += v;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }

  void Merge(const Histogram& o) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    clamped_ += o.clamped_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
  }

  void Reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = sum_ = clamped_ = 0;
    min_ = UINT64_MAX;
    max_ = 0;
  }

  uint64_t count() const { return total_; }
  uint64_t clamped() const { return clamped_; }
  uint64_t min() const { return total_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return total_ ? double(sum_) / double(total_) : 0.0; }

  // The smallest recorded value v (to the bucket's precision, reported as the bucket's highest
  // value, as HdrHistogram does) such that at least q of the samples are <= v. 0 when empty.
  uint64_t Quantile(double q) const {
    if (total_ == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    uint64_t rank = uint64_t(q * double(total_) + 0.5);
    if (rank == 0) rank = 1;
    if (rank > total_) rank = total_;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(HighestInBucket(i), max_);
    }
    return max_;
  }

  static size_t Index(uint64_t v) {
    if (v < (uint64_t{1} << kSubBits)) return size_t(v);
    const int h = 63 - std::countl_zero(v);  // kSubBits <= h < kMaxBit
    const int shift = h - (kSubBits - 1);
    const uint64_t sub = (v >> shift) - (uint64_t{1} << (kSubBits - 1));
    return (size_t{1} << kSubBits) + size_t(h - kSubBits) * (size_t{1} << (kSubBits - 1)) +
           size_t(sub);
  }

  static uint64_t LowestInBucket(size_t i) {
    if (i < (size_t{1} << kSubBits)) return i;
    const size_t j = i - (size_t{1} << kSubBits);
    const int h = int(j >> (kSubBits - 1)) + kSubBits;
    const uint64_t sub = j & ((size_t{1} << (kSubBits - 1)) - 1);
    return (sub + (uint64_t{1} << (kSubBits - 1))) << (h - (kSubBits - 1));
  }

  static uint64_t HighestInBucket(size_t i) {
    return i + 1 < kBuckets ? LowestInBucket(i + 1) - 1 : kMaxValue;
  }

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t sum_ = 0;
  uint64_t clamped_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace loadgen
