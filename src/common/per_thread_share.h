#pragma once
// Per-thread handles on shared immutable objects (issue 14, docs/dev/performance.md "Shared state
// on the request path").
//
// Copying a std::shared_ptr changes the count in its control block, an atomic on one cache line.
// When the event-loop threads copy the same pointer for every request (the schema snapshot, a
// prepared statement), that line moves between their cores each time: at 32 requests in flight
// this cost ~15% of a point read's server CPU. PerThreadAlias gives a pointer to the same object
// whose copies count in a control block of their own; a thread that keeps one (thread_local) and
// hands out copies of it touches only its own line. The shared object lives while any alias does.

#include <memory>
#include <utility>

namespace sibyl {

template <typename T>
std::shared_ptr<T> PerThreadAlias(std::shared_ptr<T> shared) {
  if (shared == nullptr) return nullptr;
  T* object = shared.get();
  auto holder = std::make_shared<std::shared_ptr<T>>(std::move(shared));
  return std::shared_ptr<T>(std::move(holder), object);
}

}  // namespace sibyl
