// The Query API's document shapes: ErrorResponse for unauthenticated and unknown calls.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "http/iam_api.h"
#include "iam/iam_service.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::http {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;

TEST(IamApi, UnsignedRequestGetsMissingAuthenticationTokenDocument) {
  fs::path dir = fs::temp_directory_path() / ("sibyl-api-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  storage::RocksDbOptions o;
  o.path = (dir / "db").string();
  auto engine = std::move(*storage::OpenRocksDbEngine(o));
  iam::IamOptions io;
  io.master_key_path = (dir / "master.key").string();
  auto svc = std::move(*iam::IamService::Open(*engine, io, nullptr));
  Request r;
  r.method = "POST";
  r.target = "/";
  r.body = "Action=ListUsers&Version=2010-05-08";
  Response res = HandleIamRequest(*svc, r);
  EXPECT_EQ(res.status, 403);
  EXPECT_THAT(res.body, HasSubstr("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
                                  "<Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>"));
  EXPECT_THAT(res.body, HasSubstr("<RequestId>"));
  svc.reset();
  engine.reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sibyl::http
