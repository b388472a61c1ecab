#pragma once
// The deadline and cancel flag of one client request (issue 9 item 4). Cassandra bounds every
// request by read_request_timeout (5 s), write_request_timeout (2 s) or range_request_timeout
// (10 s) and answers ReadTimeout/WriteTimeout past it; Sibyl does the same cooperatively: the
// loops that can run long (partition scans, slices, IN lists, batches) call Check() and return
// its Status when it is not OK. A request whose client disconnected, or that is running when
// the server stops, is cancelled the same way.
//
// Header-only so that every layer (query, storage) can check it; it knows nothing of CQL.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "common/clock.h"
#include "common/status.h"

namespace sibyl {

// Raised at most once, from any thread; read by the request's worker. Shared by the connection
// (which raises it when its client goes away or the server stops) and the requests it runs.
class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

class RequestContext {
 public:
  // Coarse (common/clock.h): a deadline is seen at most one tick (1-4 ms) late, and a request's
  // two clock reads cost ~8 ns instead of ~55 (issue 14).
  using Clock = CoarseSteadyClock;

  // No deadline, never cancelled: Check() is always OK.
  RequestContext() = default;
  // Check() returns `expired()` (a ReadTimeout or WriteTimeout with its TimeoutDetail) once
  // `deadline` has passed, and the same code and detail with a cancellation message once
  // `cancel` is raised. `cancel` may be null. `expired` runs only then: building that Status
  // for every request was ~2% of a point read's CPU (issue 14).
  RequestContext(Clock::time_point deadline, std::function<Status()> expired,
                 std::shared_ptr<const CancelToken> cancel)
      : deadline_(deadline), expired_(std::move(expired)), cancel_(std::move(cancel)) {}

  // OK while the request may go on. Costs one coarse clock read and one atomic load; any thread.
  Status Check() const {
    if (!deadline_) return Status::OK();
    if (cancel_ && cancel_->cancelled()) {
      const Status expired = expired_();
      return Status(expired.code(), "Operation cancelled: the client disconnected or the "
                                    "server is stopping",
                    expired.detail());
    }
    if (Clock::now() >= *deadline_) return expired_();
    return Status::OK();
  }

  bool has_deadline() const { return deadline_.has_value(); }

 private:
  std::optional<Clock::time_point> deadline_;
  std::function<Status()> expired_;
  std::shared_ptr<const CancelToken> cancel_;
};

}  // namespace sibyl
