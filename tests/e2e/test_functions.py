"""Native scalar functions, operators and CAST as Cassandra 4.1 answers them (issue 13).

Each test names the Cassandra 4.1 source it follows (cql3/functions/*Fcts.java,
FunctionResolver.java, selection/Selectable.java). The module shares one server and keyspace.
"""
import datetime
import decimal
import uuid

import pytest
from cassandra import FunctionFailure, InvalidRequest
from cassandra.util import Date, Duration


@pytest.fixture(scope="module")
def t(session, keyspace):
    session.execute(f"CREATE TABLE {keyspace}.fn (k int PRIMARY KEY, i int, b bigint, f float, "
                    "d double, de decimal, v varint, ts timestamp, dt date, tu timeuuid, "
                    "tx text, bl blob)")
    session.execute(f"INSERT INTO {keyspace}.fn (k, i, b, f, d, de, v, ts, dt, tx, bl) VALUES "
                    "(1, 7, 10000000000, 1.5, 2.25, 1.10, 12345678901234567890, "
                    "'2024-01-31 10:00:00+0000', '2024-01-31', 'héllo', 0x00000005)")
    return f"{keyspace}.fn"


def test_now_and_to_timestamp_in_insert_values(session, keyspace):
    # The cqlsh example of issue 13: INSERT ... VALUES (now(), toTimestamp(now())).
    session.execute(f"CREATE TABLE {keyspace}.ev (id timeuuid PRIMARY KEY, at timestamp, d date)")
    session.execute(f"INSERT INTO {keyspace}.ev (id, at, d) VALUES (now(), toTimestamp(now()), "
                    "currentDate())")
    row = session.execute(f"SELECT id, at, d, toTimestamp(id) AS tid FROM {keyspace}.ev").one()
    assert row.id.version == 1
    # now() and toTimestamp(now()) of one statement read the same instant (statement_clock.h).
    assert abs((row.at - row.tid).total_seconds()) < 0.002
    assert row.d == Date(row.at.date())


def test_prepared_function_arguments_take_the_signature_types(session, t):
    # FunctionResolver.makeArgSpec: a marker argument is named arg<i>(system.<name>) and typed
    # by the parameter.
    ps = session.prepare(f"SELECT k FROM {t} WHERE k = blobAsInt(?)")
    assert ps.column_metadata[0].name == "arg0(system.blobasint)"
    assert ps.column_metadata[0].type.typename == "blob"
    assert [r.k for r in session.execute(ps, [b"\x00\x00\x00\x01"])] == [1]


def test_blob_conversions_in_where_and_selectors(session, t):
    assert [r.k for r in session.execute(f"SELECT k FROM {t} WHERE k = blobAsInt(0x00000001)")] == [1]
    row = session.execute(f"SELECT blobAsInt(bl), intAsBlob(i), textAsBlob(tx) FROM {t} "
                          "WHERE k = 1").one()
    assert row == (5, b"\x00\x00\x00\x07", "héllo".encode())
    # cqlsh's fixtures: blobAsInt(0x) is an empty int, which the driver reads as None.
    assert session.execute(f"SELECT blobAsInt(0x) FROM {t} WHERE k = 1").one()[0] is None
    with pytest.raises(InvalidRequest, match="In call to function blobasint, value 0x0001 is not "
                                             "a valid binary representation for type int"):
        session.execute(f"SELECT blobAsInt(0x0001) FROM {t} WHERE k = 1")


def test_result_column_names_are_cassandras(session, t):
    # Selectable.WithFunction / AbstractFunction.columnName; operators "a + b"; casts.
    rs = session.execute(f"SELECT toTimestamp(now()), i + b, -i, CAST(i AS text), "
                         f"system.blobasint(bl) AS x FROM {t} WHERE k = 1")
    assert rs.column_names == ["system.totimestamp(system.now())", "i + b", "-i",
                               "cast(i as text)", "x"]


def test_arithmetic_promotion(session, t):
    # OperationFcts.returnType: int + bigint = bigint, int + float = float, bigint + float = double,
    # varint + int = varint, decimal stays decimal.
    row = session.execute(f"SELECT i + b, i * f, b + f, v + i, de * 2, i / 2, i % 4, 7 / 2.0 "
                          f"FROM {t} WHERE k = 1").one()
    assert row[0] == 10000000007
    assert row[1] == 10.5
    assert row[2] == 10000000001.5
    assert row[3] == 12345678901234567897
    assert row[4] == decimal.Decimal("2.20")
    assert row[5] == 3
    assert row[6] == 3
    assert row[7] == 3.5


def test_integer_division_by_zero_is_a_function_failure(session, t):
    # OperationExecutionException: "the operation 'int / int' failed: / by zero".
    with pytest.raises(FunctionFailure, match="the operation 'int / int' failed: / by zero"):
        session.execute(f"SELECT i / 0 FROM {t} WHERE k = 1")
    # Floating point division by zero is not an error.
    assert session.execute(f"SELECT d / 0 FROM {t} WHERE k = 1").one()[0] == float("inf")


def test_constant_division_by_zero_fails_at_prepare_and_the_session_goes_on(session, t):
    # Terms of constants only are computed at PREPARE, as in Cassandra, so the failure comes from
    # PREPARE itself (found by fuzz_prepare). The connection keeps serving.
    with pytest.raises(FunctionFailure, match="the operation 'int / int' failed: / by zero"):
        session.prepare(f"SELECT i FROM {t} WHERE k = 1/0")
    with pytest.raises(FunctionFailure, match="'varint / int' failed: BigInteger divide by zero"):
        session.execute(f"UPDATE {t} SET v = {10**30}/0 WHERE k = 1")
    assert session.execute(f"SELECT k FROM {t} WHERE k = 1").one()[0] == 1


def test_int_overflow_wraps_as_java(session, t):
    assert session.execute(f"SELECT i + 2147483647 FROM {t} WHERE k = 1").one()[0] == -2147483642


def test_timestamp_and_date_with_durations(session, t):
    # TemporalType.addDuration: Joda's plusMonths clamps to the end of the month.
    row = session.execute(f"SELECT ts + 1mo, dt + 1mo, ts - 1d, toTimestamp(now()) - 1d "
                          f"FROM {t} WHERE k = 1").one()
    assert row[0] == datetime.datetime(2024, 2, 29, 10, 0)
    assert row[1] == Date(datetime.date(2024, 2, 29))
    assert row[2] == datetime.datetime(2024, 1, 30, 10, 0)
    with pytest.raises(InvalidRequest, match="the '-' operation is not supported between "
                                             "system.now\\(\\) and 1d"):
        session.execute(f"SELECT now() - 1d FROM {t} WHERE k = 1")
    with pytest.raises(FunctionFailure, match="The duration must have a day precision. Was: 1h"):
        session.execute(f"SELECT dt + 1h FROM {t} WHERE k = 1")
    assert [r.k for r in session.execute(
        f"SELECT k FROM {t} WHERE k = 1 AND ts > '2024-02-01' - 2d ALLOW FILTERING")] == [1]


def test_cast(session, t):
    # CastFcts: numbers to each other and to text; timestamps to date and text.
    row = session.execute(f"SELECT CAST(f AS int), CAST(d AS text), CAST(ts AS date), "
                          f"CAST(ts AS text), CAST(i AS varint), CAST(f AS decimal), "
                          f"CAST(b AS double) FROM {t} WHERE k = 1").one()
    assert row[0] == 1
    assert row[1] == "2.25"
    assert row[2] == Date(datetime.date(2024, 1, 31))
    assert row[3] == "2024-01-31T10:00:00.000Z"
    assert row[4] == 7
    assert row[5] == decimal.Decimal("1.5")
    assert row[6] == 1e10
    with pytest.raises(InvalidRequest, match="i cannot be cast to blob"):
        session.execute(f"SELECT CAST(i AS blob) FROM {t}")
    with pytest.raises(InvalidRequest, match="Invalid call to function system.castAsInt, none of "
                                             "its type signatures match"):
        session.execute(f"SELECT CAST(tx AS int) FROM {t}")


def test_time_conversions(session, t):
    tu = uuid.UUID("e23f450f-53a6-11ea-8080-808080808080")
    row = session.execute(f"SELECT toDate({tu}), toUnixTimestamp({tu}), dateOf({tu}), "
                          f"unixTimestampOf({tu}), minTimeuuid('2020-02-20 10:05:15+0000'), "
                          f"toUnixTimestamp(dt) FROM {t} WHERE k = 1").one()
    assert row[0] == Date(datetime.date(2020, 2, 20))
    assert row[1] == row[3]
    assert row[2] == datetime.datetime.utcfromtimestamp(row[1] / 1000)
    # UUIDGen.minTimeUUID: the instant's 100 ns count with the smallest clock sequence and node.
    assert row[4].time == (1582193115000 + 12219292800000) * 10000
    assert str(row[4]).endswith("-8080-808080808080")
    assert row[5] == 1706659200000


def test_resolution_errors(session, t):
    with pytest.raises(InvalidRequest, match="Unknown function 'nosuch'"):
        session.execute(f"SELECT nosuch(i) FROM {t}")
    with pytest.raises(InvalidRequest, match="Unknown function nosuch called"):
        session.execute(f"SELECT k FROM {t} WHERE k = nosuch(1)")
    with pytest.raises(InvalidRequest, match="Ambiguous call to function todate"):
        session.prepare(f"SELECT toDate(?) FROM {t}")
    with pytest.raises(InvalidRequest, match="Type error: cannot assign result of function "
                                             "system.now \\(type timeuuid\\) to i \\(type int\\)"):
        session.execute(f"INSERT INTO {t} (k, i) VALUES (2, now())")
    with pytest.raises(InvalidRequest, match="Type error: 'x' cannot be passed as argument 0 of "
                                             "function system.blobasint of type blob"):
        session.execute(f"SELECT blobAsInt('x') FROM {t}")


def test_math_functions_and_nulls(session, t):
    # Cassandra 5.0 MathFcts: the argument's type in and out; null in, null out.
    row = session.execute(f"SELECT abs(-i), round(d), log10(b), exp(i), abs(de) FROM {t} "
                          "WHERE k = 1").one()
    assert row == (7, 2.0, 10, 1096, decimal.Decimal("1.10"))
    session.execute(f"INSERT INTO {t} (k) VALUES (3)")
    row = session.execute(f"SELECT abs(i), i + 1, toDate(ts), CAST(i AS text) FROM {t} "
                          "WHERE k = 3").one()
    assert row == (None, None, None, None)


def test_update_with_arithmetic_and_bind_markers(session, t):
    session.execute(f"UPDATE {t} SET b = 40 + 2, ts = toTimestamp(now()) - 1h WHERE k = 4")
    row = session.execute(f"SELECT b, ts FROM {t} WHERE k = 4").one()
    assert row.b == 42
    # A bare marker leaves '*' ambiguous (FunctionResolver: "use type casts to disambiguate").
    with pytest.raises(InvalidRequest, match="Ambiguous '\\*' operation"):
        session.prepare(f"UPDATE {t} SET de = ? * 2 WHERE k = 4")
    ps = session.prepare(f"UPDATE {t} SET de = (decimal)? * 2 WHERE k = 4")
    assert ps.column_metadata[0].type.typename == "decimal"
    session.execute(ps, [decimal.Decimal("1.5")])
    assert session.execute(f"SELECT de FROM {t} WHERE k = 4").one().de == decimal.Decimal("3.0")


def test_currenttimestamp_is_one_instant_per_statement(session, keyspace):
    session.execute(f"CREATE TABLE {keyspace}.many (k int PRIMARY KEY)")
    for k in range(20):
        session.execute(f"INSERT INTO {keyspace}.many (k) VALUES ({k})")
    stamps = {r[0] for r in session.execute(
        f"SELECT currentTimestamp() FROM {keyspace}.many")}
    assert len(stamps) == 1


def test_duration_literals(session, keyspace):
    session.execute(f"CREATE TABLE {keyspace}.du (k int PRIMARY KEY, d duration)")
    for k, text, expected in [(1, "1h30m", Duration(0, 0, 5400000000000)),
                              (2, "1µs", Duration(0, 0, 1000)),
                              (3, "P1Y2M3DT4H", Duration(14, 3, 14400000000000)),
                              (4, "P2W", Duration(0, 14, 0)),
                              (5, "P0001-02-03T04:05:06", Duration(14, 3, 14706000000000))]:
        session.execute(f"INSERT INTO {keyspace}.du (k, d) VALUES ({k}, {text})")
        assert session.execute(f"SELECT d FROM {keyspace}.du WHERE k = {k}").one().d == expected
    with pytest.raises(InvalidRequest, match="Invalid duration. The minutes should be after hours"):
        session.execute(f"INSERT INTO {keyspace}.du (k, d) VALUES (9, 1m1h)")


def test_timestamp_and_date_string_forms(session, keyspace):
    # TimestampSerializer.dateStringToTimestamp (digits are epoch milliseconds; zones by offset
    # or name) and SimpleDateSerializer.dateStringToDays (digits are the raw day number).
    session.execute(f"CREATE TABLE {keyspace}.tsf (k int PRIMARY KEY, ts timestamp, d date)")
    for literal, expected in [("'123'", datetime.datetime(1970, 1, 1, 0, 0, 0, 123000)),
                              ("'2024-01-01 00:00:00 America/New_York'",
                               datetime.datetime(2024, 1, 1, 5, 0)),
                              ("'2024-07-01T12:30:00+02:00'", datetime.datetime(2024, 7, 1, 10, 30)),
                              ("'2024-07-01'", datetime.datetime(2024, 7, 1))]:
        session.execute(f"INSERT INTO {keyspace}.tsf (k, ts) VALUES (1, {literal})")
        assert session.execute(f"SELECT ts FROM {keyspace}.tsf WHERE k = 1").one().ts == expected
    session.execute(f"INSERT INTO {keyspace}.tsf (k, d) VALUES (2, '2147483649')")
    assert session.execute(f"SELECT d FROM {keyspace}.tsf WHERE k = 2").one().d == \
        Date(datetime.date(1970, 1, 2))
    with pytest.raises(InvalidRequest, match="Unable to coerce '2024-01-01 00:00 Mars/Olympus' "
                                             "to a formatted date"):
        session.execute(f"INSERT INTO {keyspace}.tsf (k, ts) VALUES (1, "
                        "'2024-01-01 00:00 Mars/Olympus')")
