#include "server/cql_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <future>

#include "common/fd_reserve.h"
#include "query/processor.h"
#include "server/connection.h"
#include "server/connection_limiter.h"

namespace sibyl::server {

struct CqlServer::Impl {
  explicit Impl(size_t worker_threads) : workers(worker_threads) {}

  void Accept();

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  asio::thread_pool workers;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> retry_timer;  // re-arms accept after an error (EMFILE)
  FdReserve spare_fd;  // only touched by the acceptor's thread
  std::shared_ptr<ConnectionLimiter> limiter;
  int64_t last_accept_warning = 0;  // steady seconds; only touched by the acceptor's thread
  std::shared_ptr<ConnectionRegistry> registry = std::make_shared<ConnectionRegistry>();
  query::QueryProcessor* processor = nullptr;
  ConnectionLimits limits;
  asio::ssl::context* tls = nullptr;
  std::shared_ptr<ClientRegistry> clients;  // system_views.clients; may be null
  size_t next_context = 0;  // only touched by the acceptor's thread
  bool stopped = false;
};

void CqlServer::Impl::Accept() {
  asio::io_context& target = *contexts[next_context];
  next_context = (next_context + 1) % contexts.size();
  acceptor->async_accept(target, [this](const asio::error_code& error,
                                        asio::ip::tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (error) {
      // Out of file descriptors: close the connections waiting in the backlog (they would hang
      // otherwise), then try again shortly rather than spin (issue 9, item 6).
      int shed = 0;
      if (error == asio::error::no_descriptors || error.value() == ENFILE) {
        shed = spare_fd.ShedPending(acceptor->native_handle());
      }
      const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count();
      if (now != last_accept_warning) {
        last_accept_warning = now;
        spdlog::warn("CQL: accept failed: {} ({} waiting connections closed)", error.message(),
                     shed);
      }
      retry_timer->expires_after(std::chrono::milliseconds(100));
      retry_timer->async_wait([this](const asio::error_code& e) {
        if (!e && acceptor->is_open()) Accept();
      });
      return;
    }
    asio::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    auto ticket = limiter->TryAcquire(ec ? std::string() : endpoint.address().to_string());
    if (!ticket) {
      socket.close(ec);  // over a cap: closed at once, as Cassandra's ConnectionLimitHandler
      Accept();
      return;
    }
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    auto connection = std::make_shared<Connection>(std::move(socket), *processor, workers,
                                                   registry, limits, tls, std::move(*ticket),
                                                   clients.get());
    if (registry->Add(connection)) {
      connection->Start();
    } else {
      connection->Close();  // shutting down
    }
    Accept();
  });
}

CqlServer::CqlServer(query::QueryProcessor& processor, CqlServerOptions options)
    : options_(std::move(options)), processor_(processor) {}

CqlServer::~CqlServer() { Stop(); }

Status CqlServer::Start() {
  const int cores = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  const int io_threads = options_.io_threads > 0 ? options_.io_threads : cores;
  const int worker_threads =
      options_.worker_threads > 0 ? options_.worker_threads : std::max(4, 2 * io_threads);
  impl_ = std::make_unique<Impl>(static_cast<size_t>(worker_threads));
  impl_->processor = &processor_;
  impl_->limits = options_.limits;
  impl_->limiter = options_.limiter ? options_.limiter
                                    : std::make_shared<ConnectionLimiter>(-1, -1);
  impl_->tls = options_.tls;
  impl_->clients = options_.clients;
  for (int i = 0; i < io_threads; ++i) {
    impl_->contexts.push_back(std::make_unique<asio::io_context>(1));
    impl_->guards.push_back(asio::make_work_guard(*impl_->contexts.back()));
  }

  asio::error_code ec;
  const auto address = asio::ip::make_address(options_.listen_address, ec);
  if (ec) {
    return Status(ErrorCode::kInvalidArgument,
                  fmt::format("Invalid listen address '{}': {}", options_.listen_address,
                              ec.message()));
  }
  const asio::ip::tcp::endpoint endpoint(address, options_.port);
  impl_->acceptor = std::make_unique<asio::ip::tcp::acceptor>(*impl_->contexts[0]);
  impl_->retry_timer = std::make_unique<asio::steady_timer>(*impl_->contexts[0]);
  auto& acceptor = *impl_->acceptor;
  const auto fail = [&](const asio::error_code& error) {
    return Status(ErrorCode::kIOError, fmt::format("Cannot listen on {}:{}: {}",
                                                   options_.listen_address, options_.port,
                                                   error.message()));
  };
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail(ec);
  if (acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec); ec) return fail(ec);
  if (acceptor.bind(endpoint, ec); ec) return fail(ec);
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail(ec);
  bound_port_ = acceptor.local_endpoint(ec).port();

  // The listener holds the registry, not the server: an event after Stop() finds it closed.
  processor_.AddSchemaListener(
      [registry = impl_->registry](const cql::protocol::SchemaChangeResult& change) {
        registry->BroadcastSchemaChange(change);
      });

  impl_->Accept();
  for (auto& context : impl_->contexts) {
    impl_->threads.emplace_back([context = context.get()] {
      for (;;) {
        try {
          context->run();
          return;
        } catch (const std::exception& e) {
          // A handler escaped its own boundary: keep the loop (and other connections) alive.
          spdlog::error("CQL: event loop caught an exception: {}", e.what());
        }
      }
    });
  }
  return Status::OK();
}

void CqlServer::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  // 1. Stop accepting (on the acceptor's own thread), 2. close connections, 3. wait for running
  // requests, 4. let the event loops run out of work and join them.
  asio::post(*impl_->contexts[0], [impl = impl_.get()] {
    asio::error_code ec;
    impl->acceptor->close(ec);
    impl->retry_timer->cancel();
  });
  impl_->registry->CloseAll();
  impl_->workers.join();
  // Answers waiting for the group commit's fsync (issue 14) are posted to the event loops while
  // they still run.
  std::promise<void> durable;
  processor_.WhenDurable([&durable](const Status&) { durable.set_value(); });
  durable.get_future().wait();
  impl_->guards.clear();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

void CqlServer::BroadcastNodeEvent(const std::string& type, const std::string& body) {
  if (impl_) impl_->registry->BroadcastNodeEvent(type, body);  // issue 15
}

size_t CqlServer::connection_count() const { return impl_ ? impl_->registry->size() : 0; }

}  // namespace sibyl::server
