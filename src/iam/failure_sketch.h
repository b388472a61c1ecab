#pragma once
// FailureSketch: decaying failed-login counts of any number of keys (addresses, names) in a
// fixed 4 KiB, so that nodes sharing one storage can exchange them (issue 15; LoginBrake's
// counts are exact but per node). A count-min sketch: each key adds to one cell in each of
// kDepth rows (stable hashes, the same on every node) and its estimate is the smallest of those
// cells, so it is never below the key's true count and only above it by collisions with other
// keys. In memory cells are floats; encoded they are fixed point (1/64 of a failure, saturating
// at about 1,000 failures: far past where the brake's delay is at its cap).
// A value type; not thread-safe (LoginBrake guards its sketches with its mutex).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sibyl::iam {

class FailureSketch {
 public:
  static constexpr size_t kDepth = 4;
  static constexpr size_t kWidth = 512;
  // Encoded size: version byte + cells (uint16 big-endian). DO NOT CHANGE: persisted.
  static constexpr size_t kEncodedBytes = 1 + kDepth * kWidth * 2;

  void Add(std::string_view key, double failures);
  double Estimate(std::string_view key) const;
  // Multiplies every cell by `factor` (0..1): the decay of elapsed time.
  void Scale(double factor);
  // Adds `other` cell by cell (the sum of several nodes' counts).
  void Merge(const FailureSketch& other);
  bool Empty() const;

  std::string Encode() const;
  // kCorruption unless exactly kEncodedBytes with version 1 (bytes from shared storage).
  static Result<FailureSketch> Decode(std::string_view bytes);

 private:
  static size_t Cell(std::string_view key, size_t row);
  std::array<float, kDepth * kWidth> cells_{};
};

}  // namespace sibyl::iam
