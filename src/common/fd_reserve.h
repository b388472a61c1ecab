#pragma once
// FdReserve: one spare file descriptor for an acceptor. At the descriptor limit accept() fails
// with EMFILE and the connections waiting in the backlog would never be answered (issue 9, item
// 6: 1,000 sockets hung, and an acceptor that retried at once spun at 100% CPU). With a spare,
// the acceptor can free it, accept and close the waiting connections (their clients see the
// connection closed at once), take the spare back, and retry later.
//
// Not thread-safe: one per acceptor, used on the acceptor's thread. POSIX only; header-only so
// that the CQL and HTTP listeners share it.

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sibyl {

class FdReserve {
 public:
  FdReserve() { Acquire(); }
  ~FdReserve() { Release(); }
  FdReserve(const FdReserve&) = delete;
  FdReserve& operator=(const FdReserve&) = delete;

  // Accepts and closes up to `max` connections waiting on the listening socket `listen_fd`,
  // with the spare descriptor freed meanwhile. Returns how many were closed. Never blocks (the
  // socket is made non-blocking, as the event loop keeps it anyway).
  int ShedPending(int listen_fd, int max = 1024) {
    const int flags = fcntl(listen_fd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK) == 0) fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK);
    Release();
    int closed = 0;
    while (closed < max) {
      const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) break;  // none waiting (EAGAIN), or still out of descriptors
      close(fd);
      ++closed;
    }
    Acquire();
    return closed;
  }

 private:
  void Acquire() {
    if (fd_ < 0) fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  void Release() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
};

}  // namespace sibyl
