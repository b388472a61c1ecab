// Table handles found per thread (issue 14, storage/rocksdb_tables.h): a change published on one
// thread is seen by the next Find on every other; a handle found before a DROP stays usable until
// its finder lets it go, and no thread's alias keeps it longer, idle or not; Close destroys the
// handles other threads still alias, so that none outlives the DB; two sets on one thread never
// answer for each other.
#include "storage/rocksdb_tables.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <initializer_list>
#include <mutex>
#include <thread>

namespace sibyl::storage {
namespace {

// A column family handle that counts its destruction (the engine's deleter destroys it in
// RocksDB; here the test's deleter does).
class FakeHandle final : public rocksdb::ColumnFamilyHandle {
 public:
  explicit FakeHandle(std::string name) : name_(std::move(name)) {}
  const std::string& GetName() const override { return name_; }
  uint32_t GetID() const override { return 7; }
  rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override {
    return rocksdb::Status::NotSupported();
  }
  const rocksdb::Comparator* GetComparator() const override { return nullptr; }

 private:
  std::string name_;
};

TableHandles::Handle Make(const std::string& name, std::atomic<int>* destroyed) {
  return TableHandles::Handle(new FakeHandle(name), [destroyed](rocksdb::ColumnFamilyHandle* h) {
    delete h;
    destroyed->fetch_add(1);
  });
}

// Publishes a map of one handle per name (each named after its table).
void PublishTables(TableHandles& tables, std::initializer_list<const char*> names,
                   std::atomic<int>* destroyed) {
  TableHandles::Map map;
  for (const char* name : names) map[name] = Make(name, destroyed);
  tables.Publish(std::move(map));
}

// Runs `step` on one other thread, one call at a time, and keeps the thread alive (and its
// thread_local view) until the helper is destroyed.
class OtherThread {
 public:
  OtherThread() : thread_([this] { Loop(); }) {}
  ~OtherThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Run(std::function<void()> step) {
    std::unique_lock<std::mutex> lock(mu_);
    step_ = std::move(step);
    cv_.notify_all();
    cv_.wait(lock, [&] { return step_ == nullptr; });
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || step_ != nullptr; });
      if (stop_) return;
      step_();
      step_ = nullptr;
      cv_.notify_all();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> step_;
  bool stop_ = false;
  std::thread thread_;
};

TEST(TableHandlesTest, AChangePublishedOnOneThreadIsSeenByTheNextFindOnAnother) {
  std::atomic<int> destroyed{0};
  TableHandles tables;
  OtherThread other;
  other.Run([&] { EXPECT_EQ(tables.Find("ks.t"), nullptr); });

  TableHandles::Map map;
  map["ks.t"] = Make("ks.t", &destroyed);
  tables.Publish(map);
  other.Run([&] {
    auto h = tables.Find("ks.t");
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(h->GetName(), "ks.t");
    EXPECT_EQ(tables.Find("ks.other"), nullptr);
  });

  map.erase("ks.t");
  tables.Publish(map);
  other.Run([&] { EXPECT_EQ(tables.Find("ks.t"), nullptr); });
  EXPECT_EQ(destroyed.load(), 1);
}

TEST(TableHandlesTest, ADropFreesTheHandleAtOnceThoughAThreadThatSawItStaysIdle) {
  // The handle keeps the table's files: a thread that found it once and never finds again must
  // not keep them after the DROP.
  std::atomic<int> destroyed{0};
  TableHandles tables;
  OtherThread idle;
  PublishTables(tables, {"ks.t"}, &destroyed);
  idle.Run([&] { ASSERT_NE(tables.Find("ks.t"), nullptr); });  // its view now aliases the map
  tables.Publish({});
  EXPECT_EQ(destroyed.load(), 1);
}

TEST(TableHandlesTest, AHandleFoundBeforeADropStaysUsableUntilItIsLetGo) {
  std::atomic<int> destroyed{0};
  TableHandles tables;
  PublishTables(tables, {"ks.t"}, &destroyed);

  auto found = tables.Find("ks.t");
  ASSERT_NE(found, nullptr);
  tables.Publish({});  // DROP on this thread
  EXPECT_EQ(tables.Find("ks.t"), nullptr);  // and this thread's view moved on
  EXPECT_EQ(destroyed.load(), 0);
  EXPECT_EQ(found->GetName(), "ks.t");
  found.reset();
  EXPECT_EQ(destroyed.load(), 1);
}

TEST(TableHandlesTest, CloseDestroysTheHandlesOtherThreadsStillAlias) {
  std::atomic<int> destroyed{0};
  OtherThread other;  // outlives `tables`, as a test's thread outlives the engines it opens
  {
    TableHandles tables;
    PublishTables(tables, {"ks.a", "ks.b"}, &destroyed);
    other.Run([&] { ASSERT_NE(tables.Find("ks.a"), nullptr); });  // its view aliases the map
    EXPECT_EQ(destroyed.load(), 0);
    tables.Close();
    EXPECT_EQ(destroyed.load(), 2);  // before the DB would close
    EXPECT_EQ(tables.Find("ks.a"), nullptr);
  }
  EXPECT_EQ(destroyed.load(), 2);
}

TEST(TableHandlesTest, TwoSetsOnOneThreadNeverAnswerForEachOther) {
  std::atomic<int> destroyed{0};
  TableHandles first;
  TableHandles second;
  TableHandles::Map a;
  a["ks.t"] = Make("first", &destroyed);
  first.Publish(std::move(a));
  TableHandles::Map b;
  b["ks.t"] = Make("second", &destroyed);
  second.Publish(std::move(b));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(first.Find("ks.t")->GetName(), "first");
    EXPECT_EQ(second.Find("ks.t")->GetName(), "second");
  }
}

TEST(TableHandlesTest, FindsRaceWithChangesAndEveryHandleIsDestroyedOnce) {
  std::atomic<int> destroyed{0};
  std::atomic<int> made{0};
  {
    TableHandles tables;
    std::atomic<bool> stop{false};
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r) {
      readers.emplace_back([&] {
        while (!stop.load()) {
          if (auto h = tables.Find("ks.t")) {
            EXPECT_EQ(h->GetName(), "ks.t");
          }
        }
      });
    }
    for (int i = 0; i < 2000; ++i) {  // CREATE, DROP, CREATE, ...
      TableHandles::Map map;
      if (i % 2 == 0) {
        map["ks.t"] = Make("ks.t", &destroyed);
        made.fetch_add(1);
      }
      tables.Publish(std::move(map));
    }
    stop = true;
    for (auto& t : readers) t.join();
  }
  EXPECT_EQ(destroyed.load(), made.load());
}

}  // namespace
}  // namespace sibyl::storage
