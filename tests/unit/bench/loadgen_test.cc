// bench/loadgen (issue 14): the latency histogram against exact quantiles of sorted samples, and
// the CQL v4 / RESP decoders on well-formed, truncated and wrong answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "loadgen_histogram.h"
#include "loadgen_protocol.h"

namespace loadgen {
namespace {

const uint8_t* U8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST(LoadgenHistogram, EveryValueFallsInABucketWithinATenthOfAPercent) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> values = {0, 1, 2047, 2048, 2049, 4095, 4096, 1'000'000,
                                  Histogram::kMaxValue};
  for (int i = 0; i < 100000; ++i) values.push_back(rng() >> (rng() % 64));
  for (uint64_t v : values) {
    v = std::min(v, Histogram::kMaxValue);
    const size_t i = Histogram::Index(v);
    ASSERT_LT(i, Histogram::kBuckets) << v;
    EXPECT_LE(Histogram::LowestInBucket(i), v);
    EXPECT_GE(Histogram::HighestInBucket(i), v);
    const uint64_t width = Histogram::HighestInBucket(i) - Histogram::LowestInBucket(i) + 1;
    EXPECT_LE(double(width), std::max(1.0, double(Histogram::LowestInBucket(i)) / 1024.0)) << v;
  }
  EXPECT_EQ(Histogram::Index(Histogram::kMaxValue), Histogram::kBuckets - 1);
}

TEST(LoadgenHistogram, QuantilesMatchSortedSamples) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> latency(std::log(200000.0), 1.0);  // ~0.2 ms, long tail
  Histogram a, b;
  std::vector<uint64_t> samples;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t v = uint64_t(latency(rng));
    samples.push_back(v);
    (i % 2 ? a : b).Record(v);
  }
  a.Merge(b);
  std::sort(samples.begin(), samples.end());
  ASSERT_EQ(a.count(), samples.size());
  for (double q : {0.5, 0.9, 0.99, 0.999, 1.0}) {
    const uint64_t exact = samples[size_t(std::ceil(q * double(samples.size()))) - 1];
    const uint64_t got = a.Quantile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(double(got), double(exact) * 1.001 + 1) << q;
  }
  EXPECT_EQ(a.min(), samples.front());
  EXPECT_EQ(a.max(), samples.back());
  EXPECT_EQ(a.Quantile(1.0), samples.back());
}

TEST(LoadgenHistogram, EmptyAndClamped) {
  Histogram h;
  EXPECT_EQ(h.Quantile(0.99), 0u);
  EXPECT_EQ(h.min(), 0u);
  h.Record(UINT64_MAX);
  EXPECT_EQ(h.clamped(), 1u);
  EXPECT_EQ(h.Quantile(0.5), Histogram::kMaxValue);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
}

// ---- CQL ------------------------------------------------------------------------------------------
std::string Frame(uint8_t flags, int16_t stream, uint8_t opcode, const std::string& body,
                  uint8_t version = cql::kResponseVersion) {
  std::string f = {char(version), char(flags), char(uint16_t(stream) >> 8), char(stream),
                   char(opcode)};
  for (int shift = 24; shift >= 0; shift -= 8) f.push_back(char(body.size() >> shift));
  return f + body;
}

std::string Int(int32_t v) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(char(uint32_t(v) >> shift));
  return s;
}

std::string Short(uint16_t v) { return {char(v >> 8), char(v)}; }
std::string Str(const std::string& s) { return Short(uint16_t(s.size())) + s; }

TEST(LoadgenCql, FramesAResponseOnlyWhenWhole) {
  const std::string f = Frame(0, 7, cql::kResult, Int(1));
  for (size_t n = 0; n < f.size(); ++n) {
    cql::Frame frame;
    size_t consumed;
    std::string error;
    EXPECT_EQ(cql::DecodeFrame(U8(f), n, 1024, &frame, &consumed, &error), Decoded::kNeedMore)
        << n;
  }
  cql::Frame frame;
  size_t consumed;
  std::string error;
  ASSERT_EQ(cql::DecodeFrame(U8(f), f.size(), 1024, &frame, &consumed, &error), Decoded::kOk);
  EXPECT_EQ(frame.stream, 7);
  EXPECT_EQ(frame.opcode, cql::kResult);
  EXPECT_EQ(consumed, f.size());
}

TEST(LoadgenCql, RefusesWrongVersionOversizeAndCompression) {
  cql::Frame frame;
  size_t consumed;
  std::string error;
  const std::string v5 = Frame(0, 0, cql::kResult, Int(1), 0x85);
  EXPECT_EQ(cql::DecodeFrame(U8(v5), 1, 1024, &frame, &consumed, &error), Decoded::kBad);
  EXPECT_NE(error.find("0x85"), std::string::npos);
  std::string huge = Frame(0, 0, cql::kResult, "");
  huge[5] = char(0x7F);  // 2 GiB body declared in the header alone
  EXPECT_EQ(cql::DecodeFrame(U8(huge), huge.size(), 1 << 20, &frame, &consumed, &error),
            Decoded::kBad);
  const std::string lz4 = Frame(0x01, 0, cql::kResult, Int(1));
  EXPECT_EQ(cql::DecodeFrame(U8(lz4), lz4.size(), 1024, &frame, &consumed, &error),
            Decoded::kBad);
}

TEST(LoadgenCql, SkipsTracingWarningsAndCustomPayload) {
  const std::string body = std::string(16, 'T') + Short(1) + Str("careful") + Short(1) +
                           Str("k") + Int(2) + "vv" + Int(1);
  const std::string f = Frame(0x02 | 0x04 | 0x08, 1, cql::kResult, body);
  cql::Frame frame;
  size_t consumed;
  std::string error, warning;
  ASSERT_EQ(cql::DecodeFrame(U8(f), f.size(), 1024, &frame, &consumed, &error), Decoded::kOk);
  const uint8_t* p;
  size_t n;
  ASSERT_EQ(cql::ResponsePayload(frame, &p, &n, &warning, &error), Decoded::kOk) << error;
  EXPECT_EQ(warning, "careful");
  EXPECT_EQ(cql::ExpectResultKind(p, n, 1, &error), Decoded::kOk);
  // Cut anywhere inside the prefix: kBad, never an overread (ASan in the sanitizer build).
  for (size_t cut = 0; cut < body.size() - 4; ++cut) {
    const std::string shorter = Frame(0x02 | 0x04 | 0x08, 1, cql::kResult, body.substr(0, cut));
    ASSERT_EQ(cql::DecodeFrame(U8(shorter), shorter.size(), 1024, &frame, &consumed, &error),
              Decoded::kOk);
    const std::string copy(reinterpret_cast<const char*>(frame.body), frame.length);
    frame.body = U8(copy);
    EXPECT_EQ(cql::ResponsePayload(frame, &p, &n, &warning, &error), Decoded::kBad) << cut;
  }
}

std::string RowsWithMetadata(int32_t rows, const std::string& value) {
  std::string s = Int(2) + Int(0x0001) + Int(1) + Str("ks") + Str("kv") + Str("v") + Short(0x0003) +
                  Int(rows);
  for (int32_t i = 0; i < rows; ++i) s += Int(int32_t(value.size())) + value;
  return s;
}

TEST(LoadgenCql, ReadsOneValueRows) {
  bool found;
  int32_t len;
  std::string error;
  const std::string one = RowsWithMetadata(1, std::string(100, 'x'));
  ASSERT_EQ(cql::ParseSingleValueRows(U8(one), one.size(), &found, &len, &error), Decoded::kOk);
  EXPECT_TRUE(found);
  EXPECT_EQ(len, 100);
  const std::string none = Int(2) + Int(0x0004) + Int(1) + Int(0);  // no_metadata, 0 rows
  ASSERT_EQ(cql::ParseSingleValueRows(U8(none), none.size(), &found, &len, &error), Decoded::kOk);
  EXPECT_FALSE(found);
  const std::string two = RowsWithMetadata(2, "ab");
  EXPECT_EQ(cql::ParseSingleValueRows(U8(two), two.size(), &found, &len, &error), Decoded::kBad);
  const std::string trailing = one + "z";
  EXPECT_EQ(cql::ParseSingleValueRows(U8(trailing), trailing.size(), &found, &len, &error),
            Decoded::kBad);
  const std::string void_result = Int(1);
  EXPECT_EQ(cql::ParseSingleValueRows(U8(void_result), 4, &found, &len, &error), Decoded::kBad);
  for (size_t cut = 0; cut < one.size(); ++cut) {
    const std::string shorter = one.substr(0, cut);
    EXPECT_EQ(cql::ParseSingleValueRows(U8(shorter), shorter.size(), &found, &len, &error),
              Decoded::kBad)
        << cut;
  }
}

TEST(LoadgenCql, ExecuteIsAWellFormedV4Request) {
  std::string out;
  const std::string_view values[] = {"12345678", "value"};
  cql::AppendExecute(out, 300, "id", values, 2, true);
  ASSERT_GE(out.size(), cql::kHeaderSize);
  EXPECT_EQ(uint8_t(out[0]), cql::kRequestVersion);
  EXPECT_EQ(uint16_t(uint8_t(out[2]) << 8 | uint8_t(out[3])), 300);
  EXPECT_EQ(uint8_t(out[4]), cql::kExecute);
  const std::string body = Str("id") + Short(cql::kConsistencyOne) + std::string(1, '\x03') +
                           Short(2) + Int(8) + "12345678" + Int(5) + "value";
  EXPECT_EQ(out.substr(5, 4), Int(int32_t(body.size())));
  EXPECT_EQ(out.substr(cql::kHeaderSize), body);
}

// ---- RESP -----------------------------------------------------------------------------------------
Decoded Reply(const std::string& s, resp::Reply* reply, size_t* consumed, size_t max = 1024) {
  std::string error;
  return resp::DecodeReply(U8(s), s.size(), max, reply, consumed, &error);
}

TEST(LoadgenResp, DecodesTheRepliesOfSetAndGet) {
  resp::Reply r;
  size_t consumed;
  const std::string ok = "+OK\r\nrest";  // r.text points into the input: keep it alive
  ASSERT_EQ(Reply(ok, &r, &consumed), Decoded::kOk);
  EXPECT_EQ(r.type, resp::ReplyType::kSimple);
  EXPECT_EQ(r.text, "OK");
  EXPECT_EQ(consumed, 5u);
  ASSERT_EQ(Reply("-ERR nope\r\n", &r, &consumed), Decoded::kOk);
  EXPECT_EQ(r.type, resp::ReplyType::kError);
  ASSERT_EQ(Reply("$-1\r\n", &r, &consumed), Decoded::kOk);
  EXPECT_EQ(r.type, resp::ReplyType::kNil);
  const std::string bulk = "$5\r\nhe\r\no\r\n";  // CRLF inside a bulk string is data
  ASSERT_EQ(Reply(bulk, &r, &consumed), Decoded::kOk);
  EXPECT_EQ(r.type, resp::ReplyType::kBulk);
  EXPECT_EQ(r.text, "he\r\no");
  EXPECT_EQ(consumed, bulk.size());
  for (size_t n = 0; n < bulk.size(); ++n) {
    EXPECT_EQ(Reply(bulk.substr(0, n), &r, &consumed), Decoded::kNeedMore) << n;
  }
}

TEST(LoadgenResp, RefusesWrongReplies) {
  resp::Reply r;
  size_t consumed;
  EXPECT_EQ(Reply(":1\r\n", &r, &consumed), Decoded::kBad);
  EXPECT_EQ(Reply("*1\r\n", &r, &consumed), Decoded::kBad);
  EXPECT_EQ(Reply("$abc\r\n", &r, &consumed), Decoded::kBad);
  EXPECT_EQ(Reply("$\r\n", &r, &consumed), Decoded::kBad);
  EXPECT_EQ(Reply("$3\r\nabcd\r\n", &r, &consumed), Decoded::kBad);
  EXPECT_EQ(Reply("$2000\r\n", &r, &consumed, 1024), Decoded::kBad);
  EXPECT_EQ(Reply("+" + std::string(5000, 'a'), &r, &consumed), Decoded::kBad);
  EXPECT_EQ(Reply("+" + std::string(100, 'a'), &r, &consumed), Decoded::kNeedMore);
}

TEST(LoadgenResp, EncodesCommandsAsArraysOfBulkStrings) {
  std::string out;
  resp::AppendSet(out, "key:1", "vv");
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$2\r\nvv\r\n");
  out.clear();
  resp::AppendGet(out, "k");
  EXPECT_EQ(out, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

}  // namespace
}  // namespace loadgen
