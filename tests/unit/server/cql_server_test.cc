// The real listener on an ephemeral 127.0.0.1 port, driven with raw bytes over POSIX sockets.
#include "server/cql_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "server/connection_limiter.h"
#include "unit/cql_protocol/test_util.h"
#include "unit/server/fake_processor.h"
#include "unit/server/test_tls.h"

namespace sibyl::server {
namespace {

namespace protocol = cql::protocol;
using ::sibyl::testing::FakeProcessor;
using ::sibyl::testing::Hex;
using ::sibyl::testing::ToHex;
using ::testing::StartsWith;

// One whole frame (header and body) read with `read_exactly(n, &bytes)`; nullopt when it fails.
template <typename ReadExactly>
std::optional<std::string> ReadWholeFrame(ReadExactly read_exactly) {
  std::string header;
  if (!read_exactly(9, &header)) return std::nullopt;
  const uint32_t length = (uint32_t{static_cast<uint8_t>(header[5])} << 24) |
                          (uint32_t{static_cast<uint8_t>(header[6])} << 16) |
                          (uint32_t{static_cast<uint8_t>(header[7])} << 8) |
                          uint32_t{static_cast<uint8_t>(header[8])};
  std::string body;
  if (!read_exactly(length, &body)) return std::nullopt;
  return header + body;
}

class RawClient {
 public:
  // `source`: the local address to connect from (loopback has all of 127.0.0.0/8).
  // `receive_buffer`: SO_RCVBUF set before connecting (a small window the server fills).
  explicit RawClient(uint16_t port, const char* source = nullptr, int receive_buffer = 0)
      : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{10, 0};  // a hung server fails the test instead of hanging it
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    if (receive_buffer > 0) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    if (source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, source, &local.sin_addr);
      bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  // One whole frame (header and body); nullopt on EOF, error or timeout.
  std::optional<std::string> ReadFrame() {
    return ReadWholeFrame([this](size_t n, std::string* out) { return ReadExactly(n, out); });
  }

  // Whether something (data or EOF) arrives within `ms`.
  bool ReadableWithin(int ms) {
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, ms) > 0;
  }

  // Sends without blocking as long as the peer takes it, up to `limit` bytes of `pattern`
  // repeated, and stops when nothing more is taken for `stall_ms`. Returns the bytes sent.
  size_t SendUntilStalled(std::string_view pattern, size_t limit, int stall_ms) {
    size_t sent = 0;
    std::string chunk;
    while (chunk.size() < 64 * 1024) chunk.append(pattern);
    size_t offset = 0;  // within chunk: a partial send goes on where it stopped
    while (sent < limit) {
      const ssize_t n = send(fd_, chunk.data() + offset, chunk.size() - offset,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        offset = (offset + static_cast<size_t>(n)) % chunk.size();
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) break;
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, stall_ms) <= 0) break;
    }
    return sent;
  }

  void SetSendBuffer(int bytes) { setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)); }

  // True when the server closed the connection (EOF or reset).
  bool ReadsEof() {
    char c;
    const ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool ReadExactly(size_t n, std::string* out) {
    out->resize(n);
    size_t got = 0;
    while (got < n) {
      const ssize_t r = recv(fd_, out->data() + got, n - got, 0);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }

  int fd_;
  bool connected_ = false;
};

std::string Startup(std::string compression = "") {
  protocol::StartupRequest startup;
  startup.options["CQL_VERSION"] = "3.0.0";
  if (!compression.empty()) startup.options["COMPRESSION"] = compression;
  return protocol::EncodeRequestFrame(4, 1, startup);
}

std::string QueryFrame(std::string text, int16_t stream,
                       protocol::Compression compression = protocol::Compression::kNone) {
  protocol::QueryRequest query;
  query.query = std::move(text);
  return protocol::EncodeRequestFrame(4, stream, query, compression);
}

class CqlServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }

  void StartServer(ConnectionLimits limits, std::shared_ptr<ConnectionLimiter> limiter = nullptr,
                   asio::ssl::context* tls = nullptr) {
    CqlServerOptions options;
    options.port = 0;
    options.io_threads = 2;
    options.worker_threads = 4;
    options.limits = limits;
    options.limiter = std::move(limiter);
    options.tls = tls;
    server_ = std::make_unique<CqlServer>(processor_, options);
    ASSERT_TRUE(server_->Start().ok());
  }

  // Connects and completes STARTUP.
  std::unique_ptr<RawClient> ReadyClient(std::string compression = "") {
    auto client = std::make_unique<RawClient>(server_->port());
    EXPECT_TRUE(client->connected());
    client->Send(Startup(compression));
    auto ready = client->ReadFrame();
    EXPECT_TRUE(ready.has_value());
    if (ready) EXPECT_EQ(ToHex(*ready), "84 00 00 01 02 00 00 00 00");
    return client;
  }

  FakeProcessor processor_;
  std::unique_ptr<CqlServer> server_;
};

TEST_F(CqlServerTest, OptionsStartupAndQuery) {
  RawClient client(server_->port());
  ASSERT_TRUE(client.connected());
  client.Send(protocol::EncodeRequestFrame(4, 0, protocol::OptionsRequest{}));
  auto supported = client.ReadFrame();
  ASSERT_TRUE(supported.has_value());
  EXPECT_THAT(ToHex(*supported), StartsWith("84 00 00 00 06"));
  EXPECT_EQ(supported->substr(9), protocol::EncodeSupported());

  client.Send(Startup());
  auto ready = client.ReadFrame();
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ToHex(*ready), "84 00 00 01 02 00 00 00 00");

  client.Send(QueryFrame("INSERT", 2));
  auto result = client.ReadFrame();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(ToHex(*result), "84 00 00 02 08 00 00 00 04 00 00 00 01");
}

TEST_F(CqlServerTest, V5GetsTheVersionErrorOnItsStreamInV4ThenTheConnectionCloses) {
  RawClient client(server_->port());
  client.Send(Hex("05 00 00 07 05 00 00 00 00"));
  auto error = client.ReadFrame();
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(ToHex(*error), StartsWith("84 00 00 07 00"));
  EXPECT_EQ(error->substr(9, 4), Hex("00 00 00 0a"));
  EXPECT_TRUE(client.ReadsEof());
}

TEST_F(CqlServerTest, GarbageClosesThatConnectionWhileAnotherKeepsWorking) {
  auto good = ReadyClient();
  RawClient bad(server_->port());
  bad.Send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  auto error = bad.ReadFrame();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(static_cast<uint8_t>((*error)[0]), 0x84);
  EXPECT_EQ(error->substr(9, 4), Hex("00 00 00 0a"));
  EXPECT_TRUE(bad.ReadsEof());

  good->Send(QueryFrame("SELECT 1", 5));
  auto result = good->ReadFrame();
  ASSERT_TRUE(result.has_value());
  EXPECT_THAT(ToHex(*result), StartsWith("84 00 00 05 08"));
}

TEST_F(CqlServerTest, ManyRequestsInOneWriteAreAllAnsweredOnTheirStreams) {
  auto client = ReadyClient();
  std::string batch;
  for (int16_t stream = 10; stream < 110; ++stream) batch += QueryFrame("SELECT 1", stream);
  client->Send(batch);
  std::set<int16_t> streams;
  for (int i = 0; i < 100; ++i) {
    auto frame = client->ReadFrame();
    ASSERT_TRUE(frame.has_value()) << i;
    streams.insert(static_cast<int16_t>((static_cast<uint8_t>((*frame)[2]) << 8) |
                                        static_cast<uint8_t>((*frame)[3])));
  }
  EXPECT_EQ(streams.size(), 100u);
  EXPECT_EQ(*streams.begin(), 10);
  EXPECT_EQ(*streams.rbegin(), 109);
}

// Group commit (issue 14): a request whose write left its fsync to WhenDurable is answered only
// once the sync ends, while later requests of the same connection are answered meanwhile; a
// failed sync answers SERVER_ERROR on its stream (the write was not acknowledged).
TEST_F(CqlServerTest, DeferredSyncWritesAreAnsweredOnlyOnceDurable) {
  auto client = ReadyClient();
  processor_.HoldDurable();
  client->Send(QueryFrame("DURABLE", 3));
  processor_.WaitForDurableWaiters(1);
  client->Send(QueryFrame("SELECT 1", 4));
  auto first = client->ReadFrame();
  ASSERT_TRUE(first.has_value());
  EXPECT_THAT(ToHex(*first), StartsWith("84 00 00 04 08"));  // not the write's answer
  processor_.SyncDurable(Status::OK());
  auto durable = client->ReadFrame();
  ASSERT_TRUE(durable.has_value());
  EXPECT_EQ(ToHex(*durable), "84 00 00 03 08 00 00 00 04 00 00 00 01");

  processor_.HoldDurable();
  client->Send(QueryFrame("DURABLE", 5));
  processor_.WaitForDurableWaiters(1);
  processor_.SyncDurable(Status(ErrorCode::kIOError, "disk gone"));
  auto failed = client->ReadFrame();
  ASSERT_TRUE(failed.has_value());
  EXPECT_THAT(ToHex(*failed), StartsWith("84 00 00 05 00"));  // ERROR
  EXPECT_EQ(failed->substr(9, 4), Hex("00 00 00 00"));        // SERVER_ERROR
}

std::string ExecuteFrame(std::string id, int16_t stream) {
  protocol::ExecuteRequest execute;
  execute.id = std::move(id);
  execute.params.consistency = protocol::Consistency::kOne;
  return protocol::EncodeRequestFrame(4, stream, execute);
}

int16_t StreamOf(const std::string& frame) {
  return static_cast<int16_t>((static_cast<uint8_t>(frame[2]) << 8) | static_cast<uint8_t>(frame[3]));
}

// Reads `n` answers, each expected to be a RESULT; the streams they came on.
std::set<int16_t> ResultStreams(RawClient& client, int n) {
  std::set<int16_t> streams;
  for (int i = 0; i < n; ++i) {
    auto frame = client.ReadFrame();
    EXPECT_TRUE(frame.has_value()) << i;
    if (!frame) break;
    EXPECT_EQ(static_cast<uint8_t>((*frame)[4]), 0x08) << ToHex(*frame);  // RESULT
    streams.insert(StreamOf(*frame));
  }
  return streams;
}

// Writes coalesced per event-loop turn (issue 14, server/turn_writes.h): inline writes sent
// together are committed together, each answered only once committed; a read sent after them on
// the connection runs after their commit and sees them all (and may see the writes after it that
// came in the same turn: they were in flight with it).
TEST_F(CqlServerTest, InlineWritesOfOneTurnAreCommittedTogetherBeforeTheReadAfterThem) {
  auto client = ReadyClient();
  std::string frames;
  for (int16_t stream = 1; stream <= 20; ++stream) frames += ExecuteFrame("wid", stream);
  frames += ExecuteFrame("rid", 21);
  for (int16_t stream = 22; stream <= 30; ++stream) frames += ExecuteFrame("wid", stream);
  client->Send(frames);
  EXPECT_EQ(ResultStreams(*client, 30).size(), 30u);
  EXPECT_EQ(processor_.applied(), 29);
  EXPECT_EQ(processor_.write_runs(), 29);
  // Never one commit per write (a request that arrived in a later read of the socket may make a
  // commit of its own).
  EXPECT_GE(processor_.commits(), 1);
  EXPECT_LT(processor_.commits(), 29);
  const std::vector<int> saw = processor_.reads_saw();
  ASSERT_EQ(saw.size(), 1u);
  EXPECT_GE(saw[0], 20);
}

// `pairs` inline writes, each followed by an inline read, on streams 1, 2, 3...
std::string WritesEachFollowedByARead(int16_t pairs) {
  std::string frames;
  for (int16_t i = 0; i < pairs; ++i) {
    frames += ExecuteFrame("wid", static_cast<int16_t>(2 * i + 1));
    frames += ExecuteFrame("rid", static_cast<int16_t>(2 * i + 2));
  }
  return frames;
}

// A turn's inline reads among its inline writes wait for the turn's one commit instead of each
// committing the writes before it (issue 14): 15 writes each followed by a read on one
// connection make a commit or two, not 15, and each read still sees every write before it.
TEST_F(CqlServerTest, InlineReadsAmongTheWritesOfOneTurnRunAfterItsOneCommit) {
  auto client = ReadyClient();
  client->Send(WritesEachFollowedByARead(15));
  EXPECT_EQ(ResultStreams(*client, 30).size(), 30u);
  EXPECT_EQ(processor_.applied(), 15);
  EXPECT_LT(processor_.commits(), 8);  // a commit per read made 15
  const std::vector<int> saw = processor_.reads_saw();
  ASSERT_EQ(saw.size(), 15u);
  for (size_t i = 0; i < saw.size(); ++i) EXPECT_GE(saw[i], static_cast<int>(i) + 1) << i;
}

// Reads waiting for a commit count in flight: a connection paused by them (max_in_flight 3)
// resumes once the commit ran them and their answers were sent, and every request is answered.
TEST_F(CqlServerTest, ReadsWaitingForTheTurnsCommitPauseAndResumeTheirConnection) {
  server_.reset();
  StartServer(ConnectionLimits{.max_in_flight = 3});
  auto client = ReadyClient();
  std::string frames = ExecuteFrame("wid", 1);
  for (int16_t stream = 2; stream <= 7; ++stream) frames += ExecuteFrame("rid", stream);
  frames += ExecuteFrame("wid", 8);
  for (int16_t stream = 9; stream <= 12; ++stream) frames += ExecuteFrame("rid", stream);
  client->Send(frames);
  EXPECT_EQ(ResultStreams(*client, 12).size(), 12u);
  EXPECT_EQ(processor_.applied(), 2);
  const std::vector<int> saw = processor_.reads_saw();
  ASSERT_EQ(saw.size(), 10u);
  for (size_t i = 0; i < saw.size(); ++i) EXPECT_GE(saw[i], i < 6 ? 1 : 2) << i;
}

// A commit that fails runs its writes again on the pool; the reads that waited for it run at
// once and are answered.
TEST_F(CqlServerTest, ReadsWaitingForAFailedCommitAreAnswered) {
  auto client = ReadyClient();
  processor_.FailNextCommit();
  client->Send(WritesEachFollowedByARead(5));
  EXPECT_EQ(ResultStreams(*client, 10).size(), 10u);
  EXPECT_EQ(processor_.applied(), 5);
  EXPECT_EQ(processor_.reads_saw().size(), 5u);
}

// Answers of requests that came in one read go out together, in one flush of the connection
// (issue 14); a protocol error after them is answered after them, and the connection closes only
// once all of them were sent. (Writes still waiting for their commit when the error closes the
// connection are not answered, as any request in flight then.)
TEST_F(CqlServerTest, AnswersOfOneReadThenAProtocolErrorAllArriveBeforeTheClose) {
  auto client = ReadyClient();
  std::string frames;
  for (int16_t stream = 1; stream <= 20; ++stream) frames += ExecuteFrame("rid", stream);
  frames += Hex("05 00 00 21 05 00 00 00 00");  // a v5 frame on a v4 connection
  client->Send(frames);
  const std::set<int16_t> streams = ResultStreams(*client, 20);
  EXPECT_EQ(streams.size(), 20u);
  auto error = client->ReadFrame();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(static_cast<uint8_t>((*error)[4]), 0x00) << ToHex(*error);  // ERROR
  EXPECT_EQ(error->substr(9, 4), Hex("00 00 00 0a"));                   // PROTOCOL_ERROR
  EXPECT_TRUE(client->ReadsEof());
}

// A commit that fails applied nothing: every write of it runs again on the pool, alone, and is
// answered from there.
TEST_F(CqlServerTest, WritesOfAFailedCommitRunAgainOnThePool) {
  auto client = ReadyClient();
  processor_.FailNextCommit();
  std::string frames;
  for (int16_t stream = 1; stream <= 5; ++stream) frames += ExecuteFrame("wid", stream);
  client->Send(frames);
  EXPECT_EQ(ResultStreams(*client, 5).size(), 5u);
  EXPECT_EQ(processor_.applied(), 5);
  // Each failed-commit write ran twice: collected, then alone on the pool.
  EXPECT_GE(processor_.write_runs(), 6);
  EXPECT_LE(processor_.write_runs(), 10);
}

TEST_F(CqlServerTest, UseChangesTheSessionOfThatConnectionOnly) {
  auto a = ReadyClient();
  auto b = ReadyClient();
  a->Send(QueryFrame("USE ks1", 2));
  ASSERT_TRUE(a->ReadFrame().has_value());
  a->Send(QueryFrame("SELECT keyspace", 3));
  auto rows = a->ReadFrame();
  ASSERT_TRUE(rows.has_value());
  EXPECT_THAT(ToHex(*rows), ::testing::EndsWith("00 00 00 03 6b 73 31"));  // "ks1"
  b->Send(QueryFrame("SELECT keyspace", 3));
  rows = b->ReadFrame();
  ASSERT_TRUE(rows.has_value());
  EXPECT_THAT(ToHex(*rows), ::testing::EndsWith("00 00 00 00"));  // ""
}

TEST_F(CqlServerTest, Lz4ConnectionsCompressBothWays) {
  auto client = ReadyClient("lz4");
  client->Send(QueryFrame("SELECT 1", 4, protocol::Compression::kLz4));
  auto result = client->ReadFrame();
  ASSERT_TRUE(result.has_value());
  EXPECT_THAT(ToHex(*result), StartsWith("84 01 00 04 08"));
  auto body = protocol::Decompress(protocol::Compression::kLz4, std::string_view(*result).substr(9));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(ToHex(*body), "00 00 00 01");
}

TEST_F(CqlServerTest, SchemaChangesArePushedToRegisteredConnections) {
  auto listener = ReadyClient();
  listener->Send(protocol::EncodeRequestFrame(4, 2, protocol::RegisterRequest{{"SCHEMA_CHANGE"}}));
  auto ready = listener->ReadFrame();
  ASSERT_TRUE(ready.has_value());
  EXPECT_THAT(ToHex(*ready), StartsWith("84 00 00 02 02"));

  auto writer = ReadyClient();
  writer->Send(QueryFrame("CREATE", 3));
  ASSERT_TRUE(writer->ReadFrame().has_value());
  auto event = listener->ReadFrame();
  ASSERT_TRUE(event.has_value());
  EXPECT_THAT(ToHex(*event), StartsWith("84 00 ff ff 0c"));
  EXPECT_EQ(event->substr(9), *protocol::EncodeSchemaChangeEvent(
                                  protocol::SchemaChangeResult{"CREATED", "KEYSPACE", "k", "", {}}));
}

TEST_F(CqlServerTest, ExceptionsBecomeServerErrorAndTheConnectionGoesOn) {
  auto client = ReadyClient();
  client->Send(QueryFrame("THROW", 6));
  auto error = client->ReadFrame();
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(ToHex(*error), StartsWith("84 00 00 06 00"));
  EXPECT_EQ(error->substr(9, 4), Hex("00 00 00 00"));
  client->Send(QueryFrame("SELECT 1", 7));
  auto result = client->ReadFrame();
  ASSERT_TRUE(result.has_value());
  EXPECT_THAT(ToHex(*result), StartsWith("84 00 00 07 08"));
}

TEST_F(CqlServerTest, TooManyRequestsInFlightStopReadingUntilOneFinishes) {
  // issue 9: back-pressure (as Cassandra without THROW_ON_OVERLOAD) instead of OVERLOADED.
  server_.reset();
  StartServer(ConnectionLimits{.max_in_flight = 2});
  auto client = ReadyClient();
  client->Send(QueryFrame("BLOCK", 1) + QueryFrame("BLOCK", 2) + QueryFrame("BLOCK", 3));
  processor_.WaitForBlocked(2);
  EXPECT_FALSE(client->ReadableWithin(200));  // the third is neither run nor refused
  processor_.Release();
  std::set<int> streams;
  for (int i = 0; i < 3; ++i) {
    auto result = client->ReadFrame();
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(static_cast<uint8_t>((*result)[4]), 0x08) << ToHex(*result);  // RESULT
    streams.insert((*result)[3]);
  }
  EXPECT_EQ(streams, (std::set<int>{1, 2, 3}));
  EXPECT_EQ(processor_.max_blocked_at_once(), 2);
}

// Issue 14: a plain connection sends up to 64 answers per sendmsg and goes on where a partial
// send stopped, mid-frame. A client with a small window that reads late gets every answer whole
// and in order.
TEST_F(CqlServerTest, AnswersThatFillTheClientsWindowArriveWholeAndInOrder) {
  RawClient client(server_->port(), nullptr, 4096);
  client.Send(Startup());
  ASSERT_TRUE(client.ReadFrame().has_value());
  constexpr int kRequests = 30000;
  std::string all;
  for (int i = 0; i < kRequests; ++i) {
    all += protocol::EncodeRequestFrame(4, static_cast<int16_t>(i), protocol::OptionsRequest{});
  }
  std::thread sender([&] { client.Send(all); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server's sends stall
  int answered = 0;
  for (; answered < kRequests; ++answered) {
    auto frame = client.ReadFrame();
    const std::string expected{static_cast<char>(answered >> 8), static_cast<char>(answered),
                               0x06};
    if (!frame || frame->substr(2, 3) != expected) break;  // in order, each a SUPPORTED
  }
  EXPECT_EQ(answered, kRequests);
  shutdown(client.fd(), SHUT_RDWR);
  sender.join();
}

TEST_F(CqlServerTest, UnreadResponsesStopReading) {
  // issue 9: 5 million pipelined OPTIONS whose answers were never read grew the write queue
  // without bound (+760 MB). Now the server stops reading; the client's sends stall.
  server_.reset();
  StartServer(ConnectionLimits{.max_unsent_bytes = 64 * 1024});
  RawClient client(server_->port());
  client.SetSendBuffer(64 * 1024);
  const size_t sent = client.SendUntilStalled(
      protocol::EncodeRequestFrame(4, 0, protocol::OptionsRequest{}), size_t{48} << 20, 500);
  // Kernel buffers on both sides hold a few MB; a server that kept reading takes all 48 MB.
  EXPECT_LT(sent, size_t{24} << 20);
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(CqlServerTest, PausedConnectionsAnswerEverythingOnceRead) {
  server_.reset();
  StartServer(ConnectionLimits{.max_unsent_bytes = 1024});
  RawClient client(server_->port());
  std::string all;
  for (int i = 0; i < 20000; ++i) {
    all += protocol::EncodeRequestFrame(4, static_cast<int16_t>(i), protocol::OptionsRequest{});
  }
  // Sent from another thread: the server pauses until this one reads.
  std::thread sender([&] { client.Send(all); });
  int answered = 0;
  for (; answered < 20000; ++answered) {
    auto frame = client.ReadFrame();
    const std::string expected{static_cast<char>(answered >> 8), static_cast<char>(answered),
                               0x06};
    if (!frame || frame->substr(2, 3) != expected) break;  // in order, each a SUPPORTED
  }
  EXPECT_EQ(answered, 20000);
  shutdown(client.fd(), SHUT_RDWR);  // unblocks the sender if the server stopped answering
  sender.join();
}

TEST_F(CqlServerTest, OversizedFrameIsRefusedAndTheConnectionGoesOn) {
  server_.reset();
  StartServer(ConnectionLimits{.max_frame_size = 1024});
  auto client = ReadyClient();
  client->Send(QueryFrame(std::string(2000, 'x'), 5) + QueryFrame("SELECT 1", 6));
  auto error = client->ReadFrame();
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(ToHex(*error), StartsWith("84 00 00 05 00"));
  EXPECT_EQ(error->substr(9, 4), Hex("00 00 22 00"));
  EXPECT_THAT(*error, ::testing::HasSubstr("exceeds maximum allowed length 1024."));
  auto result = client->ReadFrame();
  ASSERT_TRUE(result.has_value());
  EXPECT_THAT(ToHex(*result), StartsWith("84 00 00 06 08"));
}

TEST_F(CqlServerTest, SilentConnectionsAreClosedAfterTheHandshakeDeadline) {
  // issue 9: a TCP connection that sent nothing stayed forever.
  server_.reset();
  StartServer(ConnectionLimits{.handshake_timeout = std::chrono::milliseconds(100)});
  RawClient silent(server_->port());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.ReadsEof());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(CqlServerTest, IdleAuthenticatedConnectionsStay) {
  server_.reset();
  StartServer(ConnectionLimits{.handshake_timeout = std::chrono::milliseconds(100),
                               .frame_timeout = std::chrono::milliseconds(100)});
  auto client = ReadyClient();
  EXPECT_FALSE(client->ReadableWithin(400));  // past both deadlines: neither data nor EOF
  client->Send(QueryFrame("SELECT 1", 2));
  auto result = client->ReadFrame();
  ASSERT_TRUE(result.has_value());
  EXPECT_THAT(ToHex(*result), StartsWith("84 00 00 02 08"));
}

TEST_F(CqlServerTest, PartialFramesHaveADeadline) {
  server_.reset();
  StartServer(ConnectionLimits{.frame_timeout = std::chrono::milliseconds(100)});
  auto client = ReadyClient();
  client->Send(QueryFrame("SELECT 1", 2).substr(0, 12));
  EXPECT_TRUE(client->ReadsEof());
}

TEST_F(CqlServerTest, ConnectionsOverTheCapAreClosed) {
  server_.reset();
  auto limiter = std::make_shared<ConnectionLimiter>(1, -1);
  StartServer({}, limiter);
  auto first = ReadyClient();
  RawClient second(server_->port());
  EXPECT_TRUE(second.ReadsEof());
  first.reset();
  // The first one's place is free once the server has seen it close.
  bool served = false;
  for (int attempt = 0; attempt < 1000 && !served; ++attempt) {
    RawClient third(server_->port());
    third.Send(Startup());
    served = third.ReadFrame().has_value();
  }
  EXPECT_TRUE(served);
}

TEST_F(CqlServerTest, ConnectionsPerAddressAreCapped) {
  server_.reset();
  StartServer({}, std::make_shared<ConnectionLimiter>(-1, 1));
  auto first = ReadyClient();
  RawClient second(server_->port());
  EXPECT_TRUE(second.ReadsEof());
  RawClient other(server_->port(), "127.0.0.2");
  other.Send(Startup());
  EXPECT_TRUE(other.ReadFrame().has_value());
}

TEST(CqlServerTls, PlainTextClientsGetATlsAlertAtOnce) {
  // issue 9: a plain-text client on the TLS port waited 5 s for an answer.
  TestTlsContext tls;
  ASSERT_NE(tls.get(), nullptr);
  FakeProcessor processor;
  CqlServerOptions options;
  options.port = 0;
  options.tls = tls.get();
  CqlServer server(processor, options);
  ASSERT_TRUE(server.Start().ok());
  RawClient client(server.port());
  client.Send(protocol::EncodeRequestFrame(4, 0, protocol::OptionsRequest{}));
  const auto start = std::chrono::steady_clock::now();
  std::string alert(7, '\0');
  ASSERT_EQ(recv(client.fd(), alert.data(), alert.size(), MSG_WAITALL), 7);
  EXPECT_EQ(ToHex(alert), "15 03 01 00 02 02 0a");  // fatal unexpected_message
  EXPECT_TRUE(client.ReadsEof());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  server.Stop();
}

// A blocking TLS client over a socket with a small receive window (OpenSSL, no certificate check).
class TlsRawClient {
 public:
  TlsRawClient(uint16_t port, int receive_buffer) : raw_(port, nullptr, receive_buffer) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, raw_.fd());
    connected_ = raw_.connected() && SSL_connect(ssl_) == 1;
  }
  ~TlsRawClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    size_t written = 0;
    return SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written) == 1 && written == bytes.size();
  }
  std::optional<std::string> ReadFrame() {
    return ReadWholeFrame([this](size_t n, std::string* out) { return ReadExactly(n, out); });
  }

 private:
  bool ReadExactly(size_t n, std::string* out) {
    out->resize(n);
    size_t got = 0;
    while (got < n) {
      size_t read = 0;
      if (SSL_read_ex(ssl_, out->data() + got, n - got, &read) != 1) return false;
      got += read;
    }
    return true;
  }

  RawClient raw_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
};

TEST_F(CqlServerTest, TlsAnswersLargeAndSmallArriveWholeAndInOrder) {
  // issue 14: a TLS connection joins the frames of one write into one buffer (a larger frame is
  // sent on its own); its sends stall on the client's 4 KB window and resume.
  TestTlsContext tls;
  ASSERT_NE(tls.get(), nullptr);
  server_.reset();
  StartServer(ConnectionLimits{.max_unsent_bytes = size_t{64} << 20}, nullptr, tls.get());
  TlsRawClient client(server_->port(), 4096);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Startup()));
  ASSERT_TRUE(client.ReadFrame().has_value());
  // Requests in one burst: mostly OPTIONS (small answers, joined), and every 50th a USE of a
  // 40,000-byte keyspace (its answer, which names it, is larger than a joined buffer).
  constexpr int kRequests = 3000;
  std::string all;
  std::vector<std::string> keyspaces(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    const auto stream = static_cast<int16_t>(i);
    if (i % 50 == 1) {
      keyspaces[i] = std::string(40000, static_cast<char>('a' + i % 26));
      all += QueryFrame("USE " + keyspaces[i], stream);
    } else {
      all += protocol::EncodeRequestFrame(4, stream, protocol::OptionsRequest{});
    }
  }
  ASSERT_TRUE(client.Send(all));  // the server reads it all; its answers fill the window
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Answers come in any order (a USE runs on a worker, an OPTIONS at once); each must be whole.
  std::vector<bool> seen(kRequests);
  int answered = 0;
  for (; answered < kRequests; ++answered) {
    auto frame = client.ReadFrame();
    if (!frame) break;
    const int stream = (static_cast<uint8_t>((*frame)[2]) << 8) | static_cast<uint8_t>((*frame)[3]);
    if (stream >= kRequests || seen[stream]) break;
    seen[stream] = true;
    const char opcode = (*frame)[4];
    if (keyspaces[stream].empty()) {
      if (opcode != 0x06) break;  // SUPPORTED
    } else if (opcode != 0x08 || frame->size() < 9 + 40000 ||
               frame->substr(frame->size() - 40000) != keyspaces[stream]) {
      break;  // a RESULT (SET_KEYSPACE) ending with the whole name
    }
  }
  EXPECT_EQ(answered, kRequests);
  server_->Stop();
}

TEST_F(CqlServerTest, StopClosesOpenConnections) {
  auto client = ReadyClient();
  EXPECT_EQ(server_->connection_count(), 1u);
  server_->Stop();
  EXPECT_TRUE(client->ReadsEof());
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST(CqlServer, StartFailsOnABusyPort) {
  FakeProcessor processor;
  CqlServerOptions options;
  options.port = 0;
  CqlServer first(processor, options);
  ASSERT_TRUE(first.Start().ok());
  options.port = first.port();
  CqlServer second(processor, options);
  Status status = second.Start();
  EXPECT_EQ(status.code(), ErrorCode::kIOError);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("Cannot listen on 127.0.0.1"));
}

}  // namespace
}  // namespace sibyl::server
