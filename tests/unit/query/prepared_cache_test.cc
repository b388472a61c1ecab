// The prepared-statement cache evicts the least recently used entries when full, not everything
// (issue 14; Cassandra 4.1's QueryProcessor keeps prepared statements in a Caffeine cache with
// LRU-like eviction: an evicted id answers UNPREPARED and the driver prepares it again).
#include "query/prepared_cache.h"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace sibyl::query
