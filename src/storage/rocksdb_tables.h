#pragma once
// The column family handle of each table, found without a shared lock or a shared count (issue
// 14, docs/dev/performance.md "Per-request costs of a point read at 32 in flight").
//
// Every read and write finds its table's handle by id. Under a shared_mutex, with a copy of the
// handle's shared_ptr, that was two atomic read-modify-writes on lines that both event-loop threads
// write for every request (the lock's word, the handle's count), and two more at release.
//
// Here the set of handles is an immutable map, replaced whole by each CREATE, DROP or TRUNCATE
// (Publish). Each thread keeps its own alias of the current map (common/per_thread_share.h) until
// a Publish drops it, and Find hands out a pointer to the handle that counts in that alias's
// control block: a request touches only its own thread's lines.
//
// Lifetimes:
// - a handle lives while any map that holds it does. Each thread's view is registered in a
//   process-wide list, and Publish drops every thread's alias of the old map at once; the old map
//   then lives on only in the Handles handed out from it, so a request that found a table before
//   its DROP finishes on a live handle, and the handle (and the table's files) goes when the last
//   such request does, as with a shared_ptr per request;
// - RocksDB wants every handle destroyed before the DB closes: Close() (before the engine closes
//   the DB) drops every thread's alias of this set's maps the same way.

#include <rocksdb/db.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace sibyl::storage {

class TableHandles {
 public:
  using Handle = std::shared_ptr<rocksdb::ColumnFamilyHandle>;
  using Map = std::map<std::string, Handle, std::less<>>;

  TableHandles();
  ~TableHandles();  // Close()
  TableHandles(const TableHandles&) = delete;
  TableHandles& operator=(const TableHandles&) = delete;

  // The handle of `table_id`, or nullptr. Takes no lock another thread takes, except once per
  // change per thread.
  Handle Find(std::string_view table_id) const;

  // The current map (Flush, compactions, options changes).
  std::shared_ptr<const Map> Current() const;

  // Replaces the map, and drops every thread's alias of the old one. Changes are serialized by the
  // caller: Current, copy, change, Publish.
  void Publish(Map next);

  // Drops the current map and every thread's alias of one of this set's maps, so that no handle
  // outlives the call unless a Handle handed out is still held. No Find may run during or after it.
  void Close();

 private:
  const uint64_t id_;  // tells apart the sets a thread has seen (tests open many engines)
  mutable std::mutex mu_;
  std::shared_ptr<const Map> current_;  // GUARDED_BY(mu_)
};

}  // namespace sibyl::storage
