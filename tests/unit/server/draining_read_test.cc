// server/draining_read.h: a short read ends Asio's speculative reads until the next readiness
// event, and no data is ever left unread for it.
#include "server/draining_read.h"

#include <gtest/gtest.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "unit/server/test_tls.h"

namespace sibyl::server {
namespace {

using asio::ip::tcp;
using namespace std::chrono_literals;

class DrainingReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client_.connect(acceptor.local_endpoint());
    acceptor.accept(server_);
    server_.non_blocking(true);
  }

  void Send(const std::string& bytes) { asio::write(client_, asio::buffer(bytes)); }

  // Starts one read of at most `size` bytes and runs the loop until it completes or 5 s pass.
  std::optional<std::string> ReadOnce(size_t size) {
    buffer_.assign(size, '\0');
    std::optional<std::string> got;
    server_.async_read_some(DrainingBuffer(buffer_.data(), buffer_.size()),
                            [&](const asio::error_code& error, size_t n) {
                              got = error ? "error: " + error.message() : buffer_.substr(0, n);
                            });
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!got && std::chrono::steady_clock::now() < deadline) io_.run_for(10ms);
    return got;
  }

  // Lets the reactor take every readiness event there is while no read is pending.
  void DrainEventsWithNoReadPending(std::chrono::milliseconds wait = 50ms) {
    std::this_thread::sleep_for(wait);
    io_.restart();
    auto work = asio::make_work_guard(io_);  // else a loop with nothing pending never polls epoll
    io_.poll();
  }

  asio::io_context io_;
  tcp::socket client_{io_};
  tcp::socket server_{io_};
  std::string buffer_;
};

TEST_F(DrainingReadTest, IsAsiosOwnReadWithTheDrainingRuleOnDebian12) {
#ifdef SIBYL_DRAINING_READ
  SUCCEED();
#else
  GTEST_SKIP() << "Asio " << ASIO_VERSION << ": DrainingBuffer is an ordinary buffer here";
#endif
}

TEST_F(DrainingReadTest, DataThatCameWhileNoReadWasPendingIsReadByTheNext) {
  Send("hello");
  ASSERT_EQ(ReadOnce(64), "hello");  // short: the socket counts as drained
  // The next data's event comes while nothing is pending; it must still wake the next read.
  Send("world");
  DrainEventsWithNoReadPending();
  EXPECT_EQ(ReadOnce(64), "world");
}

TEST_F(DrainingReadTest, DataThatComesWhileAReadIsPendingCompletesIt) {
  Send("a");
  ASSERT_EQ(ReadOnce(64), "a");
  std::thread later([this] {
    std::this_thread::sleep_for(50ms);
    Send("b");
  });
  EXPECT_EQ(ReadOnce(64), "b");
  later.join();
}

TEST_F(DrainingReadTest, AFullReadLeavesTheRestToTheNextReadAtOnce) {
  Send(std::string(100, 'x'));
  DrainEventsWithNoReadPending();  // all 100 bytes are in the socket, and their event is taken
  ASSERT_EQ(ReadOnce(64), std::string(64, 'x'));
  // No new event comes for the rest: the full read must not have ended the speculation.
  EXPECT_EQ(ReadOnce(64), std::string(36, 'x'));
}

TEST_F(DrainingReadTest, EndOfStreamAfterAShortReadIsSeen) {
  Send("bye");
  ASSERT_EQ(ReadOnce(64), "bye");
  client_.shutdown(tcp::socket::shutdown_send);
  DrainEventsWithNoReadPending();
  EXPECT_EQ(ReadOnce(64), "error: " + asio::error_code(asio::error::eof).message());
}

TEST_F(DrainingReadTest, EveryByteOfManyExchangesArrivesInOrder) {
  std::mt19937 rng(7);
  std::string sent;
  std::string received;
  for (int round = 0; round < 500; ++round) {
    const size_t size = 1 + rng() % 200;
    std::string message;
    for (size_t i = 0; i < size; ++i) message.push_back(static_cast<char>('a' + rng() % 26));
    Send(message);
    sent += message;
    if (rng() % 3 == 0) DrainEventsWithNoReadPending(2ms);
    while (received.size() < sent.size()) {
      auto got = ReadOnce(1 + rng() % 128);
      ASSERT_TRUE(got.has_value()) << "a read never completed at round " << round;
      ASSERT_EQ(got->rfind("error", 0), std::string::npos) << *got;
      received += *got;
    }
  }
  EXPECT_EQ(received, sent);
}

TEST_F(DrainingReadTest, TlsOverADrainingSocketReadsEveryByteInOrder) {
  // A TLS connection's socket reads are the SSL stream's, into its own buffer (DrainingSocket):
  // records that come while no read is pending, and records split across reads, still arrive.
  TestTlsContext server_context;
  ASSERT_NE(server_context.get(), nullptr);
  asio::ssl::context client_context(asio::ssl::context::tls_client);
  asio::ssl::stream<DrainingSocket> server_tls(server_, *server_context.get());
  asio::ssl::stream<tcp::socket&> client_tls(client_, client_context);
  int handshakes = 0;
  server_tls.async_handshake(asio::ssl::stream_base::server, [&](const asio::error_code& e) {
    EXPECT_FALSE(e) << e.message();
    ++handshakes;
  });
  client_tls.async_handshake(asio::ssl::stream_base::client, [&](const asio::error_code& e) {
    EXPECT_FALSE(e) << e.message();
    ++handshakes;
  });
  io_.restart();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (handshakes < 2 && std::chrono::steady_clock::now() < deadline) io_.run_for(10ms);
  ASSERT_EQ(handshakes, 2);

  std::mt19937 rng(11);
  std::string sent;
  std::string received;
  std::string buffer;
  for (int round = 0; round < 300; ++round) {
    // Some larger than the SSL stream's 17 KB input buffer: a full read, whose rest must still
    // be read at once (no new event comes for it).
    const size_t size = rng() % 4 == 0 ? 1 + rng() % 40000 : 1 + rng() % 3000;
    std::string message;
    for (size_t i = 0; i < size; ++i) message.push_back(static_cast<char>('a' + rng() % 26));
    asio::write(client_tls, asio::buffer(message));  // blocking client socket
    sent += message;
    if (rng() % 3 == 0) DrainEventsWithNoReadPending(2ms);
    while (received.size() < sent.size()) {
      buffer.assign(1 + rng() % 2048, '\0');
      std::optional<std::string> got;
      server_tls.async_read_some(asio::buffer(buffer), [&](const asio::error_code& error, size_t n) {
        got = error ? "error: " + error.message() : buffer.substr(0, n);
      });
      io_.restart();
      const auto read_deadline = std::chrono::steady_clock::now() + 5s;
      while (!got && std::chrono::steady_clock::now() < read_deadline) io_.run_for(10ms);
      ASSERT_TRUE(got.has_value()) << "a TLS read never completed at round " << round;
      ASSERT_EQ(got->rfind("error", 0), std::string::npos) << *got;
      received += *got;
    }
  }
  EXPECT_EQ(received, sent);
}

}  // namespace
}  // namespace sibyl::server
