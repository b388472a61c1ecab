// SigV4 request authentication against AWS's own published example (IAM user guide, "Signature
// Version 4 signing process": ListUsers signed at 20150830T123600Z with AKIDEXAMPLE).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "http/authenticate.h"
#include "http/sigv4.h"
#include "storage/rocksdb_engine.h"

namespace sibyl::http {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;

constexpr int64_t kSignedAt = 1440938160;  // 2015-08-30T12:36:00Z

class AuthenticateTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sibyl-auth-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    storage::RocksDbOptions o;
    o.path = (dir_ / "db").string();
    engine_ = std::move(*storage::OpenRocksDbEngine(o));
    iam::IamOptions io;
    io.master_key_path = (dir_ / "master.key").string();
    io.root_access_key_id = "AKIDEXAMPLE";
    io.root_secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    iam_ = std::move(*iam::IamService::Open(*engine_, io, nullptr));
  }
  void TearDown() override {
    iam_.reset();
    engine_.reset();
    fs::remove_all(dir_);
  }
  // AWS's example request; `signature` replaces the published one when given.
  static Request Example(const std::string& signature =
                             "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7") {
    Request r;
    r.method = "GET";
    r.target = "/?Action=ListUsers&Version=2010-05-08";
    r.headers = {{"Host", "iam.amazonaws.com"},
                 {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"X-Amz-Date", "20150830T123600Z"},
                 {"Authorization",
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                  "SignedHeaders=content-type;host;x-amz-date, Signature=" + signature}};
    return r;
  }
  static std::string Code(const Status& s) {
    const auto* d = std::get_if<AwsErrorDetail>(&s.detail());
    return d ? d->code : s.ToString();
  }

  fs::path dir_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<iam::IamService> iam_;
};

TEST_F(AuthenticateTest, AcceptsAwsPublishedExample) {
  auto p = Authenticate(*iam_, Example(), "iam", kSignedAt + 60);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->is_root());
}

TEST_F(AuthenticateTest, TamperedRequestsDoNotMatch) {
  Request r = Example();
  r.target = "/?Action=ListUsers&Version=2010-05-09";
  EXPECT_EQ(Code(Authenticate(*iam_, r, "iam", kSignedAt).status()), "SignatureDoesNotMatch");
  EXPECT_EQ(Code(Authenticate(*iam_, Example(std::string(64, '0')), "iam", kSignedAt).status()),
            "SignatureDoesNotMatch");
}

TEST_F(AuthenticateTest, ClockSkewBeyondFiveMinutesIsRequestExpired) {
  Status s = Authenticate(*iam_, Example(), "iam", kSignedAt + 301).status();
  EXPECT_EQ(Code(s), "RequestExpired");
  EXPECT_THAT(s.message(), HasSubstr("Signature expired: 20150830T123600Z is now earlier than"));
}

TEST_F(AuthenticateTest, MissingOrBrokenAuthorization) {
  Request r = Example();
  r.headers.pop_back();
  EXPECT_EQ(Code(Authenticate(*iam_, r, "iam", kSignedAt).status()), "MissingAuthenticationToken");
  r.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request");
  EXPECT_EQ(Code(Authenticate(*iam_, r, "iam", kSignedAt).status()), "IncompleteSignature");
}

TEST_F(AuthenticateTest, UnknownKeyIsInvalidClientTokenId) {
  Request r = Example();
  r.headers.back().second =
      "AWS4-HMAC-SHA256 Credential=AKIDOTHER/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=00";
  EXPECT_EQ(Code(Authenticate(*iam_, r, "iam", kSignedAt).status()), "InvalidClientTokenId");
}

TEST_F(AuthenticateTest, ScopeMustNameTheService) {
  EXPECT_EQ(Code(Authenticate(*iam_, Example(), "sts", kSignedAt).status()), "SignatureDoesNotMatch");
}

TEST_F(AuthenticateTest, WhatSignRequestSignsVerifies) {
  Request r;
  r.method = "POST";
  r.target = "/";
  r.body = "Action=ListUsers&Version=2010-05-08";
  r.headers = {{"Host", "127.0.0.1:8080"},
               {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  SignRequest(r, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "iam",
              kSignedAt);
  EXPECT_TRUE(Authenticate(*iam_, r, "iam", kSignedAt).ok());
  r.body += "&UserName=x";
  EXPECT_EQ(Code(Authenticate(*iam_, r, "iam", kSignedAt).status()), "SignatureDoesNotMatch");
}

}  // namespace
}  // namespace sibyl::http
