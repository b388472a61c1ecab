// LoginBrake (issue 9 item 7): wrong guesses are answered later and later, per source address
// and per name; nothing ever refuses or delays the right password; memory stays bounded.
#include "iam/login_brake.h"

#include <gtest/gtest.h>

namespace sibyl::iam {
namespace {

using std::chrono::milliseconds;

TEST(LoginBrake, FirstFailuresAreFreeThenTheDelayDoublesUpToTheCap) {
  LoginBrake brake;  // 3 free, 250 ms, doubling, at most 3 s
  std::vector<int64_t> delays;
  for (int i = 0; i < 8; ++i) delays.push_back(brake.RecordFailure("10.0.0.1", "alice", 0).count());
  EXPECT_EQ(delays, (std::vector<int64_t>{0, 0, 0, 250, 500, 1000, 2000, 3000}));
}

TEST(LoginBrake, CountsPerAddressAcrossNames) {
  // Why: a guesser that tries a new user name each time is still slowed by its address.
  LoginBrake brake;
  milliseconds last{0};
  for (int i = 0; i < 6; ++i) last = brake.RecordFailure("10.0.0.1", "user" + std::to_string(i), 0);
  EXPECT_EQ(last, milliseconds(1000));
  // Another address trying another name is not slowed.
  EXPECT_EQ(brake.RecordFailure("10.0.0.2", "bob", 0), milliseconds(0));
}

TEST(LoginBrake, CountsPerNameAcrossAddresses) {
  // Why: a botnet guessing one user's password from many addresses is slowed by the name.
  LoginBrake brake;
  milliseconds last{0};
  for (int i = 0; i < 5; ++i) last = brake.RecordFailure("10.0.1." + std::to_string(i), "root", 0);
  EXPECT_EQ(last, milliseconds(500));
}

TEST(LoginBrake, CountsDecayWithTheHalfLife) {
  LoginBrake brake;
  for (int i = 0; i < 8; ++i) brake.RecordFailure("10.0.0.1", "alice", 0);
  EXPECT_DOUBLE_EQ(brake.AddressFailures("10.0.0.1", 0), 8);
  EXPECT_DOUBLE_EQ(brake.AddressFailures("10.0.0.1", 60000), 4);
  EXPECT_DOUBLE_EQ(brake.NameFailures("alice", 120000), 2);
  // Once decayed below the free allowance, a failure is answered at once again.
  EXPECT_EQ(brake.RecordFailure("10.0.0.1", "alice", 120000), milliseconds(0));
}

TEST(LoginBrake, SuccessForgetsTheNameButNotTheAddress) {
  // Why: a guesser holding its own valid login must not clear its address's count with it.
  LoginBrake brake;
  for (int i = 0; i < 5; ++i) brake.RecordFailure("10.0.0.1", "alice", 0);
  brake.RecordSuccess("alice");
  EXPECT_EQ(brake.NameFailures("alice", 0), 0);
  EXPECT_EQ(brake.AddressFailures("10.0.0.1", 0), 5);
  EXPECT_GT(brake.RecordFailure("10.0.0.1", "alice", 0).count(), 0);
  EXPECT_EQ(brake.RecordFailure("10.0.0.9", "alice", 0).count(), 0);
}

TEST(LoginBrake, Ipv6IsCountedPerSlash64) {
  EXPECT_EQ(LoginBrake::AddressKey("2001:db8:0:1:aaaa::1"), "2001:db8:0:1::/64");
  EXPECT_EQ(LoginBrake::AddressKey("2001:db8:0:1:bbbb::2"), "2001:db8:0:1::/64");
  EXPECT_EQ(LoginBrake::AddressKey("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(LoginBrake::AddressKey("192.0.2.7"), "192.0.2.7");
  LoginBrake brake;
  for (int i = 0; i < 4; ++i) brake.RecordFailure("2001:db8::" + std::to_string(i + 1), "n", 0);
  EXPECT_DOUBLE_EQ(brake.AddressFailures("2001:db8::ffff", 0), 4);
}

TEST(LoginBrake, MemoryIsBoundedAndTheHardestGuessedKeysStay) {
  LoginBrakeOptions options;
  options.max_keys = 64;
  LoginBrake brake(options);
  for (int i = 0; i < 10; ++i) brake.RecordFailure("10.9.9.9", "root", 0);
  for (int i = 0; i < 10000; ++i) {
    brake.RecordFailure("10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250),
                        "name" + std::to_string(i), 0);
  }
  EXPECT_LE(brake.TrackedForTesting(), 2 * options.max_keys);
  EXPECT_DOUBLE_EQ(brake.NameFailures("root", 0), 10);
  EXPECT_DOUBLE_EQ(brake.AddressFailures("10.9.9.9", 0), 10);
}

TEST(LoginBrake, LongNamesAreTrackedInBoundedSpace) {
  LoginBrake brake;
  const std::string a(100000, 'a');
  const std::string b = a + "b";
  for (int i = 0; i < 3; ++i) brake.RecordFailure("10.0.0.1", a, 0);
  EXPECT_DOUBLE_EQ(brake.NameFailures(a, 0), 3);
  EXPECT_DOUBLE_EQ(brake.NameFailures(b, 0), 0);
}

}  // namespace
}  // namespace sibyl::iam
