// system_views.clients (issue 10 item 21) and the tracing flag of responses (item 23), at the
// server layer: the registry of live connections, and ExecuteQueryRequest's traced RESULT.
#include "server/client_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/connection_state.h"
#include "unit/server/fake_processor.h"

namespace sibyl::server {
namespace {

namespace protocol = cql::protocol;

// ClientsTable (Cassandra 4.1) reads ConnectedClient: STARTUP's options, DRIVER_NAME and
// DRIVER_VERSION, the stage in lower case, the request count, TLS details.
TEST(ClientRegistry, ListsWhatEachConnectionReported) {
  auto registry = std::make_shared<ClientRegistry>();
  auto record = registry->Add("127.0.0.1", 40000, true);
  record->SetStartupOptions({{"CQL_VERSION", "3.0.0"},
                             {"DRIVER_NAME", "DataStax Python Driver"},
                             {"DRIVER_VERSION", "3.25.0"}});
  record->SetProtocolVersion(4);
  record->SetStage("ready");
  record->SetUsername("alice");
  record->SetTls("TLSv1.3", "TLS_AES_256_GCM_SHA384");
  record->CountRequest();
  record->CountRequest();
  auto clients = registry->Clients();
  ASSERT_EQ(clients.size(), 1u);
  const auto& c = clients[0];
  EXPECT_EQ(c.address, "127.0.0.1");
  EXPECT_EQ(c.hostname, "127.0.0.1");
  EXPECT_EQ(c.port, 40000);
  EXPECT_EQ(c.driver_name, "DataStax Python Driver");
  EXPECT_EQ(c.driver_version, "3.25.0");
  EXPECT_EQ(c.client_options->at("CQL_VERSION"), "3.0.0");
  EXPECT_EQ(c.protocol_version, 4);
  EXPECT_EQ(c.connection_stage, "ready");
  EXPECT_EQ(c.username, "alice");
  EXPECT_TRUE(c.ssl_enabled);
  EXPECT_EQ(c.ssl_protocol, "TLSv1.3");
  EXPECT_EQ(c.ssl_cipher_suite, "TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(c.request_count, 2);
}

// A closed connection drops its record; the registry keeps nothing for it (bounded).
TEST(ClientRegistry, ARecordLeavesWithItsConnection) {
  auto registry = std::make_shared<ClientRegistry>();
  auto first = registry->Add("127.0.0.1", 1, false);
  {
    auto second = registry->Add("::1", 2, false);
    EXPECT_EQ(registry->size(), 2u);
    EXPECT_EQ(registry->Clients()[0].connection_stage, "established");
  }
  EXPECT_EQ(registry->size(), 1u);
  first.reset();
  EXPECT_TRUE(registry->Clients().empty());
}

// STARTUP's options are kept for the record once the connection is initialised.
TEST(ClientRegistry, ConnectionStateKeepsStartupOptions) {
  ConnectionState state;
  protocol::StartupRequest startup;
  startup.options = {{"CQL_VERSION", "3.0.0"}, {"DRIVER_NAME", "gocql"}};
  std::vector<FrameAction> actions;
  const std::string frame = protocol::EncodeRequestFrame(4, 1, startup);
  ASSERT_EQ(state.ProcessInput(frame, &actions), frame.size());
  EXPECT_EQ(state.startup_options().at("DRIVER_NAME"), "gocql");
}

// native_protocol_v4.spec §2.2/§4: a request with the tracing flag gets a response with the flag
// and a body starting with the [uuid] trace id; without it, neither.
TEST(Tracing, ATracedRequestIsMarkedAndKeepsItsFlag) {
  ConnectionState state;
  std::vector<FrameAction> actions;
  protocol::StartupRequest startup;
  startup.options = {{"CQL_VERSION", "3.0.0"}};
  protocol::QueryRequest query;
  query.query = "SELECT 1";
  std::string traced = protocol::EncodeRequestFrame(4, 2, query);
  traced[1] = static_cast<char>(traced[1] | 0x02);
  const std::string input = protocol::EncodeRequestFrame(4, 1, startup) + traced +
                            protocol::EncodeRequestFrame(4, 3, query);
  ASSERT_EQ(state.ProcessInput(input, &actions), input.size());
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_TRUE(actions[1].tracing);
  EXPECT_FALSE(actions[2].tracing);
}

class TracingProcessor : public testing::FakeProcessor {
 public:
  Result<protocol::ResultMessage> Query(query::Session& session, std::string_view cql,
                                        const protocol::QueryParameters& params) override {
    if (session.trace) session.trace_id = std::string(16, '\x07');
    return FakeProcessor::Query(session, cql, params);
  }
};

TEST(Tracing, TheResultStartsWithTheTraceId) {
  TracingProcessor processor;
  protocol::QueryRequest query;
  query.query = "anything";
  query::Session session;
  std::string plain = ExecuteQueryRequest(processor, session, query, 4, 5,
                                          protocol::Compression::kNone);
  EXPECT_EQ(static_cast<uint8_t>(plain[1]), 0x00);
  session.trace = true;
  std::string traced = ExecuteQueryRequest(processor, session, query, 4, 5,
                                           protocol::Compression::kNone);
  EXPECT_EQ(static_cast<uint8_t>(traced[1]), 0x02);
  EXPECT_EQ(traced.substr(9, 16), std::string(16, '\x07'));
  EXPECT_EQ(traced.substr(25), plain.substr(9));
}

}  // namespace
}  // namespace sibyl::server
