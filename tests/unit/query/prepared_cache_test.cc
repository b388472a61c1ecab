// The prepared-statement cache evicts the least recently used entries when full, not everything
// (issue 14; Cassandra 4.1's QueryProcessor keeps prepared statements in a Caffeine cache with
// LRU-like eviction: an evicted id answers UNPREPARED and the driver prepares it again).
#include "query/prepared_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace sibyl::query {
namespace {

std::shared_ptr<const PreparedEntry> Entry(const std::string& query) {
  auto e = std::make_shared<PreparedEntry>();
  e->query = query;
  return e;
}

TEST(PreparedCache, FullCacheEvictsTheLeastRecentlyUsedSixteenth) {
  PreparedCache cache(32);
  for (int i = 0; i < 32; ++i) cache.Put("id" + std::to_string(i), Entry("q" + std::to_string(i)));
  ASSERT_EQ(cache.size(), 32u);
  for (int i = 0; i < 8; ++i) ASSERT_NE(cache.Find("id" + std::to_string(i)), nullptr);  // used
  cache.Put("new", Entry("new"));
  EXPECT_EQ(cache.size(), 31u);  // two evicted (32 / 16), then one added
  for (int i = 0; i < 8; ++i) EXPECT_NE(cache.Find("id" + std::to_string(i)), nullptr) << i;
  EXPECT_EQ(cache.Find("id8"), nullptr);  // the two least recently used
  EXPECT_EQ(cache.Find("id9"), nullptr);
  EXPECT_NE(cache.Find("id10"), nullptr);
  ASSERT_NE(cache.Find("new"), nullptr);
  EXPECT_EQ(cache.Find("new")->query, "new");
}

TEST(PreparedCache, PutReplacesWithoutEvicting) {
  PreparedCache cache(2);
  cache.Put("a", Entry("1"));
  cache.Put("b", Entry("2"));
  cache.Put("a", Entry("3"));  // a re-prepare (its table changed): same id, new statement
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Find("a")->query, "3");
  EXPECT_EQ(cache.Find("b")->query, "2");
  EXPECT_EQ(cache.Find("c"), nullptr);
}

// Each thread keeps what it found (per-thread aliases, issue 14): a replacement or an eviction
// made on another thread is still seen at the next Find.
TEST(PreparedCache, AThreadSeesReplacementsAndEvictionsMadeOnAnother) {
  PreparedCache cache(16);
  cache.Put("a", Entry("1"));
  cache.Put("b", Entry("2"));
  ASSERT_EQ(cache.Find("a")->query, "1");  // kept by this thread
  ASSERT_EQ(cache.Find("b")->query, "2");
  std::thread([&] { cache.Put("a", Entry("3")); }).join();
  EXPECT_EQ(cache.Find("a")->query, "3");  // both kept by this thread again, both used at the
  EXPECT_EQ(cache.Find("b")->query, "2");  // same insertion count
  std::thread([&] {
    cache.Put("x", Entry("x"));
    ASSERT_EQ(cache.Find("a")->query, "3");  // "a" used after "b"
    for (int i = 0; i < 14; ++i) cache.Put("n" + std::to_string(i), Entry("n"));  // evicts one
  }).join();
  // The eviction took "b", which this thread still held: it is gone here too.
  EXPECT_EQ(cache.Find("b"), nullptr);
  ASSERT_NE(cache.Find("a"), nullptr);
  EXPECT_EQ(cache.Find("a")->query, "3");
  EXPECT_EQ(cache.size(), 16u);
}

// An entry a caller holds stays valid after the cache replaced or evicted it.
TEST(PreparedCache, AnEntryHeldOutlivesItsReplacement) {
  PreparedCache cache(1);
  std::shared_ptr<const PreparedEntry> held = cache.Find("a");
  EXPECT_EQ(held, nullptr);
  cache.Put("a", Entry("1"));
  held = cache.Find("a");
  cache.Put("a", Entry("2"));
  cache.Put("b", Entry("3"));  // evicts "a"
  EXPECT_EQ(held->query, "1");
  EXPECT_EQ(cache.Find("a"), nullptr);
}

}  // namespace
}  // namespace sibyl::query
