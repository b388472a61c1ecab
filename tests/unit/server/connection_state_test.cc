#include "server/connection_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/cql_protocol/test_util.h"
#include "unit/server/fake_processor.h"

namespace sibyl::server {
namespace {

namespace protocol = cql::protocol;
using ::sibyl::testing::FakeProcessor;
using ::sibyl::testing::Hex;
using ::sibyl::testing::ToHex;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Kind = FrameAction::Kind;

std::string Frame(const protocol::Request& request, int16_t stream = 1, uint8_t version = 4,
                  protocol::Compression compression = protocol::Compression::kNone) {
  return protocol::EncodeRequestFrame(version, stream, request, compression);
}

protocol::StartupRequest Startup(std::string compression = "") {
  protocol::StartupRequest startup;
  startup.options["CQL_VERSION"] = "3.0.0";
  if (!compression.empty()) startup.options["COMPRESSION"] = compression;
  return startup;
}

protocol::QueryRequest Query(std::string text) {
  protocol::QueryRequest query;
  query.query = std::move(text);
  return query;
}

// Feeds `input` and returns the actions; all of it must be consumed.
std::vector<FrameAction> Feed(ConnectionState& state, std::string_view input) {
  std::vector<FrameAction> actions;
  EXPECT_EQ(state.ProcessInput(input, &actions), input.size());
  return actions;
}

// The error code and message of an ERROR frame (uncompressed).
std::pair<int32_t, std::string> ErrorOf(std::string_view frame) {
  protocol::Reader reader(frame.substr(9));
  int32_t code = -1;
  std::string_view message;
  EXPECT_EQ(static_cast<uint8_t>(frame[4]), 0x00) << "not an ERROR: " << ToHex(frame);
  EXPECT_TRUE(reader.ReadInt(&code).ok());
  EXPECT_TRUE(reader.ReadString(&message).ok());
  return {code, std::string(message)};
}

TEST(ConnectionState, OptionsBeforeStartupGetsSupported) {
  ConnectionState state;
  auto actions = Feed(state, Frame(protocol::OptionsRequest{}, 5));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kRespond);
  EXPECT_THAT(ToHex(actions[0].frame), StartsWith("84 00 00 05 06"));
}

TEST(ConnectionState, QueryBeforeStartupIsAProtocolError) {
  ConnectionState state;
  auto actions = Feed(state, Frame(Query("SELECT 1"), 3));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kRespond);
  auto [code, message] = ErrorOf(actions[0].frame);
  EXPECT_EQ(code, 0x000A);
  EXPECT_EQ(message, "Unexpected message QUERY, expecting STARTUP or OPTIONS");
}

TEST(ConnectionState, StartupGetsReadyThenQueriesAreExecuted) {
  ConnectionState state;
  auto actions = Feed(state, Frame(Startup(), 1) + Frame(Query("SELECT 1"), 2, 4));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(ToHex(actions[0].frame), "84 00 00 01 02 00 00 00 00");
  EXPECT_EQ(state.phase(), ConnectionState::Phase::kReady);
  EXPECT_EQ(actions[1].kind, Kind::kExecute);
  EXPECT_EQ(actions[1].stream, 2);
  EXPECT_EQ(actions[1].version, 4);
  EXPECT_EQ(std::get<protocol::QueryRequest>(actions[1].request).query, "SELECT 1");
}

TEST(ConnectionState, StartupChecksTheCqlVersion) {
  ConnectionState state;
  protocol::StartupRequest missing;
  EXPECT_EQ(ErrorOf(Feed(state, Frame(missing))[0].frame).second,
            "Missing value CQL_VERSION in STARTUP message");
  protocol::StartupRequest four = Startup();
  four.options["CQL_VERSION"] = "4.0.0";
  EXPECT_THAT(ErrorOf(Feed(state, Frame(four))[0].frame).second,
              HasSubstr("CQL version 4.0.0 is not supported"));
  EXPECT_EQ(state.phase(), ConnectionState::Phase::kUninitialized);
}

TEST(ConnectionState, StartupTwiceIsAProtocolError) {
  ConnectionState state;
  Feed(state, Frame(Startup()));
  auto [code, message] = ErrorOf(Feed(state, Frame(Startup()))[0].frame);
  EXPECT_EQ(code, 0x000A);
  EXPECT_EQ(message, "Unexpected message STARTUP, the connection is already initialized");
}

TEST(ConnectionState, UnknownCompressionIsAProtocolError) {
  ConnectionState state;
  auto [code, message] = ErrorOf(Feed(state, Frame(Startup("zstd")))[0].frame);
  EXPECT_EQ(code, 0x000A);
  EXPECT_EQ(message, "Unknown compression algorithm: zstd");
}

TEST(ConnectionState, Lz4CompressesEveryFrameAfterReady) {
  ConnectionState state;
  auto ready = Feed(state, Frame(Startup("lz4")));
  EXPECT_EQ(ToHex(ready[0].frame), "84 00 00 01 02 00 00 00 00");  // READY is not compressed
  EXPECT_EQ(state.compression(), protocol::Compression::kLz4);
  auto actions = Feed(state, Frame(protocol::OptionsRequest{}, 2, 4, protocol::Compression::kLz4));
  ASSERT_EQ(actions.size(), 1u);
  const std::string& frame = actions[0].frame;
  EXPECT_THAT(ToHex(frame), StartsWith("84 01 00 02 06"));
  auto body = protocol::Decompress(protocol::Compression::kLz4, std::string_view(frame).substr(9));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, protocol::EncodeSupported());
}

TEST(ConnectionState, SnappyFramesAreDecompressed) {
  ConnectionState state;
  Feed(state, Frame(Startup("snappy")));
  auto actions = Feed(state, Frame(Query("SELECT 1"), 2, 4, protocol::Compression::kSnappy));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kExecute);
}

TEST(ConnectionState, CompressedFrameWithoutNegotiationIsAProtocolError) {
  ConnectionState state;
  auto actions = Feed(state, Frame(protocol::OptionsRequest{}, 1, 4, protocol::Compression::kLz4));
  EXPECT_THAT(ErrorOf(actions[0].frame).second, HasSubstr("no compression was negotiated"));
}

TEST(ConnectionState, PartialFramesWaitForTheRest) {
  ConnectionState state;
  const std::string input = Frame(Startup(), 1) + Frame(protocol::OptionsRequest{}, 2);
  std::string buffer;
  std::vector<FrameAction> actions;
  for (char c : input) {
    buffer.push_back(c);
    buffer.erase(0, state.ProcessInput(buffer, &actions));
  }
  EXPECT_TRUE(buffer.empty());
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_THAT(ToHex(actions[0].frame), StartsWith("84 00 00 01 02"));
  EXPECT_THAT(ToHex(actions[1].frame), StartsWith("84 00 00 02 06"));
}

TEST(ConnectionState, V5GetsTheVersionErrorOnItsStreamInV4AndCloses) {
  ConnectionState state;
  auto actions = Feed(state, Hex("05 00 00 2a 05 00 00 00 00"));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kRespondAndClose);
  EXPECT_THAT(ToHex(actions[0].frame), StartsWith("84 00 00 2a 00"));
  auto [code, message] = ErrorOf(actions[0].frame);
  EXPECT_EQ(code, 0x000A);
  EXPECT_EQ(message,
            "Invalid or unsupported protocol version (5); supported versions are (3/v3, 4/v4)");
  EXPECT_TRUE(state.closed());
  std::vector<FrameAction> more;
  EXPECT_EQ(state.ProcessInput(Frame(protocol::OptionsRequest{}), &more), 0u);
  EXPECT_TRUE(more.empty());
}

TEST(ConnectionState, V3IsAnsweredInV3) {
  ConnectionState state;
  auto actions = Feed(state, Frame(protocol::OptionsRequest{}, 1, 3));
  EXPECT_THAT(ToHex(actions[0].frame), StartsWith("83 00 00 01 06"));
}

TEST(ConnectionState, GarbageGetsAnErrorAndCloses) {
  ConnectionState state;
  auto actions = Feed(state, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kRespondAndClose);
  EXPECT_EQ(static_cast<uint8_t>(actions[0].frame[0]), 0x84);
  EXPECT_EQ(ErrorOf(actions[0].frame).first, 0x000A);
}

TEST(ConnectionState, OversizedFrameIsInvalidRequestAndItsBodyIsSkipped) {
  // issue 9, Cassandra's Envelope.Decoder: InvalidRequest on the frame's stream as soon as the
  // header is in; the body is dropped as it arrives (never kept) and the connection goes on.
  ConnectionState state(ConnectionLimits{.max_frame_size = 100});
  Feed(state, Frame(Startup()));
  auto actions = Feed(state, Hex("04 00 00 03 07 00 00 00 5c") + std::string(40, 'x'));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kRespond);
  EXPECT_THAT(ToHex(actions[0].frame), StartsWith("84 00 00 03 00"));
  EXPECT_EQ(ErrorOf(actions[0].frame),
            std::make_pair(0x2200, std::string("Request is too big: length 101 exceeds maximum "
                                               "allowed length 100.")));
  EXPECT_TRUE(state.discarding());
  actions = Feed(state, std::string(52, 'x') + Frame(protocol::OptionsRequest{}, 4));
  EXPECT_FALSE(state.discarding());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_THAT(ToHex(actions[0].frame), StartsWith("84 00 00 04 06"));
}

TEST(ConnectionState, NothingButStartupAndOptionsIsReadBeforeStartup) {
  // issue 9: a 64 MiB BATCH before STARTUP was decoded (+685 MB). Now it is refused from its
  // header and its body is skipped unread.
  ConnectionState state;
  auto actions = Feed(state, Hex("04 00 00 05 0d 00 00 f0 00") + std::string(1000, '\xff'));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(ErrorOf(actions[0].frame),
            std::make_pair(0x000A, std::string("Unexpected message BATCH, expecting STARTUP or "
                                               "OPTIONS")));
  EXPECT_TRUE(state.discarding());
  Feed(state, std::string(0xf000 - 1000, '\xff'));
  EXPECT_FALSE(state.discarding());
  EXPECT_THAT(ToHex(Feed(state, Frame(Startup()))[0].frame), StartsWith("84 00 00 01 02"));
}

TEST(ConnectionState, BigFramesBeforeTheLoginCloseTheConnection) {
  // The 64 MiB BATCH of issue 9, answered from its header.
  ConnectionState state;
  auto actions = Feed(state, Hex("04 00 00 05 0d 04 00 00 00") + std::string(1000, '\xff'));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kRespondAndClose);
  EXPECT_EQ(ErrorOf(actions[0].frame),
            std::make_pair(0x000A, std::string("Request is too big: length 67108873 exceeds "
                                               "maximum allowed length 65536.")));
  EXPECT_TRUE(state.closed());
}

TEST(ConnectionState, FramesBeforeTheLoginAreSmall) {
  ConnectionState state;
  protocol::StartupRequest big = Startup();
  big.options["DRIVER_NAME"] = std::string(40000, 'd');
  big.options["DRIVER_VERSION"] = std::string(40000, 'v');
  auto actions = Feed(state, Frame(big, 2));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, Kind::kRespondAndClose);
  EXPECT_THAT(ErrorOf(actions[0].frame).second,
              HasSubstr("exceeds maximum allowed length 65536."));
  EXPECT_EQ(state.phase(), ConnectionState::Phase::kUninitialized);
}

TEST(ConnectionState, Lz4BombIsRefusedBeforeAllocating) {
  // issue 9: 17 bytes declaring a 256 MiB body cost 183 ms of an I/O thread each.
  ConnectionState state;
  Feed(state, Frame(Startup("lz4")));
  auto actions =
      Feed(state, Hex("04 01 00 07 07 00 00 00 11 10 00 00 00") + std::string(13, '\0'));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_THAT(ToHex(actions[0].frame), StartsWith("84 01 00 07 00"));  // compressed ERROR
  auto body = protocol::Decompress(protocol::Compression::kLz4,
                                   std::string_view(actions[0].frame).substr(9));
  ASSERT_TRUE(body.ok());
  auto [code, message] = ErrorOf(Hex("84 00 00 07 00 00 00 00 00") + *body);
  EXPECT_EQ(code, 0x000A);
  EXPECT_THAT(message, HasSubstr("exceeds the maximum of 16777216"));
}

TEST(ConnectionState, StopsAfterMaxFrames) {
  ConnectionState state;
  Feed(state, Frame(Startup()));
  const std::string two = Frame(Query("A"), 2) + Frame(Query("B"), 3);
  std::vector<FrameAction> actions;
  const size_t consumed = state.ProcessInput(two + Frame(Query("C"), 4), &actions, 2);
  EXPECT_EQ(consumed, two.size());
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[1].stream, 3);
  EXPECT_EQ(actions[1].request_bytes, Frame(Query("B"), 3).size());
}

TEST(ConnectionState, UndecodableBodyIsAnErrorAndTheConnectionGoesOn) {
  ConnectionState state;
  Feed(state, Frame(Startup()));
  // QUERY whose [long string] claims 100 bytes but has 1.
  auto actions = Feed(state, Hex("04 00 00 09 07 00 00 00 05 00 00 00 64 51") +
                                 Frame(protocol::OptionsRequest{}, 10));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].kind, Kind::kRespond);
  EXPECT_THAT(ToHex(actions[0].frame), StartsWith("84 00 00 09 00"));
  EXPECT_THAT(ErrorOf(actions[0].frame).second, HasSubstr("Not enough bytes"));
  EXPECT_THAT(ToHex(actions[1].frame), StartsWith("84 00 00 0a 06"));
}

TEST(ConnectionState, UnknownOpcodeIsAnError) {
  ConnectionState state;
  auto actions = Feed(state, Hex("04 00 00 01 42 00 00 00 00"));
  EXPECT_THAT(ErrorOf(actions[0].frame).second, HasSubstr("opcode 0x42"));
  EXPECT_FALSE(state.closed());
}

TEST(ConnectionState, ChangingVersionMidConnectionIsAnError) {
  ConnectionState state;
  Feed(state, Frame(Startup(), 1, 4));
  auto actions = Feed(state, Frame(protocol::OptionsRequest{}, 2, 3));
  EXPECT_THAT(ToHex(actions[0].frame), StartsWith("83 00 00 02 00"));
  EXPECT_THAT(ErrorOf(actions[0].frame).second,
              HasSubstr("Got v3 but previous messages on this connection had version v4"));
}

TEST(ConnectionState, RegisterEnablesSchemaChangeEvents) {
  ConnectionState state;
  const protocol::SchemaChangeResult change{"CREATED", "KEYSPACE", "k", "", {}};
  Feed(state, Frame(Startup()));
  EXPECT_EQ(state.SchemaChangeEventFrame(change), std::nullopt);
  auto actions = Feed(state, Frame(protocol::RegisterRequest{{"SCHEMA_CHANGE", "STATUS_CHANGE"}}));
  EXPECT_EQ(ToHex(actions[0].frame), "84 00 00 01 02 00 00 00 00");
  auto event = state.SchemaChangeEventFrame(change);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(ToHex(*event).substr(0, 14), "84 00 ff ff 0c");
  EXPECT_EQ(event->substr(9), *protocol::EncodeSchemaChangeEvent(change));
}

TEST(ConnectionState, RegisterRejectsUnknownEventTypes) {
  ConnectionState state;
  Feed(state, Frame(Startup()));
  auto actions = Feed(state, Frame(protocol::RegisterRequest{{"NOPE"}}));
  EXPECT_EQ(ErrorOf(actions[0].frame).second, "Invalid value 'NOPE' for Event.Type");
}

TEST(ConnectionState, AuthResponseIsRefusedWhileAuthIsOff) {
  ConnectionState state;
  Feed(state, Frame(Startup()));
  auto actions = Feed(state, Frame(protocol::AuthResponseRequest{}));
  EXPECT_EQ(ErrorOf(actions[0].frame).first, 0x000A);
}

// ---- ExecuteQueryRequest ----------------------------------------------------------------------

TEST(ExecuteQueryRequest, EncodesTheResultOnTheRequestStream) {
  FakeProcessor processor;
  query::Session session;
  const std::string frame = ExecuteQueryRequest(processor, session, Query("USE ks"), 4, 77,
                                                protocol::Compression::kNone);
  EXPECT_EQ(ToHex(frame), "84 00 00 4d 08 00 00 00 08 00 00 00 03 00 02 6b 73");
  EXPECT_EQ(session.keyspace, "ks");
}

TEST(ExecuteQueryRequest, ErrorsBecomeErrorFrames) {
  FakeProcessor processor;
  query::Session session;
  auto [code, message] = ErrorOf(
      ExecuteQueryRequest(processor, session, Query("FAIL"), 4, 1, protocol::Compression::kNone));
  EXPECT_EQ(code, 0x2200);
  EXPECT_EQ(message, "bad");
  protocol::ExecuteRequest execute;
  execute.id = "nope";
  const std::string frame =
      ExecuteQueryRequest(processor, session, execute, 4, 1, protocol::Compression::kNone);
  EXPECT_EQ(ErrorOf(frame).first, 0x2500);
  EXPECT_THAT(ToHex(frame), ::testing::EndsWith("00 04 6e 6f 70 65"));  // the id
}

TEST(ExecuteQueryRequest, ExceptionsBecomeServerError) {
  FakeProcessor processor;
  query::Session session;
  auto [code, message] = ErrorOf(
      ExecuteQueryRequest(processor, session, Query("THROW"), 4, 1, protocol::Compression::kNone));
  EXPECT_EQ(code, 0x0000);
  EXPECT_THAT(message, HasSubstr("boom"));
}

}  // namespace
}  // namespace sibyl::server
