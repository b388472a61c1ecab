#pragma once
// A read buffer whose short read tells Asio the socket is drained (issue 14).
//
// Asio's epoll reactor registers a socket once, edge-triggered, and keeps a flag per descriptor,
// "try speculative": set by every readiness event, cleared only when a read returns
// `done_and_exhausted`, which Asio's own stream read returns for EOF alone. While the flag is set,
// starting a read first tries the read at once. So after every request the next read was tried
// at once, and at 1 request in flight it always found nothing: a `recvfrom` returning EAGAIN per
// request, ~10% of the server's CPU for point reads at 1 in flight.
//
// A TCP `recv` that returns fewer bytes than asked took everything the socket had: the kernel
// copies from its receive queue (and the backlog of packets that came meanwhile) until the buffer
// is full or both are empty. Data that comes later raises a new edge, and its event sets the flag
// again. So a short read may end the speculation as EOF does, and the next read waits for epoll
// without a syscall (a pending read needs no epoll_ctl). A full read keeps the flag: more may be
// waiting. One exception, harmless: a read stops at TCP urgent data (MSG_OOB, which no CQL client
// sends), so what follows it waits for the client's next packet. Only that connection waits, and
// its idle timeout still applies.
//
// This is Asio's read operation for one buffer type of ours, `DrainingBuffer`, with that one rule
// changed. It depends on Asio's internals, so it is compiled only for the Asio it was written
// against (Debian 12's 1.22.1, epoll reactor); with any other, `DrainingBuffer` is an ordinary
// buffer and reads behave as before.
//
// A TLS connection's reads of the socket are Asio's SSL stream's, into its own buffer: it reads
// through `DrainingSocket`, which passes that buffer on as a DrainingBuffer.

#include <asio/buffer.hpp>
#include <asio/detail/config.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/socket_base.hpp>
#include <asio/version.hpp>
#include <cstddef>
#include <utility>

namespace sibyl::server {

struct DrainingBuffer : asio::mutable_buffer {
  DrainingBuffer(void* data, std::size_t size) : asio::mutable_buffer(data, size) {}
};

// The asynchronous stream an asio::ssl::stream runs over: a TCP socket (not owned) whose reads
// take the first buffer of their sequence as a DrainingBuffer (the SSL stream passes one).
class DrainingSocket {
 public:
  using executor_type = asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = asio::ip::tcp::socket::lowest_layer_type;

  explicit DrainingSocket(asio::ip::tcp::socket& socket) : socket_(socket) {}

  executor_type get_executor() { return socket_.get_executor(); }
  lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
  const lowest_layer_type& lowest_layer() const { return socket_.lowest_layer(); }

  template <typename MutableBuffers, typename Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    const asio::mutable_buffer first = *asio::buffer_sequence_begin(buffers);
    return socket_.async_read_some(DrainingBuffer(first.data(), first.size()),
                                   std::forward<Handler>(handler));
  }
  template <typename ConstBuffers, typename Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return socket_.async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  asio::ip::tcp::socket& socket_;
};

}  // namespace sibyl::server

#if ASIO_VERSION == 102201 && defined(ASIO_HAS_EPOLL) && !defined(ASIO_HAS_IO_URING_AS_DEFAULT)
#define SIBYL_DRAINING_READ 1
#include <asio/detail/reactive_socket_recv_op.hpp>

namespace asio::detail {

// Asio 1.22.1's reactive_socket_recv_op_base (asio/detail/reactive_socket_recv_op.hpp), for one
// buffer, with a short stream read also `done_and_exhausted`.
template <>
class reactive_socket_recv_op_base<sibyl::server::DrainingBuffer> : public reactor_op {
 public:
  reactive_socket_recv_op_base(const asio::error_code& success_ec, socket_type socket,
                               socket_ops::state_type state,
                               const sibyl::server::DrainingBuffer& buffers,
                               socket_base::message_flags flags, func_type complete_func)
      : reactor_op(success_ec, &reactive_socket_recv_op_base::do_perform, complete_func),
        socket_(socket),
        state_(state),
        buffer_(buffers),
        flags_(flags) {}

  static status do_perform(reactor_op* base) {
    auto* o = static_cast<reactive_socket_recv_op_base*>(base);
    const bool is_stream = (o->state_ & socket_ops::stream_oriented) != 0;
    status result = socket_ops::non_blocking_recv1(o->socket_, o->buffer_.data(),
                                                   o->buffer_.size(), o->flags_, is_stream,
                                                   o->ec_, o->bytes_transferred_)
                        ? done
                        : not_done;
    // EOF (0 bytes), as Asio's own, and also a short read: the socket had no more then.
    if (result == done && is_stream && !o->ec_ && o->bytes_transferred_ < o->buffer_.size()) {
      result = done_and_exhausted;
    }
    return result;
  }

 private:
  socket_type socket_;
  socket_ops::state_type state_;
  asio::mutable_buffer buffer_;
  socket_base::message_flags flags_;
};

}  // namespace asio::detail
#endif
