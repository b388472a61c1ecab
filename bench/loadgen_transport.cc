#include "loadgen_transport.h"

#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace loadgen {
namespace {

std::string OpenSslError(const char* what) {
  std::string text = what;
  unsigned long code = ERR_get_error();
  if (code == 0) return text + ": " + std::strerror(errno);
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return text + ": " + buf;
}

// The state of a TLS call that returned `rc` <= 0.
IoState TlsState(SSL* ssl, int rc, const char* what, std::string* error) {
  switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return IoState::kAgain;
    case SSL_ERROR_ZERO_RETURN:
      return IoState::kClosed;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0 && (errno == 0 || errno == ECONNRESET || errno == EPIPE)) {
        return IoState::kClosed;
      }
      [[fallthrough]];
    default:
      *error = OpenSslError(what);
      return IoState::kFailed;
  }
}

}  // namespace

std::unique_ptr<TlsClient> TlsClient::Make(std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    *error = OpenSslError("TLS context");
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // see the header
  // A send may be resumed with the same bytes from a moved buffer (the loop appends to it).
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  return std::unique_ptr<TlsClient>(new TlsClient(ctx));
}

TlsClient::~TlsClient() { SSL_CTX_free(ctx_); }

SSL* TlsClient::Connect(int fd, const std::string& host, std::string* error) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) {
    *error = OpenSslError("TLS session");
    return nullptr;
  }
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, host.c_str());
  if (SSL_connect(ssl) != 1) {
    *error = OpenSslError("TLS handshake");
    SSL_free(ssl);
    return nullptr;
  }
  return ssl;
}

ssize_t Stream::Send(const char* data, size_t size, IoState* state, std::string* error) {
  for (;;) {
    if (ssl != nullptr) {
      size_t written = 0;
      const int rc = SSL_write_ex(ssl, data, size, &written);
      if (rc == 1) return ssize_t(written);
      *state = TlsState(ssl, rc, "TLS send", error);
      return 0;
    }
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n > 0) return n;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      *state = IoState::kAgain;
    } else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      *state = IoState::kClosed;
    } else {
      *state = IoState::kFailed;
      *error = std::string("send: ") + std::strerror(errno);
    }
    return 0;
  }
}

ssize_t Stream::Recv(char* into, size_t size, IoState* state, std::string* error) {
  for (;;) {
    if (ssl != nullptr) {
      size_t read = 0;
      const int rc = SSL_read_ex(ssl, into, size, &read);
      if (rc == 1) return ssize_t(read);
      *state = TlsState(ssl, rc, "TLS receive", error);
      return 0;
    }
    const ssize_t n = recv(fd, into, size, 0);
    if (n > 0) return n;
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      *state = IoState::kClosed;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      *state = IoState::kAgain;
    } else {
      *state = IoState::kFailed;
      *error = std::string("recv: ") + std::strerror(errno);
    }
    return 0;
  }
}

void Stream::Close() {
  if (ssl != nullptr) SSL_free(ssl);  // no close_notify: the run is over
  ssl = nullptr;
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace loadgen
