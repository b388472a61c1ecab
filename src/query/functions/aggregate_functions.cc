// Cassandra 4.1 cql3/functions/AggregateFcts.java as native aggregates (aggregate_functions.h),
// registered in AggregateFcts.all()'s order (the order of candidates in error messages).
#include "query/functions/aggregate_functions.h"

#include <cmath>
#include <cstring>

#include "query/functions/numeric.h"

namespace sibyl::query::functions {

using types::Kind;
using types::Type;

namespace {

int64_t SignedBigEndian(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  const size_t bits = 8 * b.size();
  if (bits > 0 && bits < 64 && (v >> (bits - 1)) & 1) v |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(v);
}

std::string BigEndian(uint64_t v, size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[size - 1 - i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

int IntegralSize(Kind k) {
  switch (k) {
    case Kind::kTinyint: return 1;
    case Kind::kSmallint: return 2;
    case Kind::kInt: return 4;
    default: return 8;
  }
}

// Number.doubleValue() of a float or double argument.
double DoubleOf(Kind k, std::string_view b) {
  if (k == Kind::kFloat) {
    uint32_t bits = static_cast<uint32_t>(SignedBigEndian(b));
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  uint64_t bits = static_cast<uint64_t>(SignedBigEndian(b));
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::string FloatingBytes(Kind k, double v) {
  if (k == Kind::kFloat) {
    float f = static_cast<float>(v);
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return BigEndian(bits, 4);
  }
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return BigEndian(bits, 8);
}

// A number argument as Cassandra's compose() sees it: null and empty values are skipped.
bool Present(const Arguments& args) { return !args.empty() && args[0] && !args[0]->empty(); }

class CountRows final : public AggregateState {
 public:
  Status Add(const Arguments&) override {
    ++count_;
    return Status::OK();
  }
  Result<types::Value> Compute() override { return types::Value(types::SerializeBigint(count_)); }

 private:
  int64_t count_ = 0;
};

// count(x): the non-null values (an empty value counts: it is not null).
class CountValues final : public AggregateState {
 public:
  Status Add(const Arguments& args) override {
    if (args[0]) ++count_;
    return Status::OK();
  }
  Result<types::Value> Compute() override { return types::Value(types::SerializeBigint(count_)); }

 private:
  int64_t count_ = 0;
};

class MinMax final : public AggregateState {
 public:
  MinMax(Type type, bool max) : type_(std::move(type)), max_(max) {}
  Status Add(const Arguments& args) override {
    if (!args[0]) return Status::OK();
    if (!best_) {
      best_ = args[0];
      return Status::OK();
    }
    const int c = types::Compare(type_, *best_, *args[0]);
    if (max_ ? c < 0 : c > 0) best_ = args[0];
    return Status::OK();
  }
  Result<types::Value> Compute() override { return best_; }

 private:
  Type type_;
  bool max_;
  types::Value best_;
};

// sum of tinyint, smallint, int, bigint, counter: Java's wrapping `sum += x` in the type's width.
class IntegralSum final : public AggregateState {
 public:
  explicit IntegralSum(Kind kind) : kind_(kind) {}
  Status Add(const Arguments& args) override {
    if (Present(args)) sum_ += static_cast<uint64_t>(SignedBigEndian(*args[0]));
    return Status::OK();
  }
  Result<types::Value> Compute() override {
    return types::Value(BigEndian(sum_, IntegralSize(kind_)));
  }

 private:
  Kind kind_;
  uint64_t sum_ = 0;
};

// avg of tinyint ... counter (AggregateFcts.AvgAggregate): a long sum that continues as a
// BigInteger once it overflows, so the quotient is exact; then narrowed to the type.
class IntegralAvg final : public AggregateState {
 public:
  explicit IntegralAvg(Kind kind) : kind_(kind) {}
  Status Add(const Arguments& args) override {
    if (!Present(args)) return Status::OK();
    ++count_;
    sum_ += SignedBigEndian(*args[0]);
    return Status::OK();
  }
  Result<types::Value> Compute() override {
    const __int128 avg = count_ == 0 ? 0 : sum_ / count_;  // truncates as long and BigInteger do
    return types::Value(BigEndian(static_cast<uint64_t>(avg), IntegralSize(kind_)));
  }

 private:
  Kind kind_;
  __int128 sum_ = 0;
  int64_t count_ = 0;
};

// sum of float / double (AggregateFcts.FloatSumAggregate): Kahan summation; a NaN from
// compensating infinities falls back to the plain sum.
class FloatingSum final : public AggregateState {
 public:
  explicit FloatingSum(Kind kind) : kind_(kind) {}
  Status Add(const Arguments& args) override {
    if (!Present(args)) return Status::OK();
    const double d = DoubleOf(kind_, *args[0]);
    simple_ += d;
    const double tmp = d - compensation_;
    const double rounded = sum_ + tmp;
    compensation_ = (rounded - sum_) - tmp;
    sum_ = rounded;
    return Status::OK();
  }
  Result<types::Value> Compute() override {
    const double tmp = sum_ + compensation_;
    return types::Value(
        FloatingBytes(kind_, std::isnan(tmp) && std::isinf(simple_) ? simple_ : tmp));
  }

 private:
  Kind kind_;
  double sum_ = 0;
  double compensation_ = 0;
  double simple_ = 0;
};

// avg of float / double (AggregateFcts.FloatAvgAggregate): Kahan summation; once the sum
// overflows to infinity from finite inputs it continues exactly in BigDecimal
// (BigDecimal.valueOf(double)) and divides with HALF_EVEN.
class FloatingAvg final : public AggregateState {
 public:
  explicit FloatingAvg(Kind kind) : kind_(kind) {}
  Status Add(const Arguments& args) override {
    if (!Present(args)) return Status::OK();
    ++count_;
    const double d = DoubleOf(kind_, *args[0]);
    if (big_sum_) {
      ASSIGN_OR_RETURN(std::string v, ToDecimal(d));
      ASSIGN_OR_RETURN(big_sum_, DecimalAdd(*big_sum_, v));
      return Status::OK();
    }
    simple_ += d;
    const double prev = sum_;
    const double tmp = d - compensation_;
    const double rounded = sum_ + tmp;
    compensation_ = (rounded - sum_) - tmp;
    sum_ = rounded;
    if (std::isinf(sum_) && !std::isinf(d)) {
      ASSIGN_OR_RETURN(std::string a, ToDecimal(prev));
      ASSIGN_OR_RETURN(std::string b, ToDecimal(d));
      ASSIGN_OR_RETURN(big_sum_, DecimalAdd(a, b));
    }
    return Status::OK();
  }
  Result<types::Value> Compute() override {
    if (count_ == 0) return types::Value(FloatingBytes(kind_, 0));
    if (big_sum_) {
      ASSIGN_OR_RETURN(std::string q, DecimalDivideHalfEven(*big_sum_, count_));
      ASSIGN_OR_RETURN(std::string d, ConvertNumber(Kind::kDecimal, q, Kind::kDouble));
      return types::Value(FloatingBytes(kind_, DoubleOf(Kind::kDouble, d)));
    }
    const double tmp = sum_ + compensation_;
    sum_ = std::isnan(tmp) && std::isinf(simple_) ? simple_ : tmp;
    compensation_ = 0;
    return types::Value(FloatingBytes(kind_, sum_ / static_cast<double>(count_)));
  }

 private:
  static Result<std::string> ToDecimal(double d) {
    return ConvertNumber(Kind::kDouble, FloatingBytes(Kind::kDouble, d), Kind::kDecimal);
  }
  Kind kind_;
  double sum_ = 0;
  double compensation_ = 0;
  double simple_ = 0;
  int64_t count_ = 0;
  std::optional<std::string> big_sum_;
};

const std::string& DecimalZero() {
  static const std::string kZero("\0\0\0\0\0", 5);  // scale 0, unscaled 0
  return kZero;
}

class DecimalSum final : public AggregateState {
 public:
  Status Add(const Arguments& args) override {
    if (!Present(args)) return Status::OK();
    ASSIGN_OR_RETURN(sum_, DecimalAdd(sum_, *args[0]));
    return Status::OK();
  }
  Result<types::Value> Compute() override { return types::Value(sum_); }

 private:
  std::string sum_ = DecimalZero();
};

// avg of decimal: the running mean avg = avg + (x - avg).divide(n, HALF_EVEN).
class DecimalAvg final : public AggregateState {
 public:
  Status Add(const Arguments& args) override {
    if (!Present(args)) return Status::OK();
    ++count_;
    ASSIGN_OR_RETURN(std::string diff, DecimalSubtract(*args[0], avg_));
    ASSIGN_OR_RETURN(std::string step, DecimalDivideHalfEven(diff, count_));
    ASSIGN_OR_RETURN(avg_, DecimalAdd(avg_, step));
    return Status::OK();
  }
  Result<types::Value> Compute() override { return types::Value(avg_); }

 private:
  std::string avg_ = DecimalZero();
  int64_t count_ = 0;
};

class VarintSum final : public AggregateState {
 public:
  explicit VarintSum(bool avg) : avg_(avg) {}
  Status Add(const Arguments& args) override {
    if (!Present(args)) return Status::OK();
    ++count_;
    sum_ = VarintAdd(sum_, *args[0]);
    return Status::OK();
  }
  Result<types::Value> Compute() override {
    if (!avg_ || count_ == 0) return types::Value(sum_);
    return types::Value(VarintDivide(sum_, count_));
  }

 private:
  bool avg_;
  std::string sum_ = std::string(1, '\0');
  int64_t count_ = 0;
};

NativeFunction Aggregate(std::string name, std::vector<Type> args, Type result,
                         std::function<std::unique_ptr<AggregateState>()> make) {
  NativeFunction f;
  f.name = std::move(name);
  f.arg_types = std::move(args);
  f.return_type = std::move(result);
  f.new_aggregate = std::move(make);
  f.execute = [](const Arguments&) -> Result<types::Value> {
    return InternalError("an aggregate called as a scalar function");
  };
  return f;
}

std::unique_ptr<AggregateState> NewSum(Kind k) {
  switch (k) {
    case Kind::kFloat:
    case Kind::kDouble: return std::make_unique<FloatingSum>(k);
    case Kind::kDecimal: return std::make_unique<DecimalSum>();
    case Kind::kVarint: return std::make_unique<VarintSum>(false);
    default: return std::make_unique<IntegralSum>(k);
  }
}

std::unique_ptr<AggregateState> NewAvg(Kind k) {
  switch (k) {
    case Kind::kFloat:
    case Kind::kDouble: return std::make_unique<FloatingAvg>(k);
    case Kind::kDecimal: return std::make_unique<DecimalAvg>();
    case Kind::kVarint: return std::make_unique<VarintSum>(true);
    default: return std::make_unique<IntegralAvg>(k);
  }
}

}  // namespace

void AddAggregateFunctions(std::vector<NativeFunction>& out) {
  NativeFunction count_rows = Aggregate("countRows", {}, Type(Kind::kBigint),
                                        [] { return std::make_unique<CountRows>(); });
  count_rows.naming = NativeFunction::Naming::kCountRows;
  out.push_back(std::move(count_rows));
  // AggregateFcts.all(): sum then avg for tinyint, smallint, int, bigint, float, double, decimal,
  // varint, counter.
  static const Kind kNumbers[] = {Kind::kTinyint, Kind::kSmallint, Kind::kInt,
                                  Kind::kBigint,  Kind::kFloat,    Kind::kDouble,
                                  Kind::kDecimal, Kind::kVarint,   Kind::kCounter};
  for (const char* name : {"sum", "avg"}) {
    const bool avg = name[0] == 'a';
    for (Kind k : kNumbers) {
      out.push_back(Aggregate(name, {Type(k)}, Type(k), [avg, k] {
        return avg ? NewAvg(k) : NewSum(k);
      }));
    }
  }
  // count, max and min of every native type in CQL3Type.Native order (varchar is text; the
  // internal `empty` type has no CQL name here).
  static const Kind kNatives[] = {
      Kind::kAscii,    Kind::kBigint,   Kind::kBlob,      Kind::kBoolean, Kind::kCounter,
      Kind::kDate,     Kind::kDecimal,  Kind::kDouble,    Kind::kDuration, Kind::kFloat,
      Kind::kInet,     Kind::kInt,      Kind::kSmallint,  Kind::kVarchar, Kind::kTime,
      Kind::kTimestamp, Kind::kTimeuuid, Kind::kTinyint,  Kind::kUuid,    Kind::kVarint};
  for (Kind k : kNatives) {
    Type t(k);
    out.push_back(Aggregate("count", {t}, Type(Kind::kBigint),
                            [] { return std::make_unique<CountValues>(); }));
    out.push_back(Aggregate("max", {t}, t, [t] { return std::make_unique<MinMax>(t, true); }));
    out.push_back(Aggregate("min", {t}, t, [t] { return std::make_unique<MinMax>(t, false); }));
  }
}

}  // namespace sibyl::query::functions
