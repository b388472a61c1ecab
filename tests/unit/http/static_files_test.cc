// The console's files (issue 9 item 8): hostile paths get a precise 4xx before the file system
// sees them; nothing outside the directory is served.
#include "http/static_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sibyl::http {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;

class StaticFilesTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sibyl-static-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "dist");
    std::ofstream(dir_ / "dist" / "index.html") << "<html>index</html>";
    std::ofstream(dir_ / "dist" / "app.js") << "console.log(1)";
    std::ofstream(dir_ / "secret.txt") << "outside";
  }
  void TearDown() override { fs::remove_all(dir_); }
  Response Get(const std::string& target) const {
    Request r;
    r.method = "GET";
    r.target = target;
    return StaticFiles((dir_ / "dist").string()).Get(r);
  }
  fs::path dir_;
};

TEST_F(StaticFilesTest, ALongNameIs404NotAnException) {
  // Why: GET /console/ + 'a' x 5000 made weakly_canonical() throw ENAMETOOLONG: 500.
  EXPECT_EQ(Get("/console/" + std::string(5000, 'a')).status, 404);
  EXPECT_EQ(Get("/console/x/" + std::string(256, 'a') + "/y").status, 404);
}

TEST_F(StaticFilesTest, DotSegmentsAre400) {
  // Why: GET /console/ + '../' x 2000 + etc/passwd answered 500.
  std::string climb;
  for (int i = 0; i < 2000; ++i) climb += "../";
  Response r = Get("/console/" + climb + "etc/passwd");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("dot segments"));
  EXPECT_EQ(Get("/console/../secret.txt").status, 400);
  EXPECT_EQ(Get("/console/./app.js").status, 400);
  EXPECT_EQ(Get("/console/a/%2e%2e/%2e%2e/secret.txt").body, "<html>index</html>");
}

TEST_F(StaticFilesTest, ControlCharactersAre400) {
  EXPECT_EQ(Get(std::string("/console/a\0b", 12)).status, 400);
  EXPECT_EQ(Get("/console/a\\..\\secret.txt").status, 400);
}

TEST_F(StaticFilesTest, FilesAndAppRoutesAreServed) {
  EXPECT_EQ(Get("/console/app.js").body, "console.log(1)");
  EXPECT_EQ(Get("/console/").body, "<html>index</html>");
  EXPECT_EQ(Get("/console/users/bob").body, "<html>index</html>");  // the app's own route
}

TEST(ConsoleRelativePath, ChecksTheTextOnly) {
  EXPECT_EQ(*ConsoleRelativePath("/console/a/b.js"), "a/b.js");
  EXPECT_EQ(ConsoleRelativePath("/console/a/..").status().code(), ErrorCode::kInvalid);
  EXPECT_EQ(ConsoleRelativePath("/console/" + std::string(256, 'x')).status().code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(ConsoleRelativePath("/console/" + std::string(255, 'x')).ok());
  EXPECT_EQ(ConsoleRelativePath("/other").status().code(), ErrorCode::kInvalid);
}

}  // namespace
}  // namespace sibyl::http
