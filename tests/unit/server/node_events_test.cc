// TOPOLOGY_CHANGE / STATUS_CHANGE events of other nodes (issue 15): the EVENT body of
// native_protocol_v4.spec §4.2.6 ([string] type, [string] change, [inet] address + port), and
// only to connections that registered for that type.
#include "server/node_events.h"

#include <gtest/gtest.h>

#include "cql/protocol/messages.h"
#include "server/connection_state.h"

namespace sibyl::server {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

storage::NodeRecord Node(const std::string& address, int port) {
  storage::NodeRecord n;
  n.host_id = "h";
  n.address = address;
  n.cql_port = port;
  return n;
}

TEST(NodeEvents, EncodesTheSpecsBody) {
  auto down = MakeNodeEvent(Node("127.0.0.1", 9042), storage::MembershipChange::kDown);
  ASSERT_TRUE(down.has_value());
  EXPECT_EQ(down->type, "STATUS_CHANGE");
  // "STATUS_CHANGE", "DOWN", inet 4 bytes 127.0.0.1, port 9042.
  EXPECT_EQ(Hex(down->body), "000d5354415455535f4348414e4745" "0004444f574e" "047f000001" "00002352");
  auto joined = MakeNodeEvent(Node("::1", 7), storage::MembershipChange::kJoined);
  ASSERT_TRUE(joined.has_value());
  EXPECT_EQ(joined->type, "TOPOLOGY_CHANGE");
  EXPECT_NE(joined->body.find("NEW_NODE"), std::string::npos);
  EXPECT_EQ(Hex(joined->body.substr(joined->body.size() - 21)),
            "10" "00000000000000000000000000000001" "00000007");
  auto left = MakeNodeEvent(Node("127.0.0.2", 1), storage::MembershipChange::kLeft);
  EXPECT_NE(left->body.find("REMOVED_NODE"), std::string::npos);
  EXPECT_EQ(MakeNodeEvent(Node("", 1), storage::MembershipChange::kUp), std::nullopt);
}

TEST(NodeEvents, SentOnlyToConnectionsRegisteredForTheirType) {
  ConnectionState state;
  auto event = MakeNodeEvent(Node("127.0.0.1", 9042), storage::MembershipChange::kUp);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(state.NodeEventFrame(event->type, event->body), std::nullopt);  // no version yet
  std::vector<FrameAction> actions;
  auto frame = [](uint8_t opcode, const std::string& body) {
    std::string f = {'\x04', '\x00', '\x00', '\x01', static_cast<char>(opcode)};
    const uint32_t n = body.size();
    for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<char>((n >> s) & 0xff));
    return f + body;
  };
  // STARTUP {CQL_VERSION: 3.0.0}, then REGISTER [STATUS_CHANGE].
  std::string startup = std::string("\x00\x01\x00\x0b", 4) + "CQL_VERSION" + std::string("\x00\x05", 2) + "3.0.0";
  state.ProcessInput(frame(0x01, startup), &actions);
  EXPECT_EQ(state.NodeEventFrame(event->type, event->body), std::nullopt);  // not registered
  std::string reg = std::string("\x00\x01\x00\x0d", 4) + "STATUS_CHANGE";
  state.ProcessInput(frame(0x0b, reg), &actions);
  auto sent = state.NodeEventFrame(event->type, event->body);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(Hex(sent->substr(0, 5)), "8400ffff0c");  // response, stream -1, EVENT
  EXPECT_EQ(sent->substr(9), event->body);
  EXPECT_EQ(state.NodeEventFrame("TOPOLOGY_CHANGE", event->body), std::nullopt);
}

}  // namespace
}  // namespace sibyl::server
