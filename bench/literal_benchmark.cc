// Time to parse (and render back) number literals of 10^4, 10^5 and 10^6 digits (issue 9 item
// 4): the schoolbook conversions took 4 s for 10^5 digits and minutes for 10^6; GMP's are
// subquadratic. Also the parser on a statement carrying such a literal, and on the deepest
// nesting it accepts. Prints figures only; no test asserts a time.
//   build/bench/literal_benchmark [--benchmark_filter=Varint]
#include <benchmark/benchmark.h>

#include <string>

#include "cql/parser/parser.h"
#include "cql/types/numbers.h"
#include "cql/types/type.h"
#include "cql/types/value.h"

namespace sibyl::cql {
namespace {

std::string Digits(size_t n) {
  std::string out(n, '0');
  uint32_t x = 12345;
  for (auto& c : out) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>('0' + (x >> 16) % 10);
  }
  out[0] = '7';
  return out;
}

void BM_VarintLiteral(benchmark::State& state) {
  const std::string text = Digits(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto v = types::ParseLiteral(types::Type(types::Kind::kVarint), types::LiteralKind::kInteger,
                                 text, "v");
    benchmark::DoNotOptimize(v);
  }
  state.SetLabel(std::to_string(text.size()) + " digits");
}
BENCHMARK(BM_VarintLiteral)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_DecimalLiteral(benchmark::State& state) {
  std::string text = Digits(static_cast<size_t>(state.range(0)));
  text.insert(text.size() / 2, ".");
  for (auto _ : state) {
    auto v = types::ParseLiteral(types::Type(types::Kind::kDecimal), types::LiteralKind::kFloat,
                                 text, "v");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_DecimalLiteral)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_VarintToText(benchmark::State& state) {
  const std::string bytes = *types::BigIntFromDecimal(Digits(static_cast<size_t>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(types::BigIntToDecimal(bytes));
}
BENCHMARK(BM_VarintToText)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_DoubleLiteral(benchmark::State& state) {
  const std::string text = Digits(static_cast<size_t>(state.range(0))) + ".5";
  for (auto _ : state) {
    auto v = types::ParseLiteral(types::Type(types::Kind::kDouble), types::LiteralKind::kFloat,
                                 text, "v");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_DoubleLiteral)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_ParseStatementWithBigLiteral(benchmark::State& state) {
  const std::string cql = "INSERT INTO ks.t (k, v) VALUES (1, " +
                          Digits(static_cast<size_t>(state.range(0))) + ")";
  for (auto _ : state) benchmark::DoNotOptimize(parser::ParseStatement(cql));
}
BENCHMARK(BM_ParseStatementWithBigLiteral)
    ->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_ParseDeepestNesting(benchmark::State& state) {
  const int n = types::kMaxNestingDepth - 2;
  const std::string cql =
      "SELECT " + std::string(n, '(') + "1" + std::string(n, ')') + " FROM system.local";
  for (auto _ : state) benchmark::DoNotOptimize(parser::ParseStatement(cql));
}
BENCHMARK(BM_ParseDeepestNesting)->Unit(benchmark::kMicrosecond);

void BM_RefuseTwentyThousandParentheses(benchmark::State& state) {
  const std::string cql = "SELECT " + std::string(20000, '(') + "1" + std::string(20000, ')') +
                          " FROM system.local";
  for (auto _ : state) benchmark::DoNotOptimize(parser::ParseStatement(cql));
}
BENCHMARK(BM_RefuseTwentyThousandParentheses)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sibyl::cql

BENCHMARK_MAIN();
