#pragma once
// Token layout of a Sibyl cluster on shared storage (issue 15, docs/dev/rados-mapping.md
// "Tokens"). Every node can serve every token (the data is in RADOS, not on the node), so the
// tokens a node announces only steer drivers' token-aware routing: they should split the ring
// evenly between the nodes, and stay put while a node lives, so that a partition keeps going to
// the same node (its per-node caches stay warm and LWTs on it contend in one process).
//
// A new node takes `count` tokens, each the midpoint of the largest gap of the ring the other
// nodes (and its own earlier picks) leave: the first node's tokens are evenly spaced, and with
// 2, 4, 8... nodes every node owns exactly 1/N of the ring (3 nodes: 3/8, 3/8, 1/4).

#include <cstdint>
#include <vector>

namespace sibyl::storage {

// Tokens per node. Default 16: enough ranges for an even split, few enough for drivers' maps.
inline constexpr int kTokensPerNode = 16;

// `count` new distinct tokens (sorted) for a node joining a ring where the other nodes hold
// `existing` (one vector per node, any order). Deterministic.
std::vector<int64_t> ChooseTokens(const std::vector<std::vector<int64_t>>& existing, int count);

// The share of the ring (0..1) that each node of `nodes` owns: a token owns the range from the
// previous token (exclusive) to itself (inclusive), as Cassandra's Murmur3Partitioner.
std::vector<double> RingShares(const std::vector<std::vector<int64_t>>& nodes);

// A range of tokens, both ends inclusive.
struct TokenRange {
  int64_t first;
  int64_t last;
  bool operator==(const TokenRange&) const = default;
};

// The token ranges a node holding `mine` owns on the ring that it and the nodes `others` hold:
// each of its tokens owns the range from the previous token of the ring (exclusive) to itself
// (inclusive), as RingShares counts them. Sorted, adjacent ranges joined, the wrap-around range
// split at the ring's ends. When every node computes this with the same set of nodes, every
// token is owned by exactly one node (a token that two nodes both hold, which ChooseTokens never
// makes, is owned by both). Empty when `mine` is.
std::vector<TokenRange> OwnedRanges(const std::vector<int64_t>& mine,
                                    const std::vector<std::vector<int64_t>>& others);

}  // namespace sibyl::storage
