#include "common/status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sibyl {
namespace {

TEST(Status, OkIsCheapAndEmpty) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, ErrorKeepsCodeMessageAndDetail) {
  Status s(ErrorCode::kAlreadyExists, "Cannot add existing keyspace \"ks\"",
           AlreadyExistsDetail{"ks", ""});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(std::get<AlreadyExistsDetail>(s.detail()).keyspace, "ks");
  Status copy = s;
  EXPECT_EQ(copy.ToString(), "kAlreadyExists: Cannot add existing keyspace \"ks\"");
}

TEST(Status, WireCodesMatchTheProtocolAndInternalCodesAreServerError) {
  EXPECT_EQ(CqlWireCode(ErrorCode::kSyntaxError), 0x2000);
  EXPECT_EQ(CqlWireCode(ErrorCode::kInvalid), 0x2200);
  EXPECT_EQ(CqlWireCode(ErrorCode::kUnprepared), 0x2500);
  EXPECT_EQ(CqlWireCode(ErrorCode::kBadCredentials), 0x0100);
  EXPECT_EQ(CqlWireCode(ErrorCode::kInternal), 0x0000);
  EXPECT_EQ(CqlWireCode(ErrorCode::kIOError), 0x0000);
}

TEST(Status, UnsupportedIsInvalidWithPrefix) {
  Status s = Unsupported("CREATE INDEX");
  EXPECT_EQ(s.code(), ErrorCode::kInvalid);
  EXPECT_EQ(s.message(), "unsupported: CREATE INDEX");
}

Result<int> Half(int v) {
  if (v % 2) return InvalidRequest("odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  ASSIGN_OR_RETURN(int h, Half(v));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Result, MacrosPropagateErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd");
}

}  // namespace
}  // namespace sibyl
