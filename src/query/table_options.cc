#include "query/table_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <optional>
#include <cstdlib>
#include <set>
#include <vector>

namespace sibyl::query {
namespace {

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool EqualsIgnoreCase(const std::string& a, const char* b) { return Upper(a) == Upper(b); }

// Java's Integer.parseInt: optional sign, decimal digits, within int32.
bool ParseJavaInt(const std::string& text, int64_t* out) {
  if (text.empty() || text.size() > 12) return false;
  size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i == text.size()) return false;
  int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    v = v * 10 + (text[i] - '0');
  }
  if (text[0] == '-') v = -v;
  if (v < INT32_MIN || v > INT32_MAX) return false;
  *out = v;
  return true;
}

// Java's Double.parseDouble for the plain decimal forms CQL properties carry.
bool ParseJavaDouble(const std::string& text, double* out) {
  if (text.empty() || text.size() > 64) return false;
  std::string s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') return false;
  // strtod also reads hex floats, "inf" and "nan"; Java's parser takes only its own spellings.
  for (char c : s) {
    if (c == 'x' || c == 'X' || c == 'n' || c == 'N' || c == 'i' || c == 'I') return false;
  }
  *out = v;
  return true;
}

// DecimalFormat("#.####"): at most four decimals, half-even, no trailing zeros.
std::string FourDecimals(double v) {
  std::string s = fmt::format("{:.4f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// ---- speculative_retry ------------------------------------------------------------------------

struct RetryPolicy {
  enum class Kind { kPercentile, kFixed, kAlways, kNever, kHybrid } kind;
  std::string text;  // toString()
};

Status InvalidRetry(const std::string& text) {
  return ConfigError(fmt::format("Invalid value {} for option 'speculative_retry'", text));
}

// ^[0-9.]+$
bool NumberChars(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
}

// PercentileSpeculativeRetryPolicy (^(?<val>[0-9.]+)p(ercentile)?$, case-insensitive) and
// FixedSpeculativeRetryPolicy (^(?<val>[0-9.]+)ms$). nullopt: neither pattern matches.
Result<std::optional<RetryPolicy>> SimplePolicy(const std::string& text) {
  const std::string upper = Upper(text);
  for (const char* suffix : {"PERCENTILE", "P"}) {
    const size_t n = std::strlen(suffix);
    if (upper.size() > n && upper.compare(upper.size() - n, n, suffix) == 0 &&
        NumberChars(upper.substr(0, upper.size() - n))) {
      double percentile = 0;
      if (!ParseJavaDouble(upper.substr(0, upper.size() - n), &percentile)) {
        return InvalidRetry(text);
      }
      if (percentile <= 0.0 || percentile >= 100.0) {
        return ConfigError(fmt::format(
            "Invalid value {} for PERCENTILE option 'speculative_retry': must be between (0.0 "
            "and 100.0)",
            text));
      }
      return std::optional<RetryPolicy>(
          RetryPolicy{RetryPolicy::Kind::kPercentile, FourDecimals(percentile) + "p"});
    }
  }
  if (upper.size() > 2 && upper.compare(upper.size() - 2, 2, "MS") == 0 &&
      NumberChars(upper.substr(0, upper.size() - 2))) {
    double ms = 0;
    if (!ParseJavaDouble(upper.substr(0, upper.size() - 2), &ms) || ms > 9.2e18) {
      return InvalidRetry(text);
    }
    return std::optional<RetryPolicy>(
        RetryPolicy{RetryPolicy::Kind::kFixed, fmt::format("{}ms", static_cast<int64_t>(ms))});
  }
  return std::optional<RetryPolicy>();
}

}  // namespace

std::string JavaDoubleString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  const double magnitude = std::fabs(d);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    std::string s(buf, r.ptr);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, r.ptr);  // 6.71e-05
  const size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  const int exponent = std::atoi(s.c_str() + e + 1);
  return fmt::format("{}E{}", mantissa, exponent);
}

Result<std::string> NormalizeSpeculativeRetry(const std::string& text) {
  // SpeculativeRetryPolicy.fromString: ALWAYS, NEVER/NONE, percentile, fixed, then hybrid.
  if (EqualsIgnoreCase(text, "ALWAYS")) return std::string("ALWAYS");
  if (EqualsIgnoreCase(text, "NEVER") || EqualsIgnoreCase(text, "NONE")) {
    return std::string("NEVER");
  }
  ASSIGN_OR_RETURN(auto simple, SimplePolicy(text));
  if (simple) return simple->text;
  // HybridSpeculativeRetryPolicy: ^(MIN|MAX)\(([0-9.]+[a-z]+)\s*,\s*([0-9.]+[a-z]+)\)$, one
  // percentile and one fixed policy.
  const std::string upper = Upper(text);
  if (upper.size() > 5 && (upper.rfind("MIN(", 0) == 0 || upper.rfind("MAX(", 0) == 0) &&
      upper.back() == ')') {
    const std::string inner = text.substr(4, text.size() - 5);
    const size_t comma = inner.find(',');
    if (comma != std::string::npos) {
      auto trim = [](std::string s) {
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
        while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
        return s;
      };
      ASSIGN_OR_RETURN(auto first, SimplePolicy(trim(inner.substr(0, comma))));
      ASSIGN_OR_RETURN(auto second, SimplePolicy(trim(inner.substr(comma + 1))));
      if (first && second && first->kind != second->kind) {
        const RetryPolicy& percentile = first->kind == RetryPolicy::Kind::kPercentile ? *first
                                                                                      : *second;
        const RetryPolicy& fixed = first->kind == RetryPolicy::Kind::kFixed ? *first : *second;
        return fmt::format("{}({},{})", upper.substr(0, 3), percentile.text, fixed.text);
      }
    }
  }
  return InvalidRetry(text);
}

Result<OptionMap> NormalizeCompression(const OptionMap& given) {
  // CompressionParams.fromMap (4.1).
  OptionMap options = given;
  auto is_enabled = [](const OptionMap& m) {
    auto it = m.find("enabled");
    return it == m.end() || EqualsIgnoreCase(it->second, "true");
  };
  const bool has_class = given.count("class") || given.count("sstable_compression");
  if (!given.empty() && is_enabled(given) && !has_class) {
    return ConfigError("Missing sub-option 'class' for the 'compression' option.");
  }
  const bool enabled = is_enabled(options);
  options.erase("enabled");
  std::string class_name;
  if (!enabled) {
    if (!options.empty()) {
      return ConfigError(
          "If the 'enabled' option is set to false no other options must be specified");
    }
  } else if (options.count("class")) {
    if (options.count("sstable_compression")) {
      return ConfigError(
          "The 'sstable_compression' option must not be used if the compression algorithm is "
          "already specified by the 'class' option");
    }
    class_name = options["class"];
    options.erase("class");
    if (class_name.empty()) {
      return ConfigError(
          "The 'class' option must not be empty. To disable compression use 'enabled' : false");
    }
  } else if (options.count("sstable_compression")) {
    class_name = options["sstable_compression"];
    options.erase("sstable_compression");
  }
  // Chunk length, in KiB (chunk_length_kb is its deprecated name).
  std::optional<int64_t> chunk_kb;
  for (const char* key : {"chunk_length_in_kb", "chunk_length_kb"}) {
    auto it = options.find(key);
    if (it == options.end()) continue;
    if (chunk_kb) {
      return ConfigError(
          "The 'chunk_length_kb' option must not be used if the chunk length is already "
          "specified by the 'chunk_length_in_kb' option");
    }
    int64_t parsed = 0;
    if (!ParseJavaInt(it->second, &parsed)) {
      return ConfigError("Invalid value for chunk_length_in_kb");
    }
    if (parsed > INT32_MAX / 1024) {
      return ConfigError(fmt::format("Value of chunk_length_in_kb is too large ({})", parsed));
    }
    chunk_kb = parsed;
    options.erase(it);
  }
  double min_compress_ratio = 0;
  if (auto it = options.find("min_compress_ratio"); it != options.end()) {
    if (!ParseJavaDouble(it->second, &min_compress_ratio)) {
      return ConfigError("Invalid value for min_compress_ratio");
    }
    options.erase(it);
  }
  if (class_name.empty()) {
    if (!options.empty()) {
      std::string keys;
      for (const auto& [k, v] : options) keys += (keys.empty() ? "" : ", ") + k;
      return ConfigError(fmt::format(
          "Unknown compression options ([{}]) since no compression class found", keys));
    }
    return OptionMap{{"enabled", "false"}};
  }
  const std::string prefix = "org.apache.cassandra.io.compress.";
  const std::string full = class_name.find('.') == std::string::npos ? prefix + class_name
                                                                     : class_name;
  // The compressors Cassandra 4.1 ships, with the options each one reads.
  static const std::map<std::string, std::set<std::string>> kCompressors = {
      {"LZ4Compressor", {"lz4_compressor_type", "lz4_high_compressor_level"}},
      {"SnappyCompressor", {}},
      {"DeflateCompressor", {}},
      {"ZstdCompressor", {"compression_level"}},
      {"NoopCompressor", {}}};
  const std::string short_name = full.rfind(prefix, 0) == 0 ? full.substr(prefix.size()) : "";
  auto compressor = kCompressors.find(short_name);
  if (compressor == kCompressors.end()) {
    return ConfigError(fmt::format("Could not create Compression for type {}", full));
  }
  for (const auto& [k, v] : options) {
    if (!compressor->second.count(k)) {
      return ConfigError(fmt::format("Unknown compression options {}", k));
    }
  }
  if (auto it = options.find("lz4_compressor_type");
      it != options.end() && it->second != "fast" && it->second != "high") {
    return ConfigError(fmt::format(
        "Invalid compressor type '{}' specified for LZ4 parameter 'lz4_compressor_type'. Valid "
        "options are [fast, high].",
        it->second));
  }
  for (const char* level : {"lz4_high_compressor_level", "compression_level"}) {
    int64_t parsed = 0;
    if (auto it = options.find(level); it != options.end() && !ParseJavaInt(it->second, &parsed)) {
      return ConfigError(fmt::format("Invalid value for {}: {}", level, it->second));
    }
  }
  // validate(): the chunk length is a positive power of two; the ratio is not negative.
  if (chunk_kb) {
    const int64_t bytes = *chunk_kb * 1024;
    if (bytes <= 0) return ConfigError("Invalid negative or null chunk_length_in_kb");
    if ((bytes & (bytes - 1)) != 0) return ConfigError("chunk_length_in_kb must be a power of 2");
  }
  if (min_compress_ratio < 0) return ConfigError("Invalid negative min_compress_ratio");
  OptionMap out = options;
  out["class"] = full;
  out["chunk_length_in_kb"] = std::to_string(chunk_kb.value_or(16));  // 4.x default: 16 KiB
  if (min_compress_ratio > 0) out["min_compress_ratio"] = JavaDoubleString(min_compress_ratio);
  return out;
}

Result<OptionMap> NormalizeCompaction(const OptionMap& given) {
  // CompactionParams.fromMap and validate (4.1), with each strategy's validateOptions.
  OptionMap options = given;
  auto cls = options.find("class");
  if (cls == options.end()) {
    return ConfigError("Missing sub-option 'class' for the 'compaction' option.");
  }
  const std::string prefix = "org.apache.cassandra.db.compaction.";
  const std::string full = cls->second.find('.') == std::string::npos ? prefix + cls->second
                                                                       : cls->second;
  options.erase(cls);
  static const std::map<std::string, std::set<std::string>> kStrategies = {
      {"SizeTieredCompactionStrategy", {"min_sstable_size", "bucket_low", "bucket_high"}},
      {"LeveledCompactionStrategy",
       {"sstable_size_in_mb", "fanout_size", "single_sstable_uplevel"}},
      {"TimeWindowCompactionStrategy",
       {"compaction_window_unit", "compaction_window_size", "timestamp_resolution",
        "expired_sstable_check_frequency_seconds", "unsafe_aggressive_sstable_expiration"}}};
  const std::string short_name = full.rfind(prefix, 0) == 0 ? full.substr(prefix.size()) : "";
  auto strategy = kStrategies.find(short_name);
  if (strategy == kStrategies.end()) {
    return ConfigError(fmt::format("Unable to find compaction strategy class '{}'", full));
  }
  // AbstractCompactionStrategy.validateOptions: the options of every strategy.
  static const std::set<std::string> kCommon = {
      "enabled", "tombstone_threshold", "tombstone_compaction_interval",
      "unchecked_tombstone_compaction", "log_all", "only_purge_repaired_tombstones",
      "provide_overlapping_tombstones", "min_threshold", "max_threshold"};
  std::vector<std::string> unknown;
  for (const auto& [k, v] : options) {
    if (!kCommon.count(k) && !strategy->second.count(k)) unknown.push_back(k);
  }
  if (!unknown.empty()) {
    std::string keys;
    for (const auto& k : unknown) keys += (keys.empty() ? "" : ", ") + k;
    return ConfigError(
        fmt::format("Properties specified [{}] are not understood by {}", keys, short_name));
  }
  for (const char* key : {"tombstone_threshold", "bucket_low", "bucket_high"}) {
    double v = 0;
    if (auto it = options.find(key); it != options.end()) {
      if (!ParseJavaDouble(it->second, &v)) {
        return ConfigError(fmt::format("{} is not a parsable int (base10) for {}", it->second, key));
      }
      if (v < 0) {
        return ConfigError(fmt::format("{} must be greater than 0, but was {:.6f}", key, v));
      }
    }
  }
  for (const char* key : {"tombstone_compaction_interval", "min_sstable_size", "sstable_size_in_mb",
                          "fanout_size", "compaction_window_size",
                          "expired_sstable_check_frequency_seconds"}) {
    int64_t v = 0;
    if (auto it = options.find(key); it != options.end()) {
      if (!ParseJavaInt(it->second, &v)) {
        return ConfigError(fmt::format("{} is not a parsable int (base10) for {}", it->second, key));
      }
      if (v < 0 || (v == 0 && std::string(key) == "sstable_size_in_mb")) {
        return ConfigError(fmt::format("{} must be larger than 0, but was {}", key, v));
      }
    }
  }
  for (const char* key : {"enabled", "unchecked_tombstone_compaction", "log_all",
                          "only_purge_repaired_tombstones", "single_sstable_uplevel",
                          "unsafe_aggressive_sstable_expiration"}) {
    if (auto it = options.find(key); it != options.end() && !EqualsIgnoreCase(it->second, "true") &&
                                     !EqualsIgnoreCase(it->second, "false")) {
      return ConfigError(
          fmt::format("'{}' should be either 'true' or 'false', not {}", key, it->second));
    }
  }
  if (auto it = options.find("compaction_window_unit"); it != options.end()) {
    static const std::set<std::string> kUnits = {"MINUTES", "HOURS", "DAYS"};
    if (!kUnits.count(Upper(it->second))) {
      return ConfigError(fmt::format("{} is not valid for compaction_window_unit", it->second));
    }
  }
  // Thresholds: integers, min >= 2, min <= max (CompactionParams.validate).
  for (const char* key : {"min_threshold", "max_threshold"}) {
    int64_t v = 0;
    if (auto it = options.find(key); it != options.end() && !ParseJavaInt(it->second, &v)) {
      return ConfigError(fmt::format(
          "Invalid value {} for '{}' compaction sub-option - must be an integer", it->second, key));
    }
  }
  options.emplace("min_threshold", "4");
  options.emplace("max_threshold", "32");
  int64_t min_threshold = 0, max_threshold = 0;
  ParseJavaInt(options["min_threshold"], &min_threshold);
  ParseJavaInt(options["max_threshold"], &max_threshold);
  if (min_threshold <= 0 || max_threshold <= 0) {
    return ConfigError(
        "Disabling compaction by setting compaction thresholds to 0 has been removed, set the "
        "compaction option 'enabled' to false instead.");
  }
  if (min_threshold <= 1) {
    return ConfigError(
        fmt::format("Min compaction threshold cannot be less than 2 (got {})", min_threshold));
  }
  if (min_threshold > max_threshold) {
    return ConfigError(fmt::format(
        "Min compaction threshold (got {}) cannot be greater than max compaction threshold (got "
        "{})",
        min_threshold, max_threshold));
  }
  options["class"] = full;
  return options;
}

Status ValidateTableOptions(const schema::TableOptions& o) {
  // TableParams.validate (4.1). BloomCalculations.minSupportedBloomFilterFpChance() is 6.71E-5.
  constexpr double kMinBloomFilterFpChance = 6.71e-05;
  if (o.bloom_filter_fp_chance <= kMinBloomFilterFpChance || o.bloom_filter_fp_chance > 1) {
    return ConfigError(fmt::format(
        "bloom_filter_fp_chance must be larger than {} and less than or equal to 1.0 (got {})",
        JavaDoubleString(kMinBloomFilterFpChance), JavaDoubleString(o.bloom_filter_fp_chance)));
  }
  if (o.crc_check_chance < 0 || o.crc_check_chance > 1.0) {
    return ConfigError(fmt::format(
        "crc_check_chance must be larger than or equal to 0 and smaller than or equal to 1.0 "
        "(got {})",
        JavaDoubleString(o.crc_check_chance)));
  }
  if (o.default_time_to_live < 0) {
    return ConfigError(fmt::format("default_time_to_live must be greater than or equal to 0 (got {})",
                                   o.default_time_to_live));
  }
  constexpr int32_t kMaxTtl = 630720000;  // Attributes.MAX_TTL, 20 years
  if (o.default_time_to_live > kMaxTtl) {
    return ConfigError(fmt::format("default_time_to_live must be less than or equal to {} (got {})",
                                   kMaxTtl, o.default_time_to_live));
  }
  if (o.gc_grace_seconds < 0) {
    return ConfigError(fmt::format("gc_grace_seconds must be greater than or equal to 0 (got {})",
                                   o.gc_grace_seconds));
  }
  if (o.min_index_interval < 1) {
    return ConfigError(fmt::format("min_index_interval must be greater than or equal to 1 (got {})",
                                   o.min_index_interval));
  }
  if (o.max_index_interval < o.min_index_interval) {
    return ConfigError(fmt::format(
        "max_index_interval must be greater than or equal to min_index_interval ({}) (got {})",
        o.min_index_interval, o.max_index_interval));
  }
  if (o.memtable_flush_period_in_ms < 0) {
    return ConfigError(fmt::format(
        "memtable_flush_period_in_ms must be greater than or equal to 0 (got {})",
        o.memtable_flush_period_in_ms));
  }
  return Status::OK();
}

}  // namespace sibyl::query
