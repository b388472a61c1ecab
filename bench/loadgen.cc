// bench/loadgen (issue 14): one closed-loop client for CQL native protocol v4 (Sibyl, Cassandra)
// and RESP (Redis), so that both servers are measured by the same loop. N connections, each with
// K requests in flight (CQL: stream ids; Redis: pipelining, answers in order), over one epoll loop
// per thread. Writes are prepared INSERTs / SET, reads prepared point SELECTs / GET, at
// consistency ONE, of --value-size random bytes under uniform keys in [0, --keys).
//
// Every answer is checked (frame, opcode, result kind, row count, value length); an error answer,
// a malformed frame, a lost connection or a request still unanswered at the end counts as an
// error, is reported and makes the exit status 1. Output: a human line and a JSON line.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "loadgen_histogram.h"
#include "loadgen_protocol.h"
#include "loadgen_transport.h"

namespace loadgen {
namespace {

enum class Protocol { kCql, kRedis };
enum class Workload { kWrite, kRead, kMixed };
enum class Op : uint8_t { kWrite, kRead };

struct Options {
  Protocol protocol = Protocol::kCql;
  std::string host = "127.0.0.1";
  int port = 0;
  int connections = 50;
  int depth = 1;
  int threads = 1;
  Workload workload = Workload::kWrite;
  int read_percent = 50;  // of a mixed run's requests
  uint64_t keys = 100000;
  size_t value_size = 100;
  double duration = 10;
  double warmup = 0;
  bool populate = false;
  std::string user;
  std::string password;
  std::string keyspace = "bench";
  bool create_schema = true;
  int server_pid = 0;
  bool tls = false;
  uint64_t seed = 1;
  double drain_timeout = 5;
  double settle = 0;  // seconds at most to wait for an idle server (0: do not wait)
};

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

// ---- errors: counted by kind, the first few messages kept for stderr ---------------------------
struct ErrorLog {
  std::mutex mu;
  std::vector<std::string> samples;
  void Note(const std::string& what) {
    std::lock_guard lock(mu);
    if (samples.size() < 8) samples.push_back(what);
  }
};
ErrorLog g_errors;

struct Counters {
  uint64_t ops = 0;            // completed within the phase's time (throughput)
  uint64_t completed = 0;      // every answered request, drain included (CPU per op)
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t error_responses = 0;  // ERROR frames / -ERR replies
  uint64_t bad_responses = 0;    // malformed or unexpected answers
  uint64_t missing = 0;          // reads of populated keys that found nothing
  uint64_t lost = 0;             // in flight on a connection that failed
  uint64_t timeouts = 0;         // unanswered at the end of the drain
  uint64_t errors() const { return error_responses + bad_responses + missing + lost + timeouts; }
  void Add(const Counters& o) {
    ops += o.ops;
    completed += o.completed;
    hits += o.hits;
    misses += o.misses;
    error_responses += o.error_responses;
    bad_responses += o.bad_responses;
    missing += o.missing;
    lost += o.lost;
    timeouts += o.timeouts;
  }
};

// ---- one connection ------------------------------------------------------------------------------
struct Slot {
  uint64_t start_ns = 0;
  Op op = Op::kWrite;
  bool busy = false;
};

struct Connection {
  Stream stream;  // plain TCP, or TLS over it (--tls)
  bool dead = false;
  std::vector<uint8_t> in;  // fixed capacity: the largest answer plus a read's worth
  size_t in_len = 0;
  std::string out;
  size_t out_off = 0;
  bool want_write = false;
  std::vector<Slot> slots;          // CQL: by stream id; Redis: a ring in send order
  std::vector<int16_t> free_streams;
  size_t ring_head = 0;             // Redis: oldest request
  size_t inflight = 0;
  std::string insert_id, select_id;  // CQL prepared statement ids
};

// ---- blocking set-up: connect, handshake, schema, prepare -----------------------------------------
class Setup {
 public:
  explicit Setup(const Options& o) : o_(o) {}

  int Connect(std::string* error) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    const std::string port = std::to_string(o_.port);
    if (int rc = getaddrinfo(o_.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
      *error = std::string("resolve ") + o_.host + ": " + gai_strerror(rc);
      return -1;
    }
    int fd = -1;
    for (addrinfo* a = res; a; a = a->ai_next) {
      fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
      *error = "connect " + o_.host + ":" + port + ": " + std::strerror(errno);
      close(fd);
      fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
  }

  // Set-up runs on blocking sockets: a send moves bytes or fails.
  bool SendAll(Stream& stream, const std::string& data, std::string* error) {
    size_t off = 0;
    while (off < data.size()) {
      IoState state;
      const ssize_t n = stream.Send(data.data() + off, data.size() - off, &state, error);
      if (n == 0) {
        if (state == IoState::kClosed) *error = "send: the server closed the connection";
        if (state == IoState::kAgain) *error = "send: the socket would block during set-up";
        return false;
      }
      off += size_t(n);
    }
    return true;
  }

  // Reads until `decode` frames one answer (10 s at most); leftover bytes stay in buf.
  template <typename Decode>
  bool ReadAnswer(Stream& stream, std::vector<uint8_t>& buf, size_t* len, Decode decode,
                  std::string* error) {
    const uint64_t deadline = NowNs() + 10'000'000'000ull;
    for (;;) {
      switch (decode()) {
        case Decoded::kOk:
          return true;
        case Decoded::kBad:
          return false;
        case Decoded::kNeedMore:
          break;
      }
      if (*len == buf.size()) {
        *error = "answer larger than the read buffer";
        return false;
      }
      const uint64_t now = NowNs();
      pollfd p{stream.fd, POLLIN, 0};
      if (!stream.Buffered() &&
          (now >= deadline || poll(&p, 1, int((deadline - now) / 1000000) + 1) <= 0)) {
        *error = "no answer within 10 s";
        return false;
      }
      IoState state;
      const ssize_t n =
          stream.Recv(reinterpret_cast<char*>(buf.data()) + *len, buf.size() - *len, &state, error);
      if (n == 0) {
        if (state == IoState::kAgain) continue;  // TLS read a record that held no data
        if (state == IoState::kClosed) *error = "server closed the connection";
        return false;
      }
      *len += size_t(n);
    }
  }

  // One CQL request/answer; *payload is the answer's body after its optional prefix.
  bool CqlCall(Connection& c, const std::string& request, cql::Frame* frame,
               std::string* payload, std::string* error) {
    if (!SendAll(c.stream, request, error)) return false;
    size_t consumed = 0;
    auto decode = [&] {
      return cql::DecodeFrame(c.in.data(), c.in_len, uint32_t(c.in.size() - cql::kHeaderSize),
                              frame, &consumed, error);
    };
    if (!ReadAnswer(c.stream, c.in, &c.in_len, decode, error)) return false;
    const uint8_t* p;
    size_t n;
    if (cql::ResponsePayload(*frame, &p, &n, nullptr, error) != Decoded::kOk) return false;
    payload->assign(reinterpret_cast<const char*>(p), n);
    std::memmove(c.in.data(), c.in.data() + consumed, c.in_len - consumed);
    c.in_len -= consumed;
    if (frame->stream != 0) {
      *error = "answer on stream " + std::to_string(frame->stream) + ", the request was on 0";
      return false;
    }
    if (frame->opcode == cql::kError) {
      *error = "server error: " + cql::DescribeError(
                                      reinterpret_cast<const uint8_t*>(payload->data()), n);
      return false;
    }
    return true;
  }

  bool CqlHandshake(Connection& c, std::string* error) {
    std::string req, payload;
    cql::Frame f;
    cql::AppendStartup(req, 0);
    if (!CqlCall(c, req, &f, &payload, error)) return false;
    if (f.opcode == cql::kAuthenticate) {
      if (o_.user.empty()) {
        *error = "the server asks for a login (AUTHENTICATE): pass --user and --password";
        return false;
      }
      req.clear();
      cql::AppendPlainAuthResponse(req, 0, o_.user, o_.password);
      if (!CqlCall(c, req, &f, &payload, error)) return false;
      if (f.opcode != cql::kAuthSuccess) {
        *error = "login answered with opcode " + std::to_string(f.opcode) +
                 " (only one-step SASL PLAIN is supported)";
        return false;
      }
    } else if (f.opcode != cql::kReady) {
      *error = "STARTUP answered with opcode " + std::to_string(f.opcode);
      return false;
    }
    return true;
  }

  bool CqlQuery(Connection& c, const std::string& query, std::string* error) {
    std::string req, payload;
    cql::Frame f;
    cql::AppendQuery(req, 0, query, cql::kConsistencyOne);
    if (!CqlCall(c, req, &f, &payload, error)) return false;
    if (f.opcode != cql::kResult) {
      *error = query + ": answered with opcode " + std::to_string(f.opcode);
      return false;
    }
    return true;
  }

  bool CqlPrepare(Connection& c, const std::string& query, std::string* id, std::string* error) {
    std::string req, payload;
    cql::Frame f;
    cql::AppendPrepare(req, 0, query);
    if (!CqlCall(c, req, &f, &payload, error)) return false;
    if (f.opcode != cql::kResult ||
        cql::ParsePrepared(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), id,
                           error) != Decoded::kOk) {
      *error = "PREPARE " + query + ": " + *error;
      return false;
    }
    return true;
  }

  bool RedisAuth(Connection& c, std::string* error) {
    if (o_.password.empty()) return true;
    std::string req;
    std::vector<std::string_view> args = {"AUTH"};
    if (!o_.user.empty()) args.push_back(o_.user);
    args.push_back(o_.password);
    resp::AppendCommand(req, args.data(), args.size());
    if (!SendAll(c.stream, req, error)) return false;
    resp::Reply reply;
    size_t consumed = 0;
    auto decode = [&] {
      return resp::DecodeReply(c.in.data(), c.in_len, c.in.size(), &reply, &consumed, error);
    };
    if (!ReadAnswer(c.stream, c.in, &c.in_len, decode, error)) return false;
    if (reply.type != resp::ReplyType::kSimple) {
      *error = "AUTH: " + std::string(reply.text);
      return false;
    }
    std::memmove(c.in.data(), c.in.data() + consumed, c.in_len - consumed);
    c.in_len -= consumed;
    return true;
  }

 private:
  const Options& o_;
};

std::string Table(const Options& o) { return o.keyspace + ".kv"; }

// ---- the client loop -----------------------------------------------------------------------------
enum class Phase { kPopulate, kRun };

struct PhaseShared {
  Phase phase = Phase::kRun;
  bool populated = false;
  uint64_t end_ns = 0;  // stop issuing at this time
  std::atomic<uint64_t> next_key{0};
};

class Worker {
 public:
  Worker(const Options& o, std::vector<Connection*> conns, uint64_t seed)
      : o_(o), conns_(std::move(conns)), rng_(seed * 0x9E3779B97F4A7C15ull + 1) {
    value_.resize(o.value_size);
    for (auto& ch : value_) ch = char('a' + Next() % 26);
  }

  void Run(PhaseShared& shared) {
    shared_ = &shared;
    hist_.Reset();
    counters_ = Counters{};
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (Connection* c : conns_) {
      if (c->dead) continue;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = c;
      epoll_ctl(ep, EPOLL_CTL_ADD, c->stream.fd, &ev);
      c->want_write = false;
      const uint64_t now = NowNs();
      while (c->inflight < size_t(o_.depth) && Issue(*c, now)) {
      }
      Flush(*c, ep);
    }
    uint64_t drain_end = 0;
    std::vector<epoll_event> events(64);
    for (;;) {
      const uint64_t now = NowNs();
      const bool issuing = now < shared.end_ns && !PopulateDone();
      size_t inflight = 0, alive = 0;
      for (Connection* c : conns_) {
        inflight += c->inflight;
        alive += !c->dead;
      }
      if (alive == 0 || (inflight == 0 && !issuing)) break;
      if (!issuing) {
        if (drain_end == 0) drain_end = now + uint64_t(o_.drain_timeout * 1e9);
        if (now >= drain_end) {
          for (Connection* c : conns_) {
            if (c->dead) continue;
            counters_.timeouts += c->inflight;
            if (c->inflight) g_errors.Note(std::to_string(c->inflight) + " requests unanswered");
            Kill(*c, ep, nullptr);
          }
          break;
        }
      }
      const uint64_t until = issuing ? shared.end_ns : drain_end;
      const int timeout_ms = int(std::min<uint64_t>((until - now) / 1000000 + 1, 100));
      const int n = epoll_wait(ep, events.data(), int(events.size()), timeout_ms);
      for (int i = 0; i < n; ++i) {
        Connection& c = *static_cast<Connection*>(events[i].data.ptr);
        if (c.dead) continue;
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) Read(c, ep);
        if (!c.dead && (events[i].events & EPOLLOUT)) Flush(c, ep);
      }
    }
    for (Connection* c : conns_) {
      if (!c->dead) epoll_ctl(ep, EPOLL_CTL_DEL, c->stream.fd, nullptr);
    }
    close(ep);
  }

  const Histogram& histogram() const { return hist_; }
  const Counters& counters() const { return counters_; }

 private:
  uint64_t Next() {  // xorshift64*
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    return rng_ * 2685821657736338717ull;
  }

  bool PopulateDone() const {
    return shared_->phase == Phase::kPopulate && shared_->next_key.load() >= o_.keys;
  }

  // Queues one request on c; false when nothing more is to be issued.
  bool Issue(Connection& c, uint64_t now) {
    if (c.dead || now >= shared_->end_ns) return false;
    uint64_t key;
    Op op;
    if (shared_->phase == Phase::kPopulate) {
      key = shared_->next_key.fetch_add(1);
      if (key >= o_.keys) return false;
      op = Op::kWrite;
    } else {
      key = Next() % o_.keys;
      op = o_.workload == Workload::kWrite  ? Op::kWrite
           : o_.workload == Workload::kRead ? Op::kRead
                                            : (int(Next() % 100) < o_.read_percent ? Op::kRead
                                                                                    : Op::kWrite);
    }
    Slot* slot;
    if (o_.protocol == Protocol::kCql) {
      const int16_t stream = c.free_streams.back();
      c.free_streams.pop_back();
      slot = &c.slots[size_t(stream)];
      char key_bytes[8];
      for (int i = 0; i < 8; ++i) key_bytes[i] = char(key >> (56 - 8 * i));
      const std::string_view values[] = {std::string_view(key_bytes, 8), value_};
      if (op == Op::kWrite) {
        cql::AppendExecute(c.out, stream, c.insert_id, values, 2, false);
      } else {
        cql::AppendExecute(c.out, stream, c.select_id, values, 1, true);
      }
    } else {
      slot = &c.slots[(c.ring_head + c.inflight) % c.slots.size()];
      char key_text[32] = "key:";
      const char* end = std::to_chars(key_text + 4, key_text + sizeof key_text, key).ptr;
      const std::string_view k(key_text, size_t(end - key_text));
      if (op == Op::kWrite) {
        resp::AppendSet(c.out, k, value_);
      } else {
        resp::AppendGet(c.out, k);
      }
    }
    slot->start_ns = now;
    slot->op = op;
    slot->busy = true;
    ++c.inflight;
    return true;
  }

  void Flush(Connection& c, int ep) {
    while (c.out_off < c.out.size()) {
      IoState state;
      std::string error;
      const ssize_t n =
          c.stream.Send(c.out.data() + c.out_off, c.out.size() - c.out_off, &state, &error);
      if (n == 0 && state == IoState::kAgain) break;
      if (n == 0) {
        Kill(c, ep, state == IoState::kClosed ? "send: server closed a connection" : error.c_str());
        return;
      }
      c.out_off += size_t(n);
    }
    if (c.out_off == c.out.size()) {
      c.out.clear();
      c.out_off = 0;
    }
    const bool want = c.out_off < c.out.size();
    if (want != c.want_write) {
      epoll_event ev{};
      ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
      ev.data.ptr = &c;
      epoll_ctl(ep, EPOLL_CTL_MOD, c.stream.fd, &ev);
      c.want_write = want;
    }
  }

  // The connection cannot be trusted any more: what it had in flight is lost.
  void Kill(Connection& c, int ep, const char* why) {
    if (why) g_errors.Note(why);
    counters_.lost += why ? c.inflight : 0;
    epoll_ctl(ep, EPOLL_CTL_DEL, c.stream.fd, nullptr);
    c.stream.Close();
    c.dead = true;
    c.inflight = 0;
  }

  void Read(Connection& c, int ep) {
    for (;;) {
      if (c.in_len == c.in.size()) {  // a full buffer that frames nothing: over the limit
        Kill(c, ep, "answer larger than the read buffer");
        return;
      }
      IoState state;
      std::string error;
      const ssize_t n = c.stream.Recv(reinterpret_cast<char*>(c.in.data()) + c.in_len,
                                      c.in.size() - c.in_len, &state, &error);
      if (n == 0 && state == IoState::kAgain) break;
      if (n == 0) {
        Kill(c, ep, state == IoState::kClosed ? "server closed a connection" : error.c_str());
        return;
      }
      c.in_len += size_t(n);
      const uint64_t now = NowNs();
      size_t off = 0;
      for (;;) {
        size_t consumed = 0;
        const Decoded d = o_.protocol == Protocol::kCql
                              ? CqlAnswer(c, off, now, &consumed, &error)
                              : RedisAnswer(c, off, now, &consumed, &error);
        if (d == Decoded::kNeedMore) break;
        if (d == Decoded::kBad) {
          ++counters_.bad_responses;
          Kill(c, ep, error.c_str());
          return;
        }
        off += consumed;
      }
      std::memmove(c.in.data(), c.in.data() + off, c.in_len - off);
      c.in_len -= off;
      while (c.inflight < size_t(o_.depth) && Issue(c, now)) {
      }
      // Likely drained; epoll (level-triggered) says if not. Bytes that TLS has already taken
      // off the socket never raise an event: read them now.
      if (size_t(n) < c.in.size() / 2 && !c.stream.Buffered()) break;
    }
    Flush(c, ep);
  }

  void Complete(Connection& c, Slot& slot, uint64_t now) {
    slot.busy = false;
    --c.inflight;
    ++counters_.completed;
    if (now <= shared_->end_ns) ++counters_.ops;
    hist_.Record(now - slot.start_ns);
  }

  void CheckValue(Op op, bool found, size_t len) {
    if (op != Op::kRead) return;
    if (!found) {
      ++counters_.misses;
      if (shared_->populated) {
        ++counters_.missing;
        g_errors.Note("a read of a populated key found nothing");
      }
      return;
    }
    ++counters_.hits;
    if (len != o_.value_size) {
      ++counters_.bad_responses;
      g_errors.Note("a read returned " + std::to_string(len) + " bytes, not " +
                    std::to_string(o_.value_size));
    }
  }

  Decoded CqlAnswer(Connection& c, size_t off, uint64_t now, size_t* consumed,
                    std::string* error) {
    cql::Frame f;
    const Decoded d = cql::DecodeFrame(c.in.data() + off, c.in_len - off,
                                       uint32_t(c.in.size() - cql::kHeaderSize), &f, consumed,
                                       error);
    if (d != Decoded::kOk) return d;
    if (f.stream < 0 || size_t(f.stream) >= c.slots.size() || !c.slots[size_t(f.stream)].busy) {
      *error = "answer on stream " + std::to_string(f.stream) + ", which has no request";
      return Decoded::kBad;
    }
    Slot& slot = c.slots[size_t(f.stream)];
    const uint8_t* p;
    size_t len;
    if (cql::ResponsePayload(f, &p, &len, nullptr, error) != Decoded::kOk) return Decoded::kBad;
    Complete(c, slot, now);
    c.free_streams.push_back(f.stream);
    if (f.opcode == cql::kError) {
      ++counters_.error_responses;
      g_errors.Note(cql::DescribeError(p, len));
      return Decoded::kOk;
    }
    std::string why;
    bool found = false;
    int32_t value_len = -1;
    const Decoded check =
        f.opcode != cql::kResult ? Decoded::kBad
        : slot.op == Op::kWrite  ? cql::ExpectResultKind(p, len, 1, &why)
                                 : cql::ParseSingleValueRows(p, len, &found, &value_len, &why);
    if (check != Decoded::kOk) {
      ++counters_.bad_responses;
      g_errors.Note(f.opcode != cql::kResult ? "answer opcode " + std::to_string(f.opcode) : why);
      return Decoded::kOk;
    }
    CheckValue(slot.op, found, size_t(std::max(value_len, 0)));
    return Decoded::kOk;
  }

  Decoded RedisAnswer(Connection& c, size_t off, uint64_t now, size_t* consumed,
                      std::string* error) {
    if (c.inflight == 0) {
      if (c.in_len > off) {
        *error = "a reply to no request";
        return Decoded::kBad;
      }
      return Decoded::kNeedMore;
    }
    resp::Reply reply;
    const Decoded d = resp::DecodeReply(c.in.data() + off, c.in_len - off, c.in.size(), &reply,
                                        consumed, error);
    if (d != Decoded::kOk) return d;
    Slot& slot = c.slots[c.ring_head];
    c.ring_head = (c.ring_head + 1) % c.slots.size();
    Complete(c, slot, now);
    if (reply.type == resp::ReplyType::kError) {
      ++counters_.error_responses;
      g_errors.Note(std::string(reply.text));
    } else if (slot.op == Op::kWrite) {
      if (reply.type != resp::ReplyType::kSimple || reply.text != "OK") {
        ++counters_.bad_responses;
        g_errors.Note("SET answered other than +OK");
      }
    } else if (reply.type == resp::ReplyType::kSimple) {
      ++counters_.bad_responses;
      g_errors.Note("GET answered a simple string");
    } else {
      CheckValue(slot.op, reply.type == resp::ReplyType::kBulk, reply.text.size());
    }
    return Decoded::kOk;
  }

  const Options& o_;
  std::vector<Connection*> conns_;
  uint64_t rng_;
  std::string value_;
  PhaseShared* shared_ = nullptr;
  Histogram hist_;
  Counters counters_;
};

// ---- CPU and memory ------------------------------------------------------------------------------
double ClientCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of /proc/<pid>/stat (fields 14 and 15, counted after the ")" of the name).
std::optional<double> ServerCpuSeconds(int pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 1));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::strtod(field.c_str(), nullptr);
  }
  return ticks / double(sysconf(_SC_CLK_TCK));
}

std::optional<double> ServerRssMb(int pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return std::nullopt;
}

// Waits until the server is idle: under kIdleCpu seconds of CPU in a kIdleWindow, at most
// `limit` seconds. What it leaves behind after a case (an LSM's flushes and compactions) is the
// case's cost as much as what it spent during it; after --populate, that set-up's is nobody's.
struct Settled {
  double seconds = 0;     // waited
  double cpu_seconds = 0;  // the server's CPU meanwhile
  bool idle = false;       // false: the limit came first
};
Settled WaitForIdleServer(int pid, double limit) {
  constexpr auto kIdleWindow = std::chrono::milliseconds(500);
  constexpr double kIdleCpu = 0.02;  // 4% of a core; /proc counts in ticks of 10 ms
  Settled settled;
  const std::optional<double> first = ServerCpuSeconds(pid);
  if (!first || limit <= 0) return settled;
  const uint64_t start = NowNs();
  double last = *first;
  while (double(NowNs() - start) / 1e9 < limit) {
    std::this_thread::sleep_for(kIdleWindow);
    const std::optional<double> now = ServerCpuSeconds(pid);
    if (!now) break;
    const double used = *now - last;
    last = *now;
    if (used < kIdleCpu) {
      settled.idle = true;
      break;
    }
  }
  settled.seconds = double(NowNs() - start) / 1e9;
  settled.cpu_seconds = last - *first;
  return settled;
}

// ---- phases --------------------------------------------------------------------------------------
struct PhaseResult {
  Histogram hist;
  Counters counters;
  double seconds = 0;
};

PhaseResult RunPhase(const Options& o, std::vector<Worker>& workers, Phase phase, double seconds,
                     bool populated) {
  PhaseShared shared;
  shared.phase = phase;
  shared.populated = populated;
  const uint64_t start = NowNs();
  shared.end_ns = start + uint64_t(seconds * 1e9);
  if (workers.size() == 1) {
    workers[0].Run(shared);
  } else {
    std::vector<std::thread> threads;
    for (Worker& w : workers) threads.emplace_back([&w, &shared] { w.Run(shared); });
    for (auto& t : threads) t.join();
  }
  PhaseResult r;
  const uint64_t end = std::min(NowNs(), shared.end_ns);
  r.seconds = double(end - start) / 1e9;
  for (Worker& w : workers) {
    r.hist.Merge(w.histogram());
    r.counters.Add(w.counters());
  }
  return r;
}

std::string Json(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string JsonOpt(const std::optional<double>& v) { return v ? Json(*v) : "null"; }

int Main(int argc, char** argv) {
  Options o;
  CLI::App app{"Closed-loop load generator for CQL v4 (Sibyl, Cassandra) and RESP (Redis)"};
  app.add_option("--protocol", o.protocol, "cql or redis")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, Protocol>{{"cql", Protocol::kCql}, {"redis", Protocol::kRedis}}))
      ->required();
  app.add_option("--host", o.host, "Server address")->capture_default_str();
  app.add_option("--port", o.port, "Server port (default 9042 for cql, 6379 for redis)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--connections", o.connections, "Connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--depth", o.depth, "Requests in flight per connection")
      ->capture_default_str()
      ->check(CLI::Range(1, 32768));
  app.add_option("--threads", o.threads, "Client threads (connections are split among them)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--op", o.workload, "write, read or mixed (--read-percent reads, the rest writes)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, Workload>{
          {"write", Workload::kWrite}, {"read", Workload::kRead}, {"mixed", Workload::kMixed}}));
  app.add_option("--read-percent", o.read_percent, "Reads among a mixed run's requests, in percent")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--keys", o.keys, "Keys, chosen uniformly")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--value-size", o.value_size, "Bytes per value")
      ->capture_default_str()
      ->check(CLI::Range(size_t{0}, size_t{16} << 20));
  app.add_option("--duration", o.duration, "Measured seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 86400.0));
  app.add_option("--warmup", o.warmup, "Unmeasured seconds before")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  app.add_flag("--populate", o.populate, "Write every key once first (then a read miss is an error)");
  app.add_option("--user", o.user, "CQL: SASL PLAIN user; Redis: AUTH user");
  app.add_option("--password", o.password, "CQL: SASL PLAIN password; Redis: AUTH password");
  app.add_option("--keyspace", o.keyspace, "CQL keyspace of table <keyspace>.kv (created if absent)")
      ->capture_default_str();
  app.add_flag("!--no-create", o.create_schema,
               "CQL: do not create the keyspace and table (they exist; e.g. a read-only login)");
  app.add_option("--server-pid", o.server_pid, "Server process: CPU per op and RSS from /proc")
      ->check(CLI::PositiveNumber);
  app.add_flag("--tls", o.tls,
               "TLS over each connection (OpenSSL's defaults; the server's certificate is not "
               "checked)");
  app.add_option("--seed", o.seed, "Random seed")->capture_default_str();
  app.add_option("--settle", o.settle,
                 "With --server-pid: wait up to this many seconds for the server to go idle after "
                 "--populate (not measured) and after the run (its CPU until then is reported as "
                 "server_after_cpu_us_per_op: flushes and compactions the run left behind)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--drain-timeout", o.drain_timeout,
                 "Seconds to wait for answers in flight at the end (then they are errors)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  CLI11_PARSE(app, argc, argv);
  if (o.port == 0) o.port = o.protocol == Protocol::kCql ? 9042 : 6379;
  if (o.protocol == Protocol::kCql && o.depth > 32768) o.depth = 32768;
  o.threads = std::min(o.threads, o.connections);
  signal(SIGPIPE, SIG_IGN);

  // Buffers: an answer holds at most one value plus framing; a read can add 64 KiB.
  const size_t in_capacity = o.value_size + 128 * 1024;
  Setup setup(o);
  std::unique_ptr<TlsClient> tls;
  if (o.tls) {
    std::string tls_error;
    tls = TlsClient::Make(&tls_error);
    if (tls == nullptr) {
      std::fprintf(stderr, "loadgen: %s\n", tls_error.c_str());
      return 2;
    }
  }
  std::vector<Connection> conns(size_t(o.connections));
  std::string error;
  const bool cql_mode = o.protocol == Protocol::kCql;
  for (size_t i = 0; i < conns.size(); ++i) {
    Connection& c = conns[i];
    c.in.resize(in_capacity);
    c.stream.fd = setup.Connect(&error);
    bool ok = c.stream.fd >= 0;
    if (ok && tls != nullptr) {
      c.stream.ssl = tls->Connect(c.stream.fd, o.host, &error);
      ok = c.stream.ssl != nullptr;
    }
    if (ok && cql_mode) {
      ok = setup.CqlHandshake(c, &error);
      if (ok && i == 0 && o.create_schema) {
        ok = setup.CqlQuery(c,
                            "CREATE KEYSPACE IF NOT EXISTS " + o.keyspace +
                                " WITH replication = {'class': 'SimpleStrategy', "
                                "'replication_factor': 1}",
                            &error) &&
             setup.CqlQuery(c, "CREATE TABLE IF NOT EXISTS " + Table(o) +
                                   " (k bigint PRIMARY KEY, v blob)",
                            &error);
      }
      ok = ok &&
           setup.CqlPrepare(c, "INSERT INTO " + Table(o) + " (k, v) VALUES (?, ?)",
                            &c.insert_id, &error) &&
           setup.CqlPrepare(c, "SELECT v FROM " + Table(o) + " WHERE k = ?", &c.select_id, &error);
      c.slots.resize(size_t(o.depth));
      for (int s = o.depth - 1; s >= 0; --s) c.free_streams.push_back(int16_t(s));
    } else if (ok) {
      ok = setup.RedisAuth(c, &error);
      c.slots.resize(size_t(o.depth));
    }
    if (!ok) {
      std::fprintf(stderr, "loadgen: connection %zu: %s\n", i, error.c_str());
      return 2;
    }
    if (c.in_len != 0) {
      std::fprintf(stderr, "loadgen: connection %zu: unexpected bytes after set-up\n", i);
      return 2;
    }
    fcntl(c.stream.fd, F_SETFL, fcntl(c.stream.fd, F_GETFL) | O_NONBLOCK);
    c.out.reserve(size_t(o.depth) * (o.value_size + 64));
  }

  std::vector<Worker> workers;
  for (int t = 0; t < o.threads; ++t) {
    std::vector<Connection*> mine;
    for (size_t i = size_t(t); i < conns.size(); i += size_t(o.threads)) mine.push_back(&conns[i]);
    workers.emplace_back(o, std::move(mine), o.seed + uint64_t(t));
  }

  Counters setup_errors;
  double populate_seconds = 0;
  if (o.populate) {
    PhaseResult p = RunPhase(o, workers, Phase::kPopulate, 86400, false);
    populate_seconds = p.seconds;
    setup_errors.Add(p.counters);
    if (p.counters.completed < o.keys) {
      std::fprintf(stderr, "loadgen: populate wrote %llu of %llu keys\n",
                   (unsigned long long)p.counters.completed, (unsigned long long)o.keys);
    }
  }
  if (o.populate && o.settle > 0) WaitForIdleServer(o.server_pid, o.settle);
  if (o.warmup > 0) setup_errors.Add(RunPhase(o, workers, Phase::kRun, o.warmup, o.populate).counters);

  const double client_cpu0 = ClientCpuSeconds();
  const std::optional<double> server_cpu0 = ServerCpuSeconds(o.server_pid);
  PhaseResult r = RunPhase(o, workers, Phase::kRun, o.duration, o.populate);
  const double client_cpu = ClientCpuSeconds() - client_cpu0;
  const std::optional<double> server_cpu1 = ServerCpuSeconds(o.server_pid);
  std::optional<double> server_us_per_op;
  if (server_cpu0 && server_cpu1 && r.counters.completed) {
    server_us_per_op = (*server_cpu1 - *server_cpu0) * 1e6 / double(r.counters.completed);
  }
  const std::optional<double> rss = ServerRssMb(o.server_pid);
  for (Connection& c : conns) {
    if (!c.dead) c.stream.Close();
  }
  std::optional<double> after_us_per_op;
  std::optional<double> settle_seconds;
  bool settled_idle = false;
  if (o.settle > 0 && server_cpu1 && r.counters.completed) {
    const Settled settled = WaitForIdleServer(o.server_pid, o.settle);
    after_us_per_op = settled.cpu_seconds * 1e6 / double(r.counters.completed);
    settle_seconds = settled.seconds;
    settled_idle = settled.idle;
  }

  const Counters& k = r.counters;
  const uint64_t errors = k.errors() + setup_errors.errors();
  const double ops_per_s = r.seconds > 0 ? double(k.ops) / r.seconds : 0;
  const double client_us_per_op = k.completed ? client_cpu * 1e6 / double(k.completed) : 0;
  auto us = [&](double q) { return double(r.hist.Quantile(q)) / 1000.0; };
  const char* protocol = cql_mode ? "cql" : "redis";
  const char* op = o.workload == Workload::kWrite  ? "write"
                   : o.workload == Workload::kRead ? "read"
                                                   : "mixed";

  for (const std::string& s : g_errors.samples) std::fprintf(stderr, "loadgen: error: %s\n", s.c_str());
  std::printf(
      "%s%s %s conns=%d depth=%d: %.0f ops/s, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, "
      "max %.3f ms, errors %llu, client CPU %.1f us/op",
      protocol, o.tls ? "+tls" : "", op, o.connections, o.depth, ops_per_s, us(0.5) / 1000, us(0.9) / 1000,
      us(0.99) / 1000, us(0.999) / 1000, double(r.hist.max()) / 1e6, (unsigned long long)errors,
      client_us_per_op);
  if (server_us_per_op) std::printf(", server CPU %.1f us/op", *server_us_per_op);
  if (after_us_per_op) {
    std::printf(" + %.1f us/op in the %.1f s after%s", *after_us_per_op, *settle_seconds,
                settled_idle ? "" : " (still busy)");
  }
  if (rss) std::printf(", server RSS %.0f MB", *rss);
  std::printf("\n");
  const std::string read_percent =
      o.workload == Workload::kMixed ? std::to_string(o.read_percent) : "null";
  std::printf(
      "{\"protocol\":\"%s\",\"tls\":%s,\"op\":\"%s\",\"read_percent\":%s,\"host\":\"%s\","
      "\"port\":%d,\"connections\":%d,"
      "\"depth\":%d,\"threads\":%d,\"keys\":%llu,\"value_size\":%zu,\"populated\":%s,"
      "\"populate_s\":%s,\"seconds\":%s,\"ops\":%llu,\"completed\":%llu,\"ops_per_s\":%s,"
      "\"p50_us\":%s,\"p90_us\":%s,\"p99_us\":%s,\"p999_us\":%s,\"max_us\":%s,\"mean_us\":%s,"
      "\"hits\":%llu,\"misses\":%llu,\"errors\":%llu,\"error_responses\":%llu,"
      "\"bad_responses\":%llu,\"missing\":%llu,\"lost\":%llu,\"timeouts\":%llu,"
      "\"setup_errors\":%llu,\"client_cpu_us_per_op\":%s,\"server_cpu_us_per_op\":%s,"
      "\"server_after_cpu_us_per_op\":%s,\"settle_s\":%s,\"settled\":%s,\"server_rss_mb\":%s}\n",
      protocol, o.tls ? "true" : "false", op, read_percent.c_str(), o.host.c_str(), o.port,
      o.connections, o.depth, o.threads,
      (unsigned long long)o.keys, o.value_size, o.populate ? "true" : "false",
      Json(populate_seconds).c_str(), Json(r.seconds).c_str(), (unsigned long long)k.ops,
      (unsigned long long)k.completed, Json(ops_per_s).c_str(), Json(us(0.5)).c_str(),
      Json(us(0.9)).c_str(), Json(us(0.99)).c_str(), Json(us(0.999)).c_str(),
      Json(double(r.hist.max()) / 1000).c_str(), Json(r.hist.mean() / 1000).c_str(),
      (unsigned long long)k.hits, (unsigned long long)k.misses, (unsigned long long)errors,
      (unsigned long long)(k.error_responses + setup_errors.error_responses),
      (unsigned long long)(k.bad_responses + setup_errors.bad_responses),
      (unsigned long long)(k.missing + setup_errors.missing),
      (unsigned long long)(k.lost + setup_errors.lost),
      (unsigned long long)(k.timeouts + setup_errors.timeouts),
      (unsigned long long)setup_errors.errors(), Json(client_us_per_op).c_str(),
      JsonOpt(server_us_per_op).c_str(), JsonOpt(after_us_per_op).c_str(),
      JsonOpt(settle_seconds).c_str(), settled_idle ? "true" : "false", JsonOpt(rss).c_str());
  std::fflush(stdout);
  return errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) { return loadgen::Main(argc, argv); }
