#pragma once
// The persisted formats of big partitions split into range pieces (docs/dev/rados-mapping.md
// "Big partitions"): the head's piece map entries and `spill` lease xattr, a piece's object name
// and its `range`, `gen` and `count` xattrs. Pure functions, unit-tested without a cluster
// (tests/unit/storage/rados_pieces_test.cc). Every decoder takes bytes another node wrote and
// checks them against explicit bounds.
// DO NOT CHANGE without a migration: persisted.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sibyl::storage::rados {

inline constexpr char kPieceMapEntry = 0x02;  // head omap: 0x02 ‖ start clustering -> piece id
inline constexpr char kSpillXattr[] = "spill";
inline constexpr char kPieceRangeXattr[] = "range";
inline constexpr char kPieceGenXattr[] = "gen";
inline constexpr char kPieceCountXattr[] = "count";
inline constexpr size_t kPieceIdSize = 16;     // hex characters
inline constexpr size_t kMaxPieces = 1 << 16;  // a map longer than this is corrupt
inline constexpr size_t kMaxSpillXattr = 1 << 18;

// One entry of the piece map: the piece owns [start, the next entry's start).
struct PieceRef {
  std::string start;  // a full clustering; "" for the first piece
  std::string id;     // kPieceIdSize hex characters
  bool operator==(const PieceRef&) const = default;
};

std::string PieceMapKey(std::string_view start);
// "<head oid>.<id>"
std::string PieceObjectName(std::string_view head_oid, std::string_view id);
std::string NewPieceId();  // random
// Validates one map entry read from the head; kCorruption when malformed.
Result<PieceRef> ParsePieceMapEntry(std::string_view key, std::string_view value);
// The index of the piece owning `clustering`. REQUIRES: map non-empty, sorted, map[0].start "".
size_t PieceOf(const std::vector<PieceRef>& map, std::string_view clustering);

// The `spill` xattr: a version that moves at every change, and while a spill runs its lease.
struct SpillState {
  uint64_t version = 0;
  bool busy = false;
  int64_t deadline_micros = 0;  // busy only
  std::string owner;            // busy only: 16 hex characters
  std::string last_key;         // busy only: the last head key being moved ("" none yet)
  bool operator==(const SpillState&) const = default;
};
std::string FormatSpill(const SpillState& state);
// "" (absent) is version 0, idle. kCorruption when malformed.
Result<SpillState> ParseSpill(std::string_view bytes);

// A piece's owned range [start, end) (end nullopt: unbounded).
struct PieceRange {
  std::string start;
  std::optional<std::string> end;
  bool operator==(const PieceRange&) const = default;
  // Whether every clustering of `inner` lies in this range.
  bool Covers(const PieceRange& inner) const;
};
std::string EncodePieceRange(const PieceRange& range);
Result<PieceRange> DecodePieceRange(std::string_view bytes);

// The `gen` and `count` xattrs: decimal numbers ("" is 0). kCorruption when malformed.
std::string FormatNumber(uint64_t n);
Result<uint64_t> ParseNumber(std::string_view bytes, std::string_view what);

}  // namespace sibyl::storage::rados
