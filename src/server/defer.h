#pragma once
// Defer: runs a function when the scope ends, so that main() can put each stop right beside its
// start (STYLE.md §5, seastar apps/httpd/main.cc).

#include <utility>

namespace sibyl::server {

template <typename F>
class [[nodiscard]] Defer {
 public:
  explicit Defer(F f) : f_(std::move(f)) {}
  ~Defer() { f_(); }
  Defer(const Defer&) = delete;
  Defer& operator=(const Defer&) = delete;

 private:
  F f_;
};

}  // namespace sibyl::server
