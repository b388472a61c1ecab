#include <gtest/gtest.h>

#include "http/request.h"

namespace sibyl::http {
namespace {

TEST(ParseForm, DecodesPercentAndPlus) {
  auto form = ParseForm("Action=CreateUser&UserName=a%2Bb+c&Empty=&Flag");
  ASSERT_EQ(form.size(), 4u);
  EXPECT_EQ(form[1].second, "a+b c");
  EXPECT_EQ(form[2].second, "");
  EXPECT_EQ(form[3].first, "Flag");
}

TEST(Request, SplitsPathAndQueryAndFindsHeadersCaseInsensitively) {
  Request r;
  r.target = "/x?y=1";
  r.headers = {{"X-Amz-Date", "d"}};
  EXPECT_EQ(r.Path(), "/x");
  EXPECT_EQ(r.Query(), "y=1");
  EXPECT_EQ(r.Header("x-amz-date"), "d");
}

}  // namespace
}  // namespace sibyl::http
