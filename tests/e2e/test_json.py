"""SELECT JSON, INSERT JSON, toJson() and fromJson() as Cassandra 4.1 answers them (issue 13).

Expected texts follow Cassandra 4.1's cql3/validation/entities/JsonTest.java, db/marshal/*Type
(toJSONString, fromJSONObject), Selection.rowToJson and cql3/Json.java. One server per module.
"""
import json

import pytest
from cassandra import FunctionFailure, InvalidRequest
from cassandra.query import SimpleStatement


@pytest.fixture(scope="module")
def types_table(session, keyspace):
    session.execute(f"CREATE TYPE {keyspace}.addr (street text, \"Zip\" int)")
    session.execute(
        f"CREATE TABLE {keyspace}.every (k int PRIMARY KEY, asci ascii, bi bigint, bl blob, "
        "bo boolean, da date, de decimal, do double, fl float, ine inet, i int, si smallint, "
        "te text, ti time, ts timestamp, tu timeuuid, tin tinyint, u uuid, vi varint, "
        "du duration, l list<int>, s set<text>, m map<int, text>, fm frozen<map<text, int>>, "
        "tp tuple<int, text>, ud frozen<addr>, nud addr, \"Cap\" int)")
    return f"{keyspace}.every"


EVERY_ROW = (
    "INSERT INTO {t} (k, asci, bi, bl, bo, da, de, do, fl, ine, i, si, te, ti, ts, tu, tin, u, vi, "
    "du, l, s, m, fm, tp, ud, nud, \"Cap\") VALUES (1, 'a\"b', -123123123123, 0x00000001, true, "
    "'1987-03-23', -1.23E-12, 123123.0, 1.5, '::1', 7, -32768, 'h\u00e9\\', '07:35:07.000111222', "
    "'2014-01-01 00:00:00+0000', 6bddc89a-5644-11e4-97fc-56847afe9799, 127, "
    "6bddc89a-5644-11e4-97fc-56847afe9798, 12345678901234567890123, 1y1mo2d10h5m, [3, 1], "
    "{'b', 'a'}, {2: 'x', 1: 'y'}, {'k': 1}, (1, 'z'), {street: 's', \"Zip\": 5}, {street: 'n'}, 9)")


def test_select_json_formats_every_type(session, types_table):
    session.execute(EVERY_ROW.replace("{t}", types_table))
    result = session.execute(f"SELECT JSON * FROM {types_table}")
    assert result.column_names == ["[json]"]
    rows = list(result)
    assert rows[0][0] == (
        '{"k": 1, "\\"Cap\\"": 9, "asci": "a\\"b", "bi": -123123123123, "bl": "0x00000001", '
        '"bo": true, "da": "1987-03-23", "de": -1.23E-12, "do": 123123.0, "du": "1y1mo2d10h5m", '
        '"fl": 1.5, "fm": {"k": 1}, "i": 7, "ine": "0:0:0:0:0:0:0:1", "l": [3, 1], '
        '"m": {"1": "y", "2": "x"}, "nud": {"street": "n", "\\"Zip\\"": null}, '
        '"s": ["a", "b"], "si": -32768, '
        '"te": "h\u00e9\\\\", "ti": "07:35:07.000111222", "tin": 127, "tp": [1, "z"], '
        '"ts": "2014-01-01 00:00:00.000Z", "tu": "6bddc89a-5644-11e4-97fc-56847afe9799", '
        '"u": "6bddc89a-5644-11e4-97fc-56847afe9798", "ud": {"street": "s", "\\"Zip\\"": 5}, '
        '"vi": 12345678901234567890123}')
    # Every row is valid JSON.
    assert json.loads(rows[0][0])["vi"] == 12345678901234567890123


def test_json_round_trip_of_collections_udt_and_tuple(session, types_table):
    session.execute(EVERY_ROW.replace("{t}", types_table))
    before = session.execute(f"SELECT JSON * FROM {types_table} WHERE k = 1").one()[0]
    session.execute(f"DELETE FROM {types_table} WHERE k = 1")
    session.execute(f"INSERT INTO {types_table} JSON %s", [before])
    assert session.execute(f"SELECT JSON * FROM {types_table} WHERE k = 1").one()[0] == before
    # The literal form, prepared.
    ps = session.prepare(f"INSERT INTO {types_table} JSON ?")
    assert ps.column_metadata[0].name == "[json]"
    session.execute(ps, [before.replace('"k": 1', '"k": 2')])
    after = session.execute(f"SELECT JSON * FROM {types_table} WHERE k = 2").one()[0]
    assert after == before.replace('"k": 1', '"k": 2')


def test_select_json_with_aliases_functions_paging_limit_and_distinct(session, keyspace):
    t = f"{keyspace}.pg"
    session.execute(f"CREATE TABLE {t} (k int, c int, v int, \"Foo\" int, PRIMARY KEY (k, c))")
    for c in range(5):
        session.execute(f"INSERT INTO {t} (k, c, v) VALUES (0, {c}, {c * 10})")
    stmt = SimpleStatement(f"SELECT JSON c, v AS val, \"Foo\" AS \"Bar\", ttl(v), toJson(c) "
                           f"FROM {t} WHERE k = 0 LIMIT 3", fetch_size=2)
    assert [r[0] for r in session.execute(stmt)] == [
        '{"c": %d, "val": %d, "\\"Bar\\"": null, "ttl(v)": null, "system.tojson(c)": "%d"}'
        % (c, c * 10, c) for c in range(3)]
    assert [r[0] for r in session.execute(f"SELECT JSON DISTINCT k FROM {t}")] == ['{"k": 0}']
    assert [r[0] for r in session.execute(f"SELECT JSON count(*) FROM {t} WHERE k = 0")] == [
        '{"count": 5}']
    assert session.execute(f"SELECT toJson(v) FROM {t} WHERE k = 0 AND c = 9").one() is None
    # JsonTest.testJsonWithGroupBy: aggregates and GROUP BY rows are JSON rows too.
    assert [r[0] for r in session.execute(f"SELECT JSON k, max(v), count(*) FROM {t} GROUP BY k")] == [
        '{"k": 0, "system.max(v)": 40, "count": 5}']


def test_insert_json_defaults_using_and_case_sensitive_keys(session, keyspace):
    t = f"{keyspace}.ins"
    session.execute(f"CREATE TABLE {t} (k int PRIMARY KEY, v1 int, v2 int, \"Foo\" int)")
    session.execute(f"INSERT INTO {t} JSON '{{\"k\": 0, \"v1\": 0, \"v2\": 0}}'")
    session.execute(f"INSERT INTO {t} JSON '{{\"k\": 0, \"v2\": 2}}' DEFAULT UNSET")
    assert session.execute(f"SELECT v1, v2 FROM {t} WHERE k = 0").one() == (0, 2)
    session.execute(f"INSERT INTO {t} JSON '{{\"k\": 0, \"v2\": 3}}' DEFAULT NULL")
    assert session.execute(f"SELECT v1, v2 FROM {t} WHERE k = 0").one() == (None, 3)
    session.execute(f"INSERT INTO {t} JSON %s USING TTL 1000 AND TIMESTAMP 12345",
                    ['{"K": 1, "\\"Foo\\"": 4, "v1": "5"}'])
    row = session.execute(f"SELECT \"Foo\", v1, writetime(v1), ttl(v1) FROM {t} WHERE k = 1").one()
    assert row[:3] == (4, 5, 12345) and 0 < row[3] <= 1000
    with pytest.raises(InvalidRequest, match="JSON values map contains unrecognized column: foo"):
        session.execute(f"INSERT INTO {t} JSON '{{\"k\": 0, \"foo\": 0}}'")


def test_insert_json_errors_are_cassandras(session, keyspace):
    t = f"{keyspace}.err"
    session.execute(f"CREATE TABLE {t} (k int PRIMARY KEY, v int, l list<int>)")
    cases = [
        ('{"k": 0, "v": 0, "zzz": 0}', "JSON values map contains unrecognized column: zzz"),
        ('{"k": 0, "v": "notanint"}', "Error decoding JSON value for v: Unable to make int from 'notanint'"),
        ('{"k": 0, "l": [null]}', "Error decoding JSON value for l: Invalid null element in list"),
        ('{"k": 0, "v": 2147483648}', "Error decoding JSON value for v: Expected an int value, but got a Long: 2147483648"),
        ('"notamap"', "Could not decode JSON string as a map: "),
        ('{"k": ', "Could not decode JSON string as a map: "),
        ("null", "Got null for INSERT JSON values"),
    ]
    ps = session.prepare(f"INSERT INTO {t} JSON ?")
    for text, message in cases:
        with pytest.raises(InvalidRequest) as literal:
            session.execute(f"INSERT INTO {t} JSON '{text}'")
        assert message in str(literal.value), text
        with pytest.raises(InvalidRequest) as bound:
            session.execute(ps, [text])
        assert message in str(bound.value), text
    # In a BATCH, bound (the INSERT is known per execution) and literal.
    batch = session.prepare(f"BEGIN BATCH INSERT INTO {t} JSON ?; "
                            f"INSERT INTO {t} JSON '{{\"k\": 9, \"v\": 9}}'; APPLY BATCH")
    session.execute(batch, ['{"k": 8, "l": [8]}'])
    assert [tuple(r) for r in session.execute(f"SELECT k, v, l FROM {t} WHERE k IN (8, 9)")] == [
        (8, None, [8]), (9, 9, None)]
    # A string for a number is accepted, as Cassandra does.
    session.execute(f"INSERT INTO {t} JSON '{{\"k\": \"7\", \"v\": \"123\"}}'")
    assert session.execute(f"SELECT v FROM {t} WHERE k = 7").one().v == 123


def test_from_json_in_values_updates_and_where(session, keyspace):
    t = f"{keyspace}.fj"
    session.execute(f"CREATE TABLE {t} (k int PRIMARY KEY, v int, m map<text, int>)")
    session.execute(f"INSERT INTO {t} (k, v, m) VALUES (fromJson('1'), fromJson(%s), "
                    "fromJson('{\"a\": 1}'))", ['"2"'])
    session.execute(f"UPDATE {t} SET v = fromJson('3') WHERE k = fromJson('\"1\"')")
    assert session.execute(f"SELECT v, m FROM {t} WHERE k = fromJson('1')").one() == (3, {"a": 1})
    with pytest.raises(FunctionFailure, match="Unable to make int from 'x'"):
        session.execute(f"UPDATE {t} SET v = fromJson(%s) WHERE k = 1", ['"x"'])
    with pytest.raises(InvalidRequest, match="fromJson\\(\\) cannot be used in the selection clause"):
        session.execute(f"SELECT fromJson(v) FROM {t}")
    with pytest.raises(InvalidRequest, match="toJson\\(\\) may only be used within the selection"):
        session.execute(f"INSERT INTO {t} (k, v) VALUES (1, toJson(1))")


def test_insert_json_if_not_exists_answers_as_insert_if_not_exists(session, keyspace):
    # INSERT JSON ... IF NOT EXISTS is an INSERT ... IF NOT EXISTS (UpdateStatement.ParsedInsertJson):
    # both succeed alike, or both are refused alike while conditional updates are not built.
    t = f"{keyspace}.lwt"
    session.execute(f"CREATE TABLE {t} (k int PRIMARY KEY, v int)")
    def outcome(cql):
        try:
            return ("ok", [tuple(r) for r in session.execute(cql)])
        except InvalidRequest as e:
            return ("error", str(e))
    plain = outcome(f"INSERT INTO {t} (k, v) VALUES (1, 1) IF NOT EXISTS")
    session.execute(f"DELETE FROM {t} WHERE k = 1")
    as_json = outcome(f"INSERT INTO {t} JSON '{{\"k\": 1, \"v\": 1}}' IF NOT EXISTS")
    assert plain == as_json


def test_insert_json_numbers_past_a_doubles_range(session, keyspace):
    # Jackson (cql3/Json.java) reads 1e400 as Double Infinity: DoubleType/FloatType.fromJSONObject
    # store Infinity (toJSONString writes it back as null), DecimalType's new BigDecimal("Infinity")
    # refuses it; a 400-digit integer is an exact BigInteger.
    t = f"{keyspace}.huge"
    session.execute(f"CREATE TABLE {t} (k int PRIMARY KEY, d double, f float, de decimal, v varint)")
    session.execute(f"INSERT INTO {t} JSON '{{\"k\": 1, \"d\": 1e400, \"f\": -1e400, \"v\": {'9' * 400}}}'")
    r = session.execute(f"SELECT d, f, v FROM {t} WHERE k = 1").one()
    assert r.d == float("inf") and r.f == float("-inf") and r.v == int("9" * 400)
    assert session.execute(f"SELECT JSON d, f FROM {t} WHERE k = 1").one()[0] == \
        '{"d": null, "f": null}'
    with pytest.raises(InvalidRequest, match="Error decoding JSON value for de: Value 'Infinity' "
                                             "is not a valid representation of a decimal value"):
        session.execute(f"INSERT INTO {t} JSON '{{\"k\": 2, \"de\": 1e400}}'")
