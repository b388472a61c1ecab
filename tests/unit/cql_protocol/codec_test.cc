#include "cql/protocol/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/cql_protocol/test_util.h"

namespace sibyl::cql::protocol {
namespace {

using ::sibyl::testing::Hex;
using ::sibyl::testing::StatusIs;
using ::sibyl::testing::ToHex;
using ::testing::HasSubstr;
using types::Kind;
using types::Type;

// ---- Requests -------------------------------------------------------------------------------

TEST(DecodeRequest, StartupIsAStringMap) {
  auto request = DecodeRequest(Opcode::kStartup, 4,
                               Hex("00 01 00 0b") + "CQL_VERSION" + Hex("00 05") + "3.0.0");
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(std::get<StartupRequest>(*request).options.at("CQL_VERSION"), "3.0.0");
}

TEST(DecodeRequest, OptionsHasNoBody) {
  auto request = DecodeRequest(Opcode::kOptions, 4, "");
  ASSERT_TRUE(request.ok());
  EXPECT_TRUE(std::holds_alternative<OptionsRequest>(*request));
}

TEST(DecodeRequest, QueryWithoutFlags) {
  auto request = DecodeRequest(Opcode::kQuery, 4, Hex("00 00 00 03") + "USE" + Hex("00 04 00"));
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  const auto& query = std::get<QueryRequest>(*request);
  EXPECT_EQ(query.query, "USE");
  EXPECT_EQ(query.params.consistency, Consistency::kQuorum);
  EXPECT_TRUE(query.params.values.empty());
  EXPECT_FALSE(query.params.skip_metadata);
  EXPECT_EQ(query.params.page_size, -1);
  EXPECT_EQ(query.params.paging_state, std::nullopt);
  EXPECT_EQ(query.params.serial_consistency, std::nullopt);
  EXPECT_EQ(query.params.default_timestamp, std::nullopt);
}

TEST(DecodeRequest, QueryWithEveryFlagButNames) {
  const std::string body = Hex("00 00 00 01") + "Q" +
                           Hex("00 01"          // ONE
                               "3f"             // values|skip|page|paging|serial|timestamp
                               "00 03"          // 3 values
                               "00 00 00 01 07" // 0x07
                               "ff ff ff ff"    // null
                               "ff ff ff fe"    // unset
                               "00 00 13 88"    // page size 5000
                               "00 00 00 02 ab cd"  // paging state
                               "00 09"          // LOCAL_SERIAL
                               "00 00 00 00 00 00 00 2a");  // timestamp 42
  auto request = DecodeRequest(Opcode::kQuery, 4, body);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  const auto& params = std::get<QueryRequest>(*request).params;
  ASSERT_EQ(params.values.size(), 3u);
  EXPECT_EQ(params.values[0].bytes, Hex("07"));
  EXPECT_EQ(params.values[1].kind, BoundValue::Kind::kNull);
  EXPECT_EQ(params.values[2].kind, BoundValue::Kind::kUnset);
  EXPECT_TRUE(params.value_names.empty());
  EXPECT_TRUE(params.skip_metadata);
  EXPECT_EQ(params.page_size, 5000);
  EXPECT_EQ(params.paging_state, Hex("ab cd"));
  EXPECT_EQ(params.serial_consistency, Consistency::kLocalSerial);
  EXPECT_EQ(params.default_timestamp, 42);
  // The encoder writes the same bytes back.
  EXPECT_EQ(ToHex(EncodeRequest(*request, 4)), ToHex(body));
}

TEST(DecodeRequest, QueryWithNamedValues) {
  const std::string body = Hex("00 00 00 01") + "Q" + Hex("00 01 41 00 02") + Hex("00 01") + "a" +
                           Hex("00 00 00 01 01") + Hex("00 01") + "b" + Hex("ff ff ff ff");
  auto request = DecodeRequest(Opcode::kQuery, 4, body);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  const auto& params = std::get<QueryRequest>(*request).params;
  EXPECT_EQ(params.value_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(params.values[1].kind, BoundValue::Kind::kNull);
  EXPECT_EQ(ToHex(EncodeRequest(*request, 4)), ToHex(body));
}

TEST(DecodeRequest, EveryTruncationOfAQueryIsAProtocolError) {
  const std::string body = Hex("00 00 00 01") + "Q" +
                           Hex("00 01 3d 00 01 00 00 00 01 07 00 00 13 88 00 00 00 01 ab 00 08 "
                               "00 00 00 00 00 00 00 2a");
  ASSERT_TRUE(DecodeRequest(Opcode::kQuery, 4, body).ok());
  for (size_t n = 0; n < body.size(); ++n) {
    EXPECT_THAT(DecodeRequest(Opcode::kQuery, 4, body.substr(0, n)),
                StatusIs(ErrorCode::kProtocolError, HasSubstr("Not enough bytes")))
        << "prefix " << n;
  }
}

TEST(DecodeRequest, UnknownConsistencyIsAProtocolError) {
  EXPECT_THAT(DecodeRequest(Opcode::kQuery, 4, Hex("00 00 00 01") + "Q" + Hex("00 42 00")),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("Unknown code 66")));
}

TEST(DecodeRequest, PrepareAndExecute) {
  auto prepare = DecodeRequest(Opcode::kPrepare, 4, Hex("00 00 00 01") + "Q");
  ASSERT_TRUE(prepare.ok());
  EXPECT_EQ(std::get<PrepareRequest>(*prepare).query, "Q");
  auto execute =
      DecodeRequest(Opcode::kExecute, 4, Hex("00 02 ab cd 00 0a 01 00 01 00 00 00 01 05"));
  ASSERT_TRUE(execute.ok()) << execute.status().ToString();
  const auto& e = std::get<ExecuteRequest>(*execute);
  EXPECT_EQ(e.id, Hex("ab cd"));
  EXPECT_EQ(e.params.consistency, Consistency::kLocalOne);
  EXPECT_EQ(e.params.values.at(0).bytes, Hex("05"));
}

TEST(DecodeRequest, BatchOfQueriesAndPreparedStatements) {
  const std::string body = Hex("01 00 02") +                                   // UNLOGGED, 2
                           Hex("00 00 00 00 01") + "Q" + Hex("00 00") +        // query, 0 values
                           Hex("01 00 02 ab cd 00 01 00 00 00 01 09") +       // prepared, 1 value
                           Hex("00 04 30 00 08 00 00 00 00 00 00 00 07");      // QUORUM, serial, ts
  auto request = DecodeRequest(Opcode::kBatch, 4, body);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  const auto& batch = std::get<BatchRequest>(*request);
  EXPECT_EQ(batch.type, BatchRequest::Type::kUnlogged);
  ASSERT_EQ(batch.entries.size(), 2u);
  EXPECT_FALSE(batch.entries[0].prepared);
  EXPECT_EQ(batch.entries[0].query_or_id, "Q");
  EXPECT_TRUE(batch.entries[1].prepared);
  EXPECT_EQ(batch.entries[1].query_or_id, Hex("ab cd"));
  EXPECT_EQ(batch.entries[1].values.at(0).bytes, Hex("09"));
  EXPECT_EQ(batch.consistency, Consistency::kQuorum);
  EXPECT_EQ(batch.serial_consistency, Consistency::kSerial);
  EXPECT_EQ(batch.default_timestamp, 7);
  EXPECT_EQ(ToHex(EncodeRequest(*request, 4)), ToHex(body));
}

// Issue 10 item 14: Cassandra 4.1 QueryOptions.Codec refuses Long.MIN_VALUE as the default
// timestamp of a QUERY, EXECUTE or BATCH (it means "no timestamp" inside Cassandra).
TEST(DecodeRequest, DefaultTimestampLongMinValueIsAProtocolError) {
  const char* kMessage =
      "Out of bound timestamp, must be in [-9223372036854775807, 9223372036854775807] (got "
      "-9223372036854775808)";
  EXPECT_THAT(DecodeRequest(Opcode::kQuery, 4,
                            Hex("00 00 00 01") + "Q" + Hex("00 01 20 80 00 00 00 00 00 00 00")),
              StatusIs(ErrorCode::kProtocolError, HasSubstr(kMessage)));
  EXPECT_THAT(DecodeRequest(Opcode::kBatch, 4,
                            Hex("00 00 01 00 00 00 00 01") + "Q" +
                                Hex("00 00 00 04 20 80 00 00 00 00 00 00 00")),
              StatusIs(ErrorCode::kProtocolError, HasSubstr(kMessage)));
  EXPECT_TRUE(DecodeRequest(Opcode::kQuery, 4,
                            Hex("00 00 00 01") + "Q" + Hex("00 01 20 80 00 00 00 00 00 00 01"))
                  .ok());
}

TEST(DecodeRequest, BatchRejectsBadKindTypeAndNames) {
  EXPECT_THAT(DecodeRequest(Opcode::kBatch, 4, Hex("00 00 01 02")),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("Must be 0 or 1 but got 2")));
  EXPECT_THAT(DecodeRequest(Opcode::kBatch, 4, Hex("03 00 00")),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("Unknown BATCH type 3")));
  EXPECT_THAT(DecodeRequest(Opcode::kBatch, 4, Hex("00 00 00 00 01 40")),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("Names for values")));
}

TEST(DecodeRequest, RegisterAndAuthResponse) {
  auto reg = DecodeRequest(Opcode::kRegister, 4, Hex("00 01 00 0d") + "SCHEMA_CHANGE");
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(std::get<RegisterRequest>(*reg).event_types,
            (std::vector<std::string>{"SCHEMA_CHANGE"}));
  auto auth = DecodeRequest(Opcode::kAuthResponse, 4, Hex("00 00 00 02 00 61"));
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(std::get<AuthResponseRequest>(*auth).token, std::string("\0a", 2));
  auto empty = DecodeRequest(Opcode::kAuthResponse, 4, Hex("ff ff ff ff"));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(std::get<AuthResponseRequest>(*empty).token, std::nullopt);
}

TEST(DecodeRequest, SkipsACustomPayload) {
  const std::string body = Hex("00 01 00 01") + "k" + Hex("00 00 00 01") + "v" + Hex("00 00");
  auto request = DecodeRequest(Opcode::kStartup, 4, body,
                               static_cast<uint8_t>(FrameFlag::kCustomPayload));
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_TRUE(std::get<StartupRequest>(*request).options.empty());
}

TEST(DecodeRequest, RejectsResponseAndUnknownOpcodes) {
  EXPECT_THAT(DecodeRequest(Opcode::kResult, 4, ""),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("opcode RESULT")));
  EXPECT_THAT(DecodeRequest(static_cast<Opcode>(0x42), 4, ""),
              StatusIs(ErrorCode::kProtocolError, HasSubstr("opcode 0x42")));
}

// ---- Decoder limits (issue 9, item 5) -------------------------------------------------------

TEST(DecodeRequest, DeclaredValueCountMustFitTheBody) {
  // 65,535 values declared in a 10-byte body: refused before 65,535 values are allocated.
  EXPECT_THAT(DecodeRequest(Opcode::kQuery, 4, Hex("00 00 00 00 00 01 01 ff ff 00")),
              StatusIs(ErrorCode::kProtocolError,
                       "Invalid QUERY message: Not enough bytes to read 65535 bound values (need "
                       "at least 262140, have 1)"));
}

std::string BatchOfNulls(int statements, int values_each) {
  std::string body = Hex("01") + std::string(1, static_cast<char>(statements >> 8)) +
                     std::string(1, static_cast<char>(statements & 0xff));
  for (int i = 0; i < statements; ++i) {
    body += Hex("00 00 00 00 01") + "x" + std::string(1, static_cast<char>(values_each >> 8)) +
            std::string(1, static_cast<char>(values_each & 0xff));
    for (int v = 0; v < values_each; ++v) body += Hex("ff ff ff ff");
  }
  return body + Hex("00 01 00");
}

TEST(DecodeRequest, BatchValuesAreCappedInTotal) {
  // issue 9: a 64 MiB BATCH of nulls decoded to 16 million values (+685 MB).
  auto ok = DecodeRequest(Opcode::kBatch, 4, BatchOfNulls(4, 65535));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(std::get<BatchRequest>(*ok).entries.size(), 4u);
  EXPECT_THAT(DecodeRequest(Opcode::kBatch, 4, BatchOfNulls(5, 65535)),
              StatusIs(ErrorCode::kInvalid,
                       "Invalid BATCH message: Too many bound values in BATCH (the limit is "
                       "262144)"));
}

// ---- ERROR ----------------------------------------------------------------------------------

std::string ErrorHex(const Status& status, uint8_t version = 4) {
  return ToHex(EncodeError(status, version));
}

TEST(EncodeError, PlainCodesAreCodeAndMessage) {
  EXPECT_EQ(ErrorHex(SyntaxError("x")), "00 00 20 00 00 01 78");
  EXPECT_EQ(ErrorHex(ProtocolError("x")), "00 00 00 0a 00 01 78");
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kOverloaded, "x")), "00 00 10 01 00 01 78");
}

TEST(EncodeError, InternalCodesAreServerError) {
  EXPECT_EQ(ErrorHex(InternalError("x")), "00 00 00 00 00 01 78");
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kIOError, "x")), "00 00 00 00 00 01 78");
}

TEST(EncodeError, UnavailableCarriesConsistencyRequiredAlive) {
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kUnavailable, "x", UnavailableDetail{4, 2, 1})),
            "00 00 10 00 00 01 78 00 04 00 00 00 02 00 00 00 01");
}

TEST(EncodeError, TimeoutsCarryTheirFields) {
  TimeoutDetail detail{1, 0, 1, "BATCH_LOG", true};
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kWriteTimeout, "x", detail)),
            "00 00 11 00 00 01 78 00 01 00 00 00 00 00 00 00 01 00 09 42 41 54 43 48 5f 4c 4f 47");
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kReadTimeout, "x", detail)),
            "00 00 12 00 00 01 78 00 01 00 00 00 00 00 00 00 01 01");
}

TEST(EncodeError, FailuresCarryAFailureCountInV4) {
  TimeoutDetail detail{1, 0, 1, "SIMPLE", false};
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kReadFailure, "x", detail)),
            "00 00 13 00 00 01 78 00 01 00 00 00 00 00 00 00 01 00 00 00 01 00");
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kWriteFailure, "x", detail)),
            "00 00 15 00 00 01 78 00 01 00 00 00 00 00 00 00 01 00 00 00 01 00 06 53 49 4d 50 4c "
            "45");
}

TEST(EncodeError, V3SendsFailuresAsTimeouts) {
  TimeoutDetail detail{1, 0, 1, "SIMPLE", false};
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kReadFailure, "x", detail), 3),
            "00 00 12 00 00 01 78 00 01 00 00 00 00 00 00 00 01 00");
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kFunctionFailure, "x"), 3), "00 00 22 00 00 01 78");
}

TEST(EncodeError, FunctionFailureListsArgumentTypes) {
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kFunctionFailure, "x",
                            FunctionFailureDetail{"k", "f", "int, map<int, text>"})),
            "00 00 14 00 00 01 78 00 01 6b 00 01 66 00 02 00 03 69 6e 74 00 0e 6d 61 70 3c 69 6e "
            "74 2c 20 74 65 78 74 3e");
}

TEST(EncodeError, AlreadyExistsCarriesKeyspaceAndTable) {
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kAlreadyExists, "x", AlreadyExistsDetail{"ks", "t"})),
            "00 00 24 00 00 01 78 00 02 6b 73 00 01 74");
  // Without detail the fields are still there (empty), so drivers can parse the body.
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kAlreadyExists, "x")),
            "00 00 24 00 00 01 78 00 00 00 00");
}

TEST(EncodeError, UnpreparedCarriesTheIdAsShortBytes) {
  EXPECT_EQ(ErrorHex(Status(ErrorCode::kUnprepared, "x", UnpreparedDetail{Hex("ab cd")})),
            "00 00 25 00 00 01 78 00 02 ab cd");
}

TEST(EncodeErrorFrame, IsAResponseOnTheRequestStream) {
  EXPECT_EQ(ToHex(EncodeErrorFrame(4, 7, ProtocolError("x"))),
            "84 00 00 07 00 00 00 00 07 00 00 00 0a 00 01 78");
}

// ---- Other responses ------------------------------------------------------------------------

TEST(EncodeSupported, ListsVersionsCompressionsAndCql) {
  StringMultimap options;
  ASSERT_TRUE(Reader(EncodeSupported()).ReadStringMultimap(&options).ok());
  EXPECT_EQ(options.at("CQL_VERSION"), (std::vector<std::string>{"3.4.5"}));
  EXPECT_EQ(options.at("COMPRESSION"), (std::vector<std::string>{"lz4", "snappy"}));
  EXPECT_EQ(options.at("PROTOCOL_VERSIONS"), (std::vector<std::string>{"3/v3", "4/v4"}));
}

TEST(EncodeSimpleResponses, ReadyAuthenticateAndAuth) {
  EXPECT_EQ(EncodeReady(), "");
  EXPECT_EQ(ToHex(EncodeAuthenticate("A")), "00 01 41");
  EXPECT_EQ(ToHex(EncodeAuthChallenge(std::string_view("c"))), "00 00 00 01 63");
  EXPECT_EQ(ToHex(EncodeAuthSuccess(std::nullopt)), "ff ff ff ff");
}

// The encoded body in hex, or the error as text (so that a failure shows it).
std::string ResultHex(const Result<std::string>& body) {
  return body.ok() ? ToHex(*body) : body.status().ToString();
}
std::string ResultHex(const ResultMessage& result, uint8_t version) {
  return ResultHex(EncodeResult(result, version));
}

TEST(EncodeResult, VoidAndSetKeyspace) {
  EXPECT_EQ(ResultHex(VoidResult{}, 4), "00 00 00 01");
  EXPECT_EQ(ResultHex(SetKeyspaceResult{"ks"}, 4), "00 00 00 03 00 02 6b 73");
}

TEST(EncodeResult, RowsOfOneTableUseTheGlobalTableSpec) {
  RowsResult rows;
  rows.metadata.columns = {{"k", "t", "a", Type(Kind::kInt)}, {"k", "t", "b", Type(Kind::kVarchar)}};
  rows.rows = {{std::string(Hex("00 00 00 01")), std::nullopt}};
  EXPECT_EQ(ResultHex(rows, 4),
            "00 00 00 02 "                 // Rows
            "00 00 00 01 00 00 00 02 "     // Global_tables_spec, 2 columns
            "00 01 6b 00 01 74 "           // k.t
            "00 01 61 00 09 00 01 62 00 0d "  // a int, b text
            "00 00 00 01 "                 // 1 row
            "00 00 00 04 00 00 00 01 ff ff ff ff");
}

TEST(EncodeResult, RowsOfSeveralTablesNameEachColumnsTable) {
  RowsResult rows;
  rows.metadata.columns = {{"k", "t", "a", Type(Kind::kInt)}, {"k", "u", "b", Type(Kind::kInt)}};
  EXPECT_EQ(ResultHex(rows, 4),
            "00 00 00 02 00 00 00 00 00 00 00 02 "
            "00 01 6b 00 01 74 00 01 61 00 09 00 01 6b 00 01 75 00 01 62 00 09 "
            "00 00 00 00");
}

TEST(EncodeResult, RowsWithMorePagesCarryThePagingState) {
  RowsResult rows;
  rows.metadata.columns = {{"k", "t", "a", Type(Kind::kInt)}};
  rows.metadata.paging_state = Hex("ee");
  EXPECT_EQ(ResultHex(rows, 4),
            "00 00 00 02 00 00 00 03 00 00 00 01 00 00 00 01 ee "
            "00 01 6b 00 01 74 00 01 61 00 09 00 00 00 00");
}

TEST(EncodeResult, RowsWithoutMetadataSendOnlyTheColumnCount) {
  RowsResult rows;
  rows.metadata.columns = {{"k", "t", "a", Type(Kind::kInt)}};
  rows.metadata.no_metadata = true;
  rows.rows = {{std::string(Hex("00 00 00 07"))}};
  EXPECT_EQ(ResultHex(rows, 4),
            "00 00 00 02 00 00 00 04 00 00 00 01 00 00 00 01 00 00 00 04 00 00 00 07");
}

TEST(EncodeResult, PreparedV4HasPartitionKeyIndexes) {
  PreparedResult prepared;
  prepared.id = Hex("ab");
  prepared.bind_metadata.columns = {{"k", "t", "a", Type(Kind::kInt)}};
  prepared.partition_key_indexes = {0};
  prepared.result_metadata.no_metadata = true;
  EXPECT_EQ(ResultHex(prepared, 4),
            "00 00 00 04 00 01 ab "
            "00 00 00 01 00 00 00 01 00 00 00 01 00 00 "  // flags, 1 column, 1 pk: index 0
            "00 01 6b 00 01 74 00 01 61 00 09 "
            "00 00 00 04 00 00 00 00");                    // result metadata: No_metadata
  EXPECT_EQ(ResultHex(prepared, 3),
            "00 00 00 04 00 01 ab "
            "00 00 00 01 00 00 00 01 "
            "00 01 6b 00 01 74 00 01 61 00 09 "
            "00 00 00 04 00 00 00 00");
}

TEST(EncodeResult, SchemaChangeLayoutsByTarget) {
  EXPECT_EQ(ResultHex(SchemaChangeResult{"CREATED", "KEYSPACE", "k", "", {}}, 4),
            "00 00 00 05 00 07 43 52 45 41 54 45 44 00 08 4b 45 59 53 50 41 43 45 00 01 6b");
  EXPECT_EQ(ResultHex(SchemaChangeResult{"DROPPED", "TABLE", "k", "t", {}}, 4),
            "00 00 00 05 00 07 44 52 4f 50 50 45 44 00 05 54 41 42 4c 45 00 01 6b 00 01 74");
  EXPECT_EQ(ResultHex(SchemaChangeResult{"UPDATED", "FUNCTION", "k", "f", {"int"}}, 4),
            "00 00 00 05 00 07 55 50 44 41 54 45 44 00 08 46 55 4e 43 54 49 4f 4e 00 01 6b "
            "00 01 66 00 01 00 03 69 6e 74");
}

// ---- Safe by construction (issue 9, item 3) -------------------------------------------------

TEST(EncodeResult, ANameTooLongForAStringIsAnErrorNotACorruptFrame) {
  // An alias of 70,000 bytes was written with a uint16 length of 4,464 (70,000 mod 65,536).
  RowsResult rows;
  rows.metadata.columns = {{"k", "t", std::string(70000, 'a'), Type(Kind::kInt)}};
  auto body = EncodeResult(rows, 4);
  EXPECT_THAT(body, StatusIs(ErrorCode::kInvalid,
                             HasSubstr("of 70000 bytes: a [string] holds at most 65535 bytes")));
  rows.metadata.columns[0].name = std::string(65535, 'a');
  EXPECT_TRUE(EncodeResult(rows, 4).ok());
}

TEST(EncodeResult, InvalidUtf8InNamesIsReplaced) {
  RowsResult rows;
  rows.metadata.columns = {{"k", "t", "a\xff", Type(Kind::kInt)}};
  EXPECT_EQ(ResultHex(rows, 4),
            "00 00 00 02 00 00 00 01 00 00 00 01 00 01 6b 00 01 74 "
            "00 04 61 ef bf bd 00 09 00 00 00 00");  // a U+FFFD
}

TEST(EncodeResult, ARowWithTheWrongCellCountIsAnInternalError) {
  RowsResult rows;
  rows.metadata.columns = {{"k", "t", "a", Type(Kind::kInt)}, {"k", "t", "b", Type(Kind::kInt)}};
  rows.rows = {{std::nullopt}};
  EXPECT_THAT(EncodeResult(rows, 4),
              StatusIs(ErrorCode::kInternal, "A result row has 1 cells for 2 columns"));
}

TEST(EncodeResultFrame, IsTheResponseFrameOfTheEncodedResult) {
  // issue 14: the frame encoded in one piece must be byte for byte the two-step one.
  RowsResult rows;
  rows.metadata.columns = {{"k", "t", "a", Type(Kind::kInt)}, {"k", "t", "b", Type(Kind::kBlob)}};
  rows.rows = {{std::string(Hex("00 00 00 01")), std::string(300, 'x')},
               {std::nullopt, std::string()}};
  RowsResult paged = rows;
  paged.metadata.paging_state = std::string(40, 'p');
  RowsResult bare = rows;
  bare.metadata.no_metadata = true;
  PreparedResult prepared;
  prepared.id = Hex("ab cd");
  prepared.bind_metadata.columns = {{"k", "t", "a", Type(Kind::kInt)}};
  const std::vector<ResultMessage> results = {
      VoidResult{}, SetKeyspaceResult{"ks"}, rows, paged, bare, RowsResult{}, prepared,
      SchemaChangeResult{"CREATED", "TABLE", "k", "t", {}}};
  for (uint8_t version : {3, 4, 5}) {
    for (int16_t stream : {0, 7, -1, 32767}) {
      for (size_t i = 0; i < results.size(); ++i) {
        auto body = EncodeResult(results[i], version);
        ASSERT_TRUE(body.ok());
        auto frame = EncodeResultFrame(version, stream, results[i]);
        ASSERT_TRUE(frame.ok());
        EXPECT_EQ(ToHex(*frame), ToHex(EncodeResponseFrame(version, stream, Opcode::kResult, *body)))
            << "result " << i << ", v" << int{version} << ", stream " << stream;
      }
    }
  }
}

TEST(EncodeResultFrame, AResultThatCannotBeEncodedIsItsError) {
  RowsResult rows;
  rows.metadata.columns = {{"k", "t", "a", Type(Kind::kInt)}, {"k", "t", "b", Type(Kind::kInt)}};
  rows.rows = {{std::nullopt}};
  EXPECT_THAT(EncodeResultFrame(4, 1, rows),
              StatusIs(ErrorCode::kInternal, "A result row has 1 cells for 2 columns"));
}

TEST(EncodeError, LongMessagesAreCutAtACharacterBoundary) {
  // 'µ' is 2 bytes: 40,000 of them are cut to 32,767 characters (65,534 bytes), not at 65,535
  // bytes in the middle of one.
  std::string message;
  for (int i = 0; i < 40000; ++i) message += "\xc2\xb5";
  const std::string body = EncodeError(InvalidRequest(message), 4);
  ASSERT_EQ(body.size(), 4u + 2u + 65534u);
  EXPECT_EQ(ToHex(body.substr(4, 2)), "ff fe");
  EXPECT_EQ(body.substr(body.size() - 2), "\xc2\xb5");
}

TEST(EncodeError, InvalidUtf8InMessagesIsReplaced) {
  EXPECT_EQ(ErrorHex(SyntaxError("at: '\xff'")),
            "00 00 20 00 00 09 61 74 3a 20 27 ef bf bd 27");
}

TEST(EncodeSchemaChangeEvent, StartsWithTheEventType) {
  EXPECT_EQ(ResultHex(EncodeSchemaChangeEvent({"CREATED", "TYPE", "k", "u", {}})),
            "00 0d 53 43 48 45 4d 41 5f 43 48 41 4e 47 45 "
            "00 07 43 52 45 41 54 45 44 00 04 54 59 50 45 00 01 6b 00 01 75");
}

TEST(EncodeResponseFrame, CompressesTheBodyAndSetsTheFlag) {
  const std::string body(1000, 'x');
  for (auto compression : {Compression::kLz4, Compression::kSnappy}) {
    const std::string frame = EncodeResponseFrame(4, 3, Opcode::kResult, body, compression);
    FrameHeader header;
    ASSERT_TRUE(DecodeHeader(frame, &header, kDefaultMaxFrameSize, false).ok());
    EXPECT_TRUE(header.is_response);
    EXPECT_EQ(header.flags, 0x01);
    EXPECT_EQ(header.stream, 3);
    EXPECT_EQ(static_cast<size_t>(header.length), frame.size() - 9);
    auto decompressed = Decompress(compression, std::string_view(frame).substr(9));
    ASSERT_TRUE(decompressed.ok());
    EXPECT_EQ(*decompressed, body);
  }
}

TEST(EncodeRequestFrame, RoundTripsThroughTheDecoders) {
  QueryRequest query;
  query.query = "SELECT 1";
  query.params.consistency = Consistency::kAll;
  const std::string frame = EncodeRequestFrame(4, 9, query, Compression::kLz4);
  FrameHeader header;
  ASSERT_TRUE(DecodeHeader(frame, &header).ok());
  EXPECT_EQ(header.opcode, static_cast<uint8_t>(Opcode::kQuery));
  auto body = Decompress(Compression::kLz4, std::string_view(frame).substr(9));
  ASSERT_TRUE(body.ok());
  auto decoded = DecodeRequest(Opcode::kQuery, 4, *body);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<QueryRequest>(*decoded).query, "SELECT 1");
  EXPECT_EQ(std::get<QueryRequest>(*decoded).params.consistency, Consistency::kAll);
}

}  // namespace
}  // namespace sibyl::cql::protocol
