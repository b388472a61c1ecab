// What DDL validation, system_schema and DESCRIBE answer, as Cassandra 4.1 does (issue 10 items
// 17, 19, 20). Runs the real processor over a RocksDB engine in a temporary directory; the
// expected texts are Cassandra 4.1's, cited per test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cql/types/value.h"
#include "query/processor.h"
#include "query/table_options.h"
#include "query/tracing.h"
#include "storage/rocksdb_engine.h"
#include "processor_fixture.h"

namespace sibyl::query {
namespace {

using testing::HasSubstr;

class SchemaAnswers : public ProcessorFixture {
 protected:
  void SetUp() override {
    NodeInfo node;
    node.data_center = "datacenter1";
    ASSERT_NO_FATAL_FAILURE(OpenProcessor({}, node));
  }

  Result<protocol::ResultMessage> Query(const std::string& cql) {
    return processor_->Query(session_, cql, {});
  }

  void Run(const std::string& cql) {
    auto result = Query(cql);
    ASSERT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
  }

  // The error of `cql` as "<code hex> <message>", or "OK".
  std::string Error(const std::string& cql) {
    auto result = Query(cql);
    if (result.ok()) return "OK";
    return fmt::format("{:#06x} {}", static_cast<int>(result.status().code()),
                       result.status().message());
  }

  // Column `column` of every row of `cql`, as text ("null" for null).
  std::vector<std::string> Column(const std::string& cql, size_t column) {
    auto result = Query(cql);
    EXPECT_TRUE(result.ok()) << cql << ": " << result.status().ToString();
    std::vector<std::string> out;
    if (!result.ok()) return out;
    for (const auto& row : std::get<protocol::RowsResult>(*result).rows) {
      out.push_back(row[column] ? *row[column] : "null");
    }
    return out;
  }

};

constexpr const char* kNts = "CREATE KEYSPACE k WITH replication = {'class': 'NetworkTopologyStrategy', ";

// Item 17. AbstractReplicationStrategy.validateExpectedOptions (4.1): NetworkTopologyStrategy's
// recognizedOptions are the known data centres; anything else is "Unrecognized strategy option
// {dc2} passed to NetworkTopologyStrategy for keyspace k" (ConfigurationException, 0x2300).
TEST_F(SchemaAnswers, NetworkTopologyStrategyRefusesAnUnknownDataCentre) {
  EXPECT_EQ(Error(std::string(kNts) + "'dc2': 1}"),
            "0x2300 Unrecognized strategy option {dc2} passed to NetworkTopologyStrategy for "
            "keyspace k");
  // NetworkTopologyStrategy.validateExpectedOptions: no data centre left (factors of 0 dropped).
  EXPECT_EQ(Error(std::string(kNts) + "'datacenter1': 0}"),
            "0x2300 Configuration for at least one datacenter must be present");
  Run(std::string(kNts) + "'datacenter1': 1}");
  // NetworkTopologyStrategy.prepareOptions (4.1): no option is default_keyspace_rf everywhere.
  Run("CREATE KEYSPACE k2 WITH replication = {'class': 'NetworkTopologyStrategy'}");
  EXPECT_THAT(Column("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'k2'",
                     0),
              testing::ElementsAre(HasSubstr("datacenter1")));
}

// Item 17. NetworkTopologyStrategy.prepareOptions (4.1): 'replication_factor' stands for every
// known data centre.
TEST_F(SchemaAnswers, NetworkTopologyStrategyExpandsReplicationFactor) {
  Run(std::string(kNts) + "'replication_factor': 2}");
  EXPECT_THAT(Column("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'k'",
                     0),
              testing::ElementsAre(HasSubstr("datacenter1")));
}

// Item 17. Parser.convertPropertyMap (Cassandra 4.1's Parser.g): addRecognitionError("Multiple
// definition for property " + key), a SyntaxException (0x2000).
TEST_F(SchemaAnswers, ADataCentreGivenTwiceIsASyntaxError) {
  EXPECT_EQ(Error(std::string(kNts) + "'datacenter1': 1, 'datacenter1': 2}"),
            "0x2000 Multiple definition for property datacenter1");
}

// Item 17. Lexer.g: IDENT : LETTER (LETTER | DIGIT | '_')*; ANTLR 3 reports "no viable
// alternative at character '_'" (seen from Cassandra as "line 1:10 no viable alternative at
// character '_'", trinodb/trino#2449).
TEST_F(SchemaAnswers, AnUnquotedNameCannotStartWithAnUnderscore) {
  EXPECT_EQ(Error("CREATE KEYSPACE _x WITH replication = {'class': 'SimpleStrategy', "
                  "'replication_factor': 1}"),
            "0x2000 line 1:16 no viable alternative at character '_'");
  Run("CREATE KEYSPACE \"_x\" WITH replication = {'class': 'SimpleStrategy', "
      "'replication_factor': 1}");
}

// Item 17. CreateKeyspaceStatement.apply (4.1): ire("Missing mandatory option 'replication'");
// KeyspaceAttributes.validate: "Missing replication strategy class"; SimpleStrategy.prepareOptions
// defaults replication_factor to default_keyspace_rf (1).
TEST_F(SchemaAnswers, ReplicationDefaultsAndMessages) {
  EXPECT_EQ(Error("CREATE KEYSPACE k WITH durable_writes = true"),
            "0x2200 Missing mandatory option 'replication'");
  EXPECT_EQ(Error("CREATE KEYSPACE k WITH replication = {'replication_factor': 1}"),
            "0x2300 Missing replication strategy class");
  EXPECT_EQ(Error("CREATE KEYSPACE k WITH replication = {}"),
            "0x2300 Missing replication strategy class");
  // ReplicationFactor.validate and Integer.parseInt (4.1).
  EXPECT_EQ(Error("CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy', "
                  "'replication_factor': -1}"),
            "0x2300 Replication factor must be non-negative, found -1");
  EXPECT_EQ(Error(std::string(kNts) + "'datacenter1': 'three'}"),
            "0x2300 For input string: \"three\"");
  Run("CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy'}");
  EXPECT_THAT(Column("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'k'",
                     0),
              testing::ElementsAre(HasSubstr("replication_factor")));
}

// Item 17. TableParams.validate (4.1) and CreateTest.testCreateTableWithCompression /
// CreateTableValidationTest.testInvalidBloomFilterFPRatio: the exact ConfigurationExceptions.
TEST_F(SchemaAnswers, TableOptionsAreValidatedAsCassandraDoes) {
  Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  session_.keyspace = "ks";
  const std::string create = "CREATE TABLE t (a int PRIMARY KEY, b int) WITH ";
  EXPECT_EQ(Error(create + "bloom_filter_fp_chance = 0.0000001"),
            "0x2300 bloom_filter_fp_chance must be larger than 6.71E-5 and less than or equal to "
            "1.0 (got 1.0E-7)");
  EXPECT_EQ(Error(create + "bloom_filter_fp_chance = 1.1"),
            "0x2300 bloom_filter_fp_chance must be larger than 6.71E-5 and less than or equal to "
            "1.0 (got 1.1)");
  EXPECT_EQ(Error(create + "speculative_retry = 'sometimes'"),
            "0x2300 Invalid value sometimes for option 'speculative_retry'");
  EXPECT_EQ(Error(create + "speculative_retry = '101p'"),
            "0x2300 Invalid value 101p for PERCENTILE option 'speculative_retry': must be between "
            "(0.0 and 100.0)");
  EXPECT_EQ(Error(create + "compression = {'chunk_length_in_kb' : 32}"),
            "0x2300 Missing sub-option 'class' for the 'compression' option.");
  EXPECT_EQ(Error(create + "compression = {'class': ''}"),
            "0x2300 The 'class' option must not be empty. To disable compression use 'enabled' : "
            "false");
  EXPECT_EQ(Error(create + "compression = {'enabled': 'false', 'class': 'SnappyCompressor'}"),
            "0x2300 If the 'enabled' option is set to false no other options must be specified");
  EXPECT_EQ(Error(create + "compression = {'class': 'SnappyCompressor', 'chunk_length_in_kb': 31}"),
            "0x2300 chunk_length_in_kb must be a power of 2");
  EXPECT_EQ(Error(create + "compression = {'class': 'SnappyCompressor', 'chunk_length_in_kb': -1}"),
            "0x2300 Invalid negative or null chunk_length_in_kb");
  EXPECT_EQ(Error(create + "compression = {'class': 'SnappyCompressor', 'unknownOption': 32}"),
            "0x2300 Unknown compression options unknownOption");
  EXPECT_EQ(Error(create + "compaction = {'class': 'SizeTieredCompactionStrategy', 'foo': 1}"),
            "0x2300 Properties specified [foo] are not understood by "
            "SizeTieredCompactionStrategy");
  EXPECT_EQ(Error(create + "compaction = {'class': 'NoSuchStrategy'}"),
            "0x2300 Unable to find compaction strategy class "
            "'org.apache.cassandra.db.compaction.NoSuchStrategy'");
  EXPECT_EQ(Error(create + "compaction = {'class': 'LeveledCompactionStrategy', "
                           "'min_threshold': 1}"),
            "0x2300 Min compaction threshold cannot be less than 2 (got 1)");
  EXPECT_EQ(Error(create + "crc_check_chance = 2"),
            "0x2300 crc_check_chance must be larger than or equal to 0 and smaller than or equal "
            "to 1.0 (got 2.0)");
  EXPECT_EQ(Error(create + "min_index_interval = 0"),
            "0x2300 min_index_interval must be greater than or equal to 1 (got 0)");
}

// Item 20. CreateTest.testCreateTableWithCompression (4.1): system_schema.tables holds the
// normalised compression map; SpeculativeRetryPolicy.toString gives '99p'.
TEST_F(SchemaAnswers, OptionsAreStoredNormalised) {
  Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  session_.keyspace = "ks";
  Run("CREATE TABLE d (a int PRIMARY KEY)");
  Run("CREATE TABLE s (a int PRIMARY KEY) WITH compression = {'class': 'SnappyCompressor', "
      "'chunk_length_in_kb': 32} AND speculative_retry = '95PERCENTILE'");
  Run("CREATE TABLE o (a int PRIMARY KEY) WITH compression = {'enabled': false} AND "
      "speculative_retry = 'min(99percentile,50MS)'");
  // A serialized map<text, text> ([int n] then [int length][bytes] per key and value) as
  // "k=v;..." in stored order.
  auto text_map = [](const std::string& bytes) {
    auto int_at = [&](size_t pos) {
      return (static_cast<uint8_t>(bytes[pos]) << 24) | (static_cast<uint8_t>(bytes[pos + 1]) << 16) |
             (static_cast<uint8_t>(bytes[pos + 2]) << 8) | static_cast<uint8_t>(bytes[pos + 3]);
    };
    std::string out;
    size_t pos = 4;
    for (int i = 0; i < int_at(0); ++i) {
      for (const char* sep : {"=", ";"}) {
        const int length = int_at(pos);
        out += bytes.substr(pos + 4, length) + sep;
        pos += 4 + length;
      }
    }
    return out;
  };
  const std::string select =
      "SELECT table_name, compression, speculative_retry FROM system_schema.tables WHERE "
      "keyspace_name = 'ks'";
  auto names = Column(select, 0);
  auto compression = Column(select, 1);
  auto retry = Column(select, 2);
  ASSERT_EQ(names, (std::vector<std::string>{"d", "o", "s"}));
  EXPECT_EQ(text_map(compression[0]),
            "chunk_length_in_kb=16;class=org.apache.cassandra.io.compress.LZ4Compressor;");
  EXPECT_EQ(text_map(compression[1]), "enabled=false;");
  EXPECT_EQ(text_map(compression[2]),
            "chunk_length_in_kb=32;class=org.apache.cassandra.io.compress.SnappyCompressor;");
  EXPECT_EQ(retry, (std::vector<std::string>{"99p", "MIN(99p,50ms)", "95p"}));
}

// Item 19. SchemaKeyspace lists only distributed and local keyspaces; virtual ones are in
// system_virtual_schema.keyspaces (VirtualSchemaKeyspace).
TEST_F(SchemaAnswers, VirtualKeyspacesAreOnlyInTheVirtualSchema) {
  auto ordinary = Column("SELECT keyspace_name FROM system_schema.keyspaces", 0);
  EXPECT_THAT(ordinary, testing::Not(testing::Contains("system_virtual_schema")));
  EXPECT_THAT(ordinary, testing::Not(testing::Contains("system_views")));
  EXPECT_THAT(ordinary, testing::Contains("system_schema"));
  EXPECT_THAT(Column("SELECT keyspace_name FROM system_virtual_schema.keyspaces", 0),
              testing::UnorderedElementsAre("system_views", "system_virtual_schema"));
  EXPECT_THAT(Column("SELECT table_name FROM system_virtual_schema.tables WHERE keyspace_name = "
                     "'system_views'",
                     0),
              testing::Contains("clients"));
  EXPECT_THAT(Column("SELECT column_name FROM system_schema.columns WHERE keyspace_name = "
                     "'system_views'",
                     0),
              testing::IsEmpty());
}

// Item 19. DESC FULL SCHEMA never prints CREATE KEYSPACE for a virtual keyspace: Cassandra 4
// prints a comment ("... is a virtual keyspace and cannot be recreated with CQL").
TEST_F(SchemaAnswers, DescribeFullSchemaCommentsVirtualKeyspaces) {
  auto statements = Column("DESCRIBE FULL SCHEMA", 3);
  for (const auto& s : statements) {
    EXPECT_THAT(s, testing::Not(HasSubstr("CREATE KEYSPACE system_virtual_schema")));
    EXPECT_THAT(s, testing::Not(HasSubstr("CREATE KEYSPACE system_views")));
  }
  EXPECT_THAT(statements, testing::Contains(HasSubstr(
                              "Warning: Keyspace system_views is a virtual keyspace and cannot be "
                              "recreated with CQL.")));
}

// Item 20. DescribeStatement.toRow (4.1) quotes names that need it.
TEST_F(SchemaAnswers, DescribeKeyspacesQuotesNames) {
  Run("CREATE KEYSPACE \"MixedCase\" WITH replication = {'class': 'SimpleStrategy', "
      "'replication_factor': 1}");
  EXPECT_THAT(Column("DESCRIBE KEYSPACES", 2), testing::Contains("\"MixedCase\""));
  EXPECT_THAT(Column("DESCRIBE KEYSPACES", 0), testing::Contains("\"MixedCase\""));
}

// Item 20. DescribeStatement.cluster (4.1): package-less class names, and range_ownership for a
// current non-system keyspace.
TEST_F(SchemaAnswers, DescribeClusterHasRangeOwnershipForTheCurrentKeyspace) {
  auto result = Query("DESCRIBE CLUSTER");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(std::get<protocol::RowsResult>(*result).metadata.columns.size(), 3u);
  EXPECT_EQ(Column("DESCRIBE CLUSTER", 1), (std::vector<std::string>{"Murmur3Partitioner"}));
  EXPECT_EQ(Column("DESCRIBE CLUSTER", 2), (std::vector<std::string>{"SimpleSnitch"}));
  Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  session_.keyspace = "ks";
  result = Query("DESCRIBE CLUSTER");
  ASSERT_TRUE(result.ok());
  const auto& rows = std::get<protocol::RowsResult>(*result);
  ASSERT_EQ(rows.metadata.columns.size(), 4u);
  EXPECT_EQ(rows.metadata.columns[3].name, "range_ownership");
  EXPECT_THAT(*rows.rows[0][3], HasSubstr("/127.0.0.1:7000"));
}

// Item 23. A traced request gets a session id; system_traces.sessions holds the session (with
// its duration once complete) and system_traces.events its steps, as TraceKeyspace (4.1) and
// the drivers' get_query_trace read them.
TEST_F(SchemaAnswers, ATracedRequestIsRecordedInSystemTraces) {
  Run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  session_.keyspace = "ks";
  Run("CREATE TABLE t (k int PRIMARY KEY, v int)");
  session_.trace = true;
  session_.client_address = "127.0.0.2";
  Run("INSERT INTO t (k, v) VALUES (1, 1)");
  ASSERT_TRUE(session_.trace_id.has_value());
  const std::string insert_id = *session_.trace_id;
  session_.trace_id.reset();
  Run("SELECT * FROM t WHERE k = 1");
  ASSERT_TRUE(session_.trace_id.has_value());
  const std::string select_id = *session_.trace_id;
  session_.trace = false;
  session_.trace_id.reset();
  Run("SELECT * FROM t");
  EXPECT_FALSE(session_.trace_id.has_value());  // untraced: no session

  auto uuid = [](const std::string& bytes) { return types::UuidToString(bytes); };
  const std::string sessions = "SELECT command, request, duration FROM system_traces.sessions "
                               "WHERE session_id = ";
  EXPECT_EQ(Column(sessions + uuid(select_id), 0), (std::vector<std::string>{"QUERY"}));
  EXPECT_EQ(Column(sessions + uuid(select_id), 1),
            (std::vector<std::string>{"Execute CQL3 query"}));
  EXPECT_NE(Column(sessions + uuid(select_id), 2)[0], "null");
  EXPECT_EQ(Column("SELECT session_id FROM system_traces.sessions", 0).size(), 2u);
  auto activities = [&](const std::string& id) {
    return Column("SELECT activity FROM system_traces.events WHERE session_id = " + uuid(id), 0);
  };
  EXPECT_THAT(activities(select_id),
              testing::IsSupersetOf({"Parsing SELECT * FROM t WHERE k = 1", "Preparing statement",
                                     "Read 1 live rows from ks.t"}));
  EXPECT_THAT(activities(insert_id),
              testing::Contains(HasSubstr("Appending to commitlog: 1 partition update(s)")));
}

// Item 23. Traces are bounded: a cap on sessions (oldest dropped) and a TTL.
TEST(TraceStore, KeepsAtMostItsCapAndExpires) {
  TraceStore capped(std::chrono::hours(1), 3);
  for (int i = 0; i < 5; ++i) {
    auto trace = capped.Begin("QUERY", "Execute CQL3 query", {{"query", std::to_string(i)}}, "");
    trace->Event("step");
    trace->Finish();
  }
  auto sessions = capped.Sessions();
  ASSERT_EQ(sessions.size(), 3u);
  EXPECT_EQ(sessions[0].parameters.at("query"), "2");
  EXPECT_EQ(sessions[0].events.size(), 1u);
  TraceStore expiring(std::chrono::seconds(0), 3);
  expiring.Begin("QUERY", "Execute CQL3 query", {}, "")->Finish();
  EXPECT_TRUE(expiring.Sessions().empty());
  TraceStore one(std::chrono::hours(1), 1);
  auto trace = one.Begin("QUERY", "q", {}, "");
  for (size_t i = 0; i < TraceStore::kMaxEventsPerSession + 10; ++i) trace->Event("e");
  EXPECT_EQ(one.Sessions()[0].events.size(), TraceStore::kMaxEventsPerSession);
}

// Item 17/20. Java's Double.toString, which Cassandra's messages print.
TEST(JavaDoubleString, MatchesJava) {
  EXPECT_EQ(JavaDoubleString(1.0), "1.0");
  EXPECT_EQ(JavaDoubleString(0.5), "0.5");
  EXPECT_EQ(JavaDoubleString(1e-7), "1.0E-7");
  EXPECT_EQ(JavaDoubleString(6.71e-05), "6.71E-5");
  EXPECT_EQ(JavaDoubleString(12345678.0), "1.2345678E7");
}

}  // namespace
}  // namespace sibyl::query
