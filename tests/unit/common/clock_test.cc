// The coarse clocks every request reads (issue 14, common/clock.h): the same epochs as the precise
// ones, never ahead of them, and behind by at most a tick (checked here with a wide margin for a
// loaded machine); a RequestContext deadline in the past is seen at once.
#include "common/clock.h"

#include <gtest/gtest.h>

#include <ctime>

#include "common/request_context.h"

namespace sibyl {
namespace {

TEST(CoarseClockTest, SteadyIsNeverAheadOfSteadyClockAndAtMostATickBehind) {
  for (int i = 0; i < 1000; ++i) {
    const auto coarse = CoarseSteadyClock::now();
    const auto precise = std::chrono::steady_clock::now();
    EXPECT_LE(coarse, precise);
    EXPECT_LT(precise - coarse, std::chrono::milliseconds(200));
  }
}

TEST(CoarseClockTest, SteadyMovesForward) {
  const auto first = CoarseSteadyClock::now();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (CoarseSteadyClock::now() == first) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the coarse clock never moved";
  }
  EXPECT_GT(CoarseSteadyClock::now(), first);
}

TEST(CoarseClockTest, SecondsAreTheEpochSecondsAtMostOneBehind) {
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  const int64_t coarse = CoarseNowSeconds();
  const int64_t after = NowSeconds();
  EXPECT_GE(coarse, before - 1);
  EXPECT_LE(coarse, after);
}

TEST(CoarseClockTest, ARequestDeadlineAlreadyPastIsSeenAtOnce) {
  RequestContext past(RequestContext::Clock::now() - std::chrono::milliseconds(1),
                      [] { return Status(ErrorCode::kReadTimeout, "timed out"); }, nullptr);
  EXPECT_EQ(past.Check().code(), ErrorCode::kReadTimeout);
  RequestContext later(RequestContext::Clock::now() + std::chrono::seconds(60),
                       [] { return Status(ErrorCode::kReadTimeout, "timed out"); }, nullptr);
  EXPECT_TRUE(later.Check().ok());
}

}  // namespace
}  // namespace sibyl
