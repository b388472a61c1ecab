#include "storage/rocksdb_tables.h"

#include <atomic>
#include <unordered_set>

#include "common/per_thread_share.h"

namespace sibyl::storage {
namespace {

std::atomic<uint64_t> next_set_id{1};

struct ThreadView;

// Every thread's view, so that a closing set can drop the aliases other threads hold. Never
// destroyed: a thread may exit after static destructors ran.
struct Views {
  std::mutex mu;
  std::unordered_set<ThreadView*> all;  // GUARDED_BY(mu)
};
Views& AllViews() {
  static Views* views = new Views;
  return *views;
}

// One thread's alias of one set's map. Its mutex is taken by its own thread at each Find (an
// uncontended lock of a line no other thread writes) and by a set's Close.
struct ThreadView {
  ThreadView() {
    std::lock_guard<std::mutex> lock(AllViews().mu);
    AllViews().all.insert(this);
  }
  ~ThreadView() {
    // The map is let go while the view is still listed: a set's Close either reset it first, or
    // waits for this (its DB is still open until Close returns).
    std::lock_guard<std::mutex> all_lock(AllViews().mu);
    {
      std::lock_guard<std::mutex> lock(mu);
      map.reset();
    }
    AllViews().all.erase(this);
  }
  std::mutex mu;
  uint64_t set_id = 0;  // GUARDED_BY(mu): the set `map` is of; 0 when none
  std::shared_ptr<const TableHandles::Map> map;  // GUARDED_BY(mu)
};

// Drops every thread's alias of one set's maps (each view under its own lock).
void DropViews(uint64_t set_id) {
  std::lock_guard<std::mutex> lock(AllViews().mu);
  for (ThreadView* view : AllViews().all) {
    std::lock_guard<std::mutex> view_lock(view->mu);
    if (view->set_id == set_id) {
      view->map.reset();
      view->set_id = 0;
    }
  }
}

}  // namespace

TableHandles::TableHandles()
    : id_(next_set_id.fetch_add(1, std::memory_order_relaxed)), current_(std::make_shared<Map>()) {}

TableHandles::~TableHandles() { Close(); }

TableHandles::Handle TableHandles::Find(std::string_view table_id) const {
  thread_local ThreadView view;
  std::lock_guard<std::mutex> lock(view.mu);
  // Publish drops every view of this set after it swapped the map (DropViews takes this view's
  // lock): a view that still names this set holds the current map, or one that a change racing
  // with this call is replacing (as with a lock alone).
  if (view.set_id != id_) {
    std::shared_ptr<const Map> current;
    {
      std::lock_guard<std::mutex> set_lock(mu_);
      current = current_;
    }
    if (current == nullptr) return nullptr;  // closed
    view.map = PerThreadAlias(std::move(current));
    view.set_id = id_;
  }
  auto it = view.map->find(table_id);
  if (it == view.map->end()) return nullptr;
  return Handle(view.map, it->second.get());  // counts in the thread's control block
}

std::shared_ptr<const TableHandles::Map> TableHandles::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_ ? current_ : std::make_shared<const Map>();
}

void TableHandles::Publish(Map next) {
  auto map = std::make_shared<const Map>(std::move(next));
  std::shared_ptr<const Map> old;  // destroyed outside the lock (it may destroy handles)
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(current_);
    current_ = std::move(map);
  }
  // The old map goes at once, not at each thread's next Find: a dropped table's handle (and so
  // its files) lives on only in the Handles requests still hold, even when a thread that saw it
  // stays idle.
  DropViews(id_);
}

void TableHandles::Close() {
  std::shared_ptr<const Map> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(current_);
  }
  DropViews(id_);
}

}  // namespace sibyl::storage
