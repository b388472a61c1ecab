// The HTTP door's limits and the shape of its refusals (issue 9 item 8), and XML text safety.
#include "http/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/xml_writer.h"

namespace sibyl::http {
namespace {

using testing::HasSubstr;

TEST(Router, BodyLimitsPerDoor) {
  EXPECT_EQ(MaxBodyBytes("/"), 64u * 1024);
  EXPECT_EQ(MaxBodyBytes("/?Action=ListUsers"), 64u * 1024);
  EXPECT_EQ(MaxBodyBytes("/api/session"), 1024u * 1024);
  EXPECT_EQ(MaxBodyBytes("/console/app.js"), 0u);
  EXPECT_EQ(MaxBodyBytes("/elsewhere"), 0u);
}

TEST(Router, RefusalsTakeTheShapeOfTheirDoor) {
  Response iam = RequestError(413, "/", "RequestEntityTooLarge", "too big");
  EXPECT_EQ(iam.status, 413);
  EXPECT_EQ(iam.content_type, "text/xml");
  EXPECT_THAT(iam.body, HasSubstr("<Error><Type>Sender</Type><Code>RequestEntityTooLarge</Code>"
                                  "<Message>too big</Message></Error>"));
  Response console = RequestError(413, "/api/cql?x", "RequestEntityTooLarge", "too big");
  EXPECT_EQ(console.content_type, "application/json");
  EXPECT_EQ(console.body, R"({"error":{"code":"RequestEntityTooLarge","message":"too big"}})");
  Response other = RequestError(414, "/console/x", "URITooLong", "long");
  EXPECT_EQ(other.content_type, "text/plain");
  EXPECT_EQ(other.body, "long\n");
}

TEST(XmlWriter, TextIsAlwaysValidXml) {
  EXPECT_EQ(XmlText("plain é ✓ 😀\t\n"), "plain é ✓ 😀\t\n");
  EXPECT_EQ(XmlText(std::string("a\0b\x01\x1b[31m\xff\xef\xbf\xbe", 13)),
            "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd[31m\xef\xbf\xbd\xef\xbf\xbd");
  std::string doc = ErrorDocument(kIamNamespace, "Sender", "X", std::string("bad\0name", 8));
  EXPECT_THAT(doc, HasSubstr("<Message>bad\xef\xbf\xbdname</Message>"));
}

}  // namespace
}  // namespace sibyl::http
