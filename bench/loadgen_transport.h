#pragma once
// bench/loadgen's byte stream of one connection (issue 14): the TCP socket itself, or TLS over it
// (OpenSSL), so that one client loop measures a server's plain and TLS ports alike.
//
// TLS here checks no certificate: a benchmark connects to a server it just started, with a
// certificate made for the run (bench/compare.sh --tls). It negotiates what OpenSSL's defaults
// and the server agree on (TLS 1.3 with Debian 12's OpenSSL 3.0), as a driver would.
#include <openssl/ssl.h>
#include <sys/types.h>

#include <memory>
#include <string>

namespace loadgen {

// What a send or receive that moved no bytes ran into.
enum class IoState {
  kAgain,   // nothing now: wait for the socket (TLS may wait for reading while sending, and back)
  kClosed,  // the peer closed the stream
  kFailed,  // an error; its text is in *error
};

// A client TLS context: one per run, shared by the connections (read-only after Make).
class TlsClient {
 public:
  static std::unique_ptr<TlsClient> Make(std::string* error);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // The handshake over the blocking, connected socket `fd`; null on failure (*error set).
  SSL* Connect(int fd, const std::string& host, std::string* error) const;

 private:
  explicit TlsClient(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* const ctx_;
};

// One connection's stream; `ssl` null for plain TCP. Send and Recv return the bytes moved (> 0),
// or 0 with *state set.
struct Stream {
  int fd = -1;
  SSL* ssl = nullptr;

  ssize_t Send(const char* data, size_t size, IoState* state, std::string* error);
  ssize_t Recv(char* into, size_t size, IoState* state, std::string* error);
  // Bytes TLS has decrypted and holds: readable without the socket becoming readable.
  bool Buffered() const { return ssl != nullptr && SSL_pending(ssl) > 0; }
  void Close();
};

}  // namespace loadgen
