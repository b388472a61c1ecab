#include "cql/protocol/wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/cql_protocol/test_util.h"

namespace sibyl::cql::protocol {
namespace {

using ::sibyl::testing::Hex;
using ::sibyl::testing::StatusIs;
using ::sibyl::testing::ToHex;
using ::testing::HasSubstr;
using types::Kind;
using types::Type;

TEST(WireReader, ReadsIntegersBigEndian) {
  const std::string bytes = Hex("7f 01 02 ff fe 00 00 00 01 ff ff ff ff ff ff");
  Reader reader(bytes);
  uint8_t b;
  uint16_t s;
  int32_t i;
  int64_t l;
  ASSERT_TRUE(reader.ReadByte(&b).ok());
  ASSERT_TRUE(reader.ReadShort(&s).ok());
  ASSERT_TRUE(reader.ReadInt(&i).ok());
  ASSERT_TRUE(reader.ReadLong(&l).ok());
  EXPECT_EQ(b, 0x7f);
  EXPECT_EQ(s, 0x0102);
  EXPECT_EQ(i, static_cast<int32_t>(0xfffe0000));
  EXPECT_EQ(l, 0x0001ffffffffffffLL);
  EXPECT_TRUE(reader.empty());
}

TEST(WireReader, ReportsTruncationOfEveryNotation) {
  uint8_t b;
  uint16_t s;
  int32_t i;
  int64_t l;
  std::string_view sv;
  std::optional<std::string_view> bytes;
  BoundValue value;
  std::vector<std::string> list;
  std::map<std::string, std::string> map;
  StringMultimap multimap;
  BytesMap bytes_map;
  std::string address;
  Consistency cl;
  Type type;
  const auto truncated = StatusIs(ErrorCode::kProtocolError, HasSubstr("Not enough bytes"));
  EXPECT_THAT(Reader("").ReadByte(&b), truncated);
  EXPECT_THAT(Reader(Hex("00")).ReadShort(&s), truncated);
  EXPECT_THAT(Reader(Hex("00 00 00")).ReadInt(&i), truncated);
  EXPECT_THAT(Reader(Hex("00 00 00 00 00 00 00")).ReadLong(&l), truncated);
  EXPECT_THAT(Reader(Hex("00 03 61 62")).ReadString(&sv), truncated);
  EXPECT_THAT(Reader(Hex("00 00 00 03 61")).ReadLongString(&sv), truncated);
  EXPECT_THAT(Reader(Hex("00 01 02")).ReadUuid(&sv), truncated);
  EXPECT_THAT(Reader(Hex("00 02 00 01 61")).ReadStringList(&list), truncated);
  EXPECT_THAT(Reader(Hex("00 00 00 02 61")).ReadBytes(&bytes), truncated);
  EXPECT_THAT(Reader(Hex("00 00 00 02 61")).ReadValue(4, &value), truncated);
  EXPECT_THAT(Reader(Hex("00 02 61")).ReadShortBytes(&sv), truncated);
  EXPECT_THAT(Reader(Hex("00 20")).ReadOption(&type), truncated);
  EXPECT_THAT(Reader(Hex("00 01 00 01 61")).ReadStringMap(&map), truncated);
  EXPECT_THAT(Reader(Hex("00 01 00 01 61 00 01")).ReadStringMultimap(&multimap), truncated);
  EXPECT_THAT(Reader(Hex("00 01 00 01 61")).ReadBytesMap(&bytes_map), truncated);
  EXPECT_THAT(Reader(Hex("04 7f 00 00 01 00 00")).ReadInet(&address, &i), truncated);
  EXPECT_THAT(Reader(Hex("00")).ReadConsistency(&cl), truncated);
}

TEST(WireReader, ValuesDistinguishNullAndUnsetFromV4) {
  BoundValue value;
  ASSERT_TRUE(Reader(Hex("ff ff ff ff")).ReadValue(4, &value).ok());
  EXPECT_EQ(value.kind, BoundValue::Kind::kNull);
  ASSERT_TRUE(Reader(Hex("ff ff ff fe")).ReadValue(4, &value).ok());
  EXPECT_EQ(value.kind, BoundValue::Kind::kUnset);
  // v3 has no unset: Cassandra reads any negative length as null.
  ASSERT_TRUE(Reader(Hex("ff ff ff fe")).ReadValue(3, &value).ok());
  EXPECT_EQ(value.kind, BoundValue::Kind::kNull);
  EXPECT_THAT(Reader(Hex("ff ff ff fd")).ReadValue(4, &value),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("Invalid [value] length -3")));
  ASSERT_TRUE(Reader(Hex("00 00 00 02 ca fe")).ReadValue(4, &value).ok());
  EXPECT_EQ(value.kind, BoundValue::Kind::kValue);
  EXPECT_EQ(value.bytes, Hex("ca fe"));
  ASSERT_TRUE(Reader(Hex("00 00 00 00")).ReadValue(4, &value).ok());
  EXPECT_EQ(value.kind, BoundValue::Kind::kValue);
  EXPECT_EQ(value.bytes, "");
}

TEST(WireReader, BytesWithNegativeLengthAreNull) {
  std::optional<std::string_view> bytes;
  ASSERT_TRUE(Reader(Hex("ff ff ff ff")).ReadBytes(&bytes).ok());
  EXPECT_EQ(bytes, std::nullopt);
}

TEST(WireReader, RejectsUnknownConsistencyAndBadInet) {
  Consistency cl;
  ASSERT_TRUE(Reader(Hex("00 0a")).ReadConsistency(&cl).ok());
  EXPECT_EQ(cl, Consistency::kLocalOne);
  EXPECT_THAT(Reader(Hex("00 0b")).ReadConsistency(&cl),
              StatusIs(ErrorCode::kProtocolError, "Unknown code 11 for a consistency level"));
  std::string address;
  int32_t port;
  EXPECT_THAT(Reader(Hex("05 00 00 00 00 00 00 00 00 00")).ReadInet(&address, &port),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("[inet] address size 5")));
  EXPECT_THAT(Reader(Hex("ff ff ff fe")).ReadLongString(nullptr),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("Invalid [long string] length")));
}

TEST(WireWriter, WritesEveryNotationByteExact) {
  std::string out;
  Writer writer(&out);
  writer.WriteByte(1);
  writer.WriteShort(0x0203);
  writer.WriteInt(-2);
  writer.WriteLong(1);
  writer.WriteString("ab");
  writer.WriteLongString("c");
  writer.WriteStringList({"x", "y"});
  writer.WriteBytes(std::nullopt);
  writer.WriteBytes("z");
  writer.WriteValue(BoundValue::Unset());
  writer.WriteShortBytes("q");
  writer.WriteInet(Hex("7f 00 00 01"), 9042);
  writer.WriteConsistency(Consistency::kLocalQuorum);
  EXPECT_EQ(ToHex(out),
            "01 02 03 ff ff ff fe 00 00 00 00 00 00 00 01 00 02 61 62 00 00 00 01 63 "
            "00 02 00 01 78 00 01 79 ff ff ff ff 00 00 00 01 7a ff ff ff fe 00 01 71 "
            "04 7f 00 00 01 00 00 23 52 00 06");
}

TEST(WireWriter, NeverWritesAStringItsLengthCannotHold) {
  // issue 9: a [string] over 65,535 bytes fails the Writer and is written empty, so that the
  // bytes stay well-formed whatever the caller does with them.
  std::string out;
  Writer writer(&out);
  writer.WriteString(std::string(65536, 'a'));
  writer.WriteString("b");
  EXPECT_EQ(ToHex(out), "00 00 00 01 62");
  EXPECT_THAT(writer.status(), StatusIs(ErrorCode::kInvalid, HasSubstr("of 65536 bytes")));
}

TEST(WireWriter, StringsAreAlwaysValidUtf8) {
  std::string out;
  Writer writer(&out);
  writer.WriteString("\xc3");          // truncated 2-byte character
  writer.WriteLongString("\xed\xa0\x80");  // a UTF-16 surrogate
  EXPECT_EQ(ToHex(out), "00 03 ef bf bd 00 00 00 09 ef bf bd ef bf bd ef bf bd");
  EXPECT_TRUE(writer.status().ok());
}

TEST(WireWriter, TruncatedStringsStopAtACharacterBoundary) {
  std::string out;
  Writer writer(&out);
  writer.WriteTruncatedString(std::string(65534, 'a') + "\xe2\x82\xac");  // ... + '€'
  EXPECT_EQ(out.size(), 2u + 65534u);
  EXPECT_EQ(ToHex(out.substr(0, 2)), "ff fe");
  EXPECT_TRUE(writer.status().ok());
}

TEST(WireWriter, CountsAndFixedSizesThatDoNotFitFail) {
  std::string out;
  Writer writer(&out);
  writer.WriteStringList(std::vector<std::string>(65536, "x"));
  EXPECT_EQ(ToHex(out), "00 00");
  EXPECT_THAT(writer.status(), StatusIs(ErrorCode::kInvalid, HasSubstr("65536 strings")));
  std::string out2;
  Writer writer2(&out2);
  writer2.WriteUuid("short");
  EXPECT_EQ(out2.size(), 16u);
  EXPECT_THAT(writer2.status(), StatusIs(ErrorCode::kInternal, HasSubstr("16 bytes, not 5")));
}

TEST(WireWriter, MapsRoundTrip) {
  std::string out;
  Writer writer(&out);
  writer.WriteStringMap({{"CQL_VERSION", "3.0.0"}, {"COMPRESSION", "lz4"}});
  writer.WriteStringMultimap({{"A", {"1", "2"}}, {"B", {}}});
  writer.WriteBytesMap({{"k", std::string("v")}, {"n", std::nullopt}});
  writer.WriteUuid(std::string(16, '\x11'));
  Reader reader(out);
  std::map<std::string, std::string> map;
  StringMultimap multimap;
  BytesMap bytes_map;
  std::string_view uuid;
  ASSERT_TRUE(reader.ReadStringMap(&map).ok());
  ASSERT_TRUE(reader.ReadStringMultimap(&multimap).ok());
  ASSERT_TRUE(reader.ReadBytesMap(&bytes_map).ok());
  ASSERT_TRUE(reader.ReadUuid(&uuid).ok());
  EXPECT_TRUE(reader.empty());
  EXPECT_EQ(map.at("COMPRESSION"), "lz4");
  EXPECT_EQ(multimap.at("A"), (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(multimap.at("B").empty());
  EXPECT_EQ(bytes_map.at("k"), "v");
  EXPECT_EQ(bytes_map.at("n"), std::nullopt);
  EXPECT_EQ(uuid, std::string(16, '\x11'));
}

TEST(WireOption, NativeTypesAreTheirId) {
  std::string out;
  Writer(&out).WriteOption(Type(Kind::kInt), 4);
  EXPECT_EQ(ToHex(out), "00 09");
}

TEST(WireOption, CollectionsAreRecursive) {
  const Type type =
      Type::Map(Type(Kind::kVarchar), Type::Set(Type(Kind::kUuid), /*frozen=*/true), false);
  std::string out;
  Writer(&out).WriteOption(type, 4);
  EXPECT_EQ(ToHex(out), "00 21 00 0d 00 22 00 0c");
  Type decoded;
  ASSERT_TRUE(Reader(out).ReadOption(&decoded).ok());
  EXPECT_EQ(decoded.kind(), Kind::kMap);
  EXPECT_EQ(decoded.params().at(1).kind(), Kind::kSet);
  EXPECT_EQ(decoded.params().at(1).params().at(0).kind(), Kind::kUuid);
}

TEST(WireOption, TuplesAndUdtsListTheirFields) {
  std::string out;
  Writer writer(&out);
  writer.WriteOption(Type::Tuple({Type(Kind::kInt), Type::List(Type(Kind::kBlob), false)}), 4);
  EXPECT_EQ(ToHex(out), "00 31 00 02 00 09 00 20 00 03");
  out.clear();
  writer.WriteOption(
      Type::Udt("ks", "addr", {"street", "zip"}, {Type(Kind::kVarchar), Type(Kind::kInt)}, true),
      4);
  EXPECT_EQ(ToHex(out),
            "00 30 00 02 6b 73 00 04 61 64 64 72 00 02 00 06 73 74 72 65 65 74 00 0d "
            "00 03 7a 69 70 00 09");
  Type decoded;
  ASSERT_TRUE(Reader(out).ReadOption(&decoded).ok());
  EXPECT_EQ(decoded.kind(), Kind::kUdt);
  EXPECT_EQ(decoded.udt_name(), "addr");
  EXPECT_EQ(decoded.udt_field_names(), (std::vector<std::string>{"street", "zip"}));
}

TEST(WireOption, NewerTypesAreCustomInOlderVersions) {
  std::string out;
  Writer(&out).WriteOption(Type(Kind::kDate), 3);
  std::string expected = Hex("00 00");
  std::string name = "org.apache.cassandra.db.marshal.SimpleDateType";
  expected += static_cast<char>(0);
  expected += static_cast<char>(name.size());
  expected += name;
  EXPECT_EQ(out, expected);
  out.clear();
  Writer(&out).WriteOption(Type(Kind::kDate), 4);
  EXPECT_EQ(ToHex(out), "00 11");
  out.clear();
  Writer(&out).WriteOption(Type(Kind::kDuration), 4);
  Type decoded;
  ASSERT_TRUE(Reader(out).ReadOption(&decoded).ok());
  EXPECT_EQ(decoded.kind(), Kind::kDuration);
  EXPECT_EQ(Hex("00 00"), out.substr(0, 2));
}

TEST(WireOption, RejectsUnknownIdsAndDeepNesting) {
  Type type;
  EXPECT_THAT(Reader(Hex("00 99")).ReadOption(&type),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("Unknown [option] type id 0x0099")));
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += Hex("00 20");
  deep += Hex("00 09");
  EXPECT_THAT(Reader(deep).ReadOption(&type),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("nested too deeply")));
}

}  // namespace
}  // namespace sibyl::cql::protocol
