#include "http/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <thread>

#include "common/fd_reserve.h"
#include "common/utf8.h"
#include "http/request.h"
#include "http/router.h"

namespace sibyl::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Paths are quoted in the log up to this many bytes.
constexpr size_t kMaxLoggedPath = 256;
// What a closing connection reads and discards at most before it closes.
constexpr size_t kMaxDrainBytes = 32 * 1024 * 1024;

beast::tcp_stream& Lowest(beast::tcp_stream& s) { return s; }
beast::tcp_stream& Lowest(TlsStream& s) { return beast::get_lowest_layer(s); }

// One client connection: read a request, answer it, repeat while keep-alive. `Stream` is a
// plain TCP stream or a TLS one (HTTPS). One request at a time: the next is read only after
// the answer is written (so a delayed answer also holds back the client's next attempt).
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, const RequestHandler& handler, net::thread_pool& workers,
          size_t max_body)
      : stream_(std::move(stream)),
        handler_(handler),
        workers_(workers),
        max_body_(max_body),
        delay_timer_(stream_.get_executor()) {}

  void Start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      Lowest(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;  // not TLS, or a failed handshake: drop it
                                self->Read();
                              });
    } else {
      Read();
    }
  }

 private:
  // The header first, so that its limits and the route's body limit are known before any of
  // the body is read (issue 9 item 8).
  void Read() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(max_body_);  // the largest any route takes; the route's is set below
    Lowest(stream_).expires_after(std::chrono::seconds(60));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    const auto& header = parser_->get();
    const std::string_view target(header.target().data(), header.target().size());
    if (target.size() > kMaxTargetBytes) {
      return Refuse(414, "URITooLong",
                    fmt::format("The request target is longer than {} bytes.", kMaxTargetBytes));
    }
    if (static_cast<size_t>(std::distance(header.begin(), header.end())) > kMaxHeaderFields) {
      return Refuse(431, "RequestHeaderFieldsTooLarge",
                    fmt::format("The request has more than {} header fields.", kMaxHeaderFields));
    }
    const size_t limit = std::min(max_body_, MaxBodyBytes(target));
    if (parser_->content_length() && *parser_->content_length() > limit) {
      return OnRead(bhttp::error::body_limit);
    }
    parser_->body_limit(limit);  // chunked bodies are counted as they come
    if (parser_->is_done()) return OnRead({});
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        self->OnRead(ec);
                      });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == bhttp::error::partial_message) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) {
      const auto target = parser_->get().target();
      return Refuse(413, "RequestEntityTooLarge",
                    fmt::format("The request body is larger than {} bytes.",
                                std::min(max_body_, MaxBodyBytes({target.data(), target.size()}))));
    }
    if (ec == bhttp::error::header_limit) {
      return Refuse(431, "RequestHeaderFieldsTooLarge",
                    fmt::format("The request header is larger than {} bytes.", kMaxHeaderBytes));
    }
    if (ec) {
      // Malformed: answer 400 and close; never take the server down.
      return Refuse(400, "BadRequest", "Bad Request: " + ec.message());
    }
    auto req = parser_->release();
    Request request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(req.body());
    beast::error_code remote_ec;
    auto endpoint = Lowest(stream_).socket().remote_endpoint(remote_ec);
    if (!remote_ec) request.remote_address = endpoint.address().to_string();
    request.secure = std::is_same_v<Stream, TlsStream>;
    const bool keep_alive = req.keep_alive();
    // The handler runs on a worker; the answer is written from this connection's loop.
    net::post(workers_, [self = this->shared_from_this(), request = std::move(request),
                         keep_alive]() mutable {
      Response response;
      try {
        response = self->handler_(request);
      } catch (const std::exception& e) {
        spdlog::error("HTTP: {} {} failed: {}", request.method,
                      Utf8Prefix(request.Path(), kMaxLoggedPath), e.what());
        response = Response{500, "text/plain", "Internal Server Error\n"};
      }
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response), keep_alive]() mutable {
                  self->Respond(std::move(response), keep_alive);
                });
    });
  }

  // A request refused before its handler: answered in its door's error shape, then the
  // connection is closed (its framing, or the unread body, cannot be trusted).
  void Refuse(int status, const std::string& code, const std::string& message) {
    const auto target = parser_->get().target();
    Respond(RequestError(status, {target.data(), target.size()}, code, message), false);
  }

  void Respond(Response response, bool keep_alive) {
    if (response.delay.count() > 0) {
      // A refused sign-in (LoginBrake): wait on a timer, not a worker.
      const auto delay = response.delay;
      response.delay = std::chrono::milliseconds(0);
      delay_timer_.expires_after(delay);
      delay_timer_.async_wait([self = this->shared_from_this(), response = std::move(response),
                               keep_alive](beast::error_code ec) mutable {
        if (ec) return self->Close();
        self->Respond(std::move(response), keep_alive);
      });
      return;
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->result(static_cast<bhttp::status>(response.status));
    res->version(11);
    res->set(bhttp::field::server, "Sibyl");
    res->set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res->insert(name, value);
    res->keep_alive(keep_alive);
    res->body() = std::move(response.body);
    res->prepare_payload();
    Lowest(stream_).expires_after(std::chrono::seconds(60));
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res, keep_alive](beast::error_code ec,
                                                                          size_t) {
                         if (ec) return self->Close();
                         if (!keep_alive) return self->LingerAndClose();
                         self->Read();
                       });
  }

  // After the last answer: stop sending, then read and discard what the client still sends
  // (the rest of a refused body) for a while, so that the kernel does not reset the connection
  // before the client has read the answer.
  void LingerAndClose() {
    Close();
    Lowest(stream_).expires_after(std::chrono::seconds(5));
    Drain(0);
  }

  void Drain(size_t drained) {
    if (drained > kMaxDrainBytes) return;
    stream_.async_read_some(net::buffer(drain_chunk_),
                            [self = this->shared_from_this(), drained](beast::error_code ec,
                                                                        size_t n) {
                              if (ec) return;
                              self->Drain(drained + n);
                            });
  }

  void Close() {
    beast::error_code ec;
    Lowest(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const RequestHandler& handler_;
  net::thread_pool& workers_;
  size_t max_body_;
  net::steady_timer delay_timer_;
  std::array<char, 16 * 1024> drain_chunk_{};
};

}  // namespace

struct HttpServer::Impl {
  Impl(RequestHandler handler, HttpServerOptions options)
      : handler(std::move(handler)),
        options(std::move(options)),
        workers(static_cast<size_t>(std::max(1, this->options.worker_threads))),
        acceptor(io) {}

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted) return;
        // issue 9 item 6: at the descriptor limit accept fails at once, again and again. Close
        // the connections waiting in the backlog (with the spare descriptor) and retry after a
        // pause instead of spinning.
        if (ec == net::error::no_descriptors || ec.value() == ENFILE) {
          spare_fd.ShedPending(acceptor.native_handle());
        }
        accept_retry.expires_after(std::chrono::milliseconds(100));
        accept_retry.async_wait([this](beast::error_code e) {
          if (!e && acceptor.is_open()) Accept();
        });
        return;
      }
      if (tls) {
        std::make_shared<Session<TlsStream>>(TlsStream(beast::tcp_stream(std::move(socket)), *tls),
                                             handler, workers, options.max_body_bytes)
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                     handler, workers, options.max_body_bytes)
            ->Start();
      }
      Accept();
    });
  }

  RequestHandler handler;
  HttpServerOptions options;
  net::thread_pool workers;
  std::unique_ptr<net::ssl::context> tls;  // HTTPS when set
  net::io_context io;
  tcp::acceptor acceptor;
  net::steady_timer accept_retry{io};  // Accept() after an accept error
  FdReserve spare_fd;                  // for ShedPending at the descriptor limit
  std::thread thread;
  int port = 0;
};

HttpServer::HttpServer(RequestHandler handler, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(handler), std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  beast::error_code ec;
  if (!impl_->options.tls_cert.empty()) {
    impl_->tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    impl_->tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                            net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                            net::ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain_file(impl_->options.tls_cert, ec);
    if (!ec) impl_->tls->use_private_key_file(impl_->options.tls_key, net::ssl::context::pem, ec);
    if (ec) return Status(ErrorCode::kIOError, "cannot load the HTTPS certificate: " + ec.message());
  }
  auto address = net::ip::make_address(impl_->options.listen_address, ec);
  if (ec) return Status(ErrorCode::kIOError, "bad listen address " + impl_->options.listen_address);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(impl_->options.port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(ErrorCode::kIOError,
                  fmt::format("cannot listen on {}:{}: {}", impl_->options.listen_address,
                              impl_->options.port, ec.message()));
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return Status::OK();
}

void HttpServer::Stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  net::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->io.stop();
  impl_->thread.join();
  impl_->workers.join();
}

int HttpServer::port() const { return impl_->port; }

}  // namespace sibyl::http
