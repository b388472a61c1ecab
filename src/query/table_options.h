#pragma once
// Table options as Cassandra 4.1 parses, validates and normalises them (TableParams.validate,
// CompressionParams, CompactionParams, SpeculativeRetryPolicy.fromString). The normalised forms
// are what is stored, so system_schema.tables and DESCRIBE show what Cassandra shows
// (issue 10 items 17 and 20). Every error is kConfigError with Cassandra's text unless noted.

#include <map>
#include <string>

#include "common/status.h"
#include "schema/metadata.h"

#include "query/namespaces.h"

namespace sibyl::query {

using OptionMap = std::map<std::string, std::string>;

// SpeculativeRetryPolicy.fromString(text).toString(): "99PERCENTILE" -> "99p", "10ms",
// "ALWAYS", "NEVER" (also for "NONE"), "MIN(99p,10ms)".
Result<std::string> NormalizeSpeculativeRetry(const std::string& text);

// CompressionParams.fromMap(options).asMap(): {'chunk_length_in_kb': '16', 'class':
// 'org.apache.cassandra.io.compress.LZ4Compressor'} for {'class': 'LZ4Compressor'};
// {'enabled': 'false'} when disabled.
Result<OptionMap> NormalizeCompression(const OptionMap& options);

// CompactionParams.fromMap(options).asMap(): the class fully qualified, min_threshold and
// max_threshold defaulted, every sub-option checked against the strategy's own.
Result<OptionMap> NormalizeCompaction(const OptionMap& options);

// TableParams.validate(): the numeric ranges of bloom_filter_fp_chance, crc_check_chance,
// default_time_to_live, gc_grace_seconds, min/max_index_interval, memtable_flush_period_in_ms.
Status ValidateTableOptions(const schema::TableOptions& options);

// Java's Double.toString(d), which Cassandra's messages use: "1.0", "0.5", "1.0E-7", "6.71E-5".
std::string JavaDoubleString(double d);

}  // namespace sibyl::query
