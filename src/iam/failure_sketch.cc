#include "iam/failure_sketch.h"

#include <algorithm>
#include <cmath>

namespace sibyl::iam {
namespace {

constexpr double kUnitsPerFailure = 64;
constexpr uint8_t kVersion = 1;
constexpr float kMaxFailures = 65535 / kUnitsPerFailure;

float Saturated(double failures) {
  return static_cast<float>(std::clamp(failures, 0.0, static_cast<double>(kMaxFailures)));
}

}  // namespace

size_t FailureSketch::Cell(std::string_view key, size_t row) {
  // FNV-1a 64 with the row mixed in first: stable across processes and builds (every node
  // must put a key in the same cells), and only failed logins pay for it.
  uint64_t h = 1469598103934665603ull ^ (row * 0x9E3779B97F4A7C15ull);
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  h ^= h >> 29;
  return row * kWidth + static_cast<size_t>(h % kWidth);
}

void FailureSketch::Add(std::string_view key, double failures) {
  for (size_t row = 0; row < kDepth; ++row) {
    float& cell = cells_[Cell(key, row)];
    cell = Saturated(cell + failures);
  }
}

double FailureSketch::Estimate(std::string_view key) const {
  float least = kMaxFailures;
  for (size_t row = 0; row < kDepth; ++row) least = std::min(least, cells_[Cell(key, row)]);
  return least;
}

void FailureSketch::Scale(double factor) {
  factor = std::clamp(factor, 0.0, 1.0);
  for (float& cell : cells_) cell = static_cast<float>(cell * factor);
}

void FailureSketch::Merge(const FailureSketch& other) {
  for (size_t i = 0; i < cells_.size(); ++i) {
    cells_[i] = Saturated(static_cast<double>(cells_[i]) + other.cells_[i]);
  }
}

bool FailureSketch::Empty() const {
  // Below one unit of the encoding: nothing another node would see.
  return std::all_of(cells_.begin(), cells_.end(),
                     [](float c) { return c * kUnitsPerFailure < 0.5; });
}

std::string FailureSketch::Encode() const {
  std::string out;
  out.reserve(kEncodedBytes);
  out.push_back(static_cast<char>(kVersion));
  for (float cell : cells_) {
    const auto units = static_cast<uint16_t>(std::lround(cell * kUnitsPerFailure));
    out.push_back(static_cast<char>(units >> 8));
    out.push_back(static_cast<char>(units & 0xff));
  }
  return out;
}

Result<FailureSketch> FailureSketch::Decode(std::string_view bytes) {
  if (bytes.size() != kEncodedBytes) {
    return Status(ErrorCode::kCorruption, "failure sketch: " + std::to_string(bytes.size()) +
                                              " bytes, expected " +
                                              std::to_string(kEncodedBytes));
  }
  if (static_cast<uint8_t>(bytes[0]) != kVersion) {
    return Status(ErrorCode::kCorruption, "failure sketch: unknown version");
  }
  FailureSketch sketch;
  for (size_t i = 0; i < sketch.cells_.size(); ++i) {
    const int units = (static_cast<uint8_t>(bytes[1 + 2 * i]) << 8) |
                      static_cast<uint8_t>(bytes[2 + 2 * i]);
    sketch.cells_[i] = static_cast<float>(units / kUnitsPerFailure);
  }
  return sketch;
}

}  // namespace sibyl::iam
