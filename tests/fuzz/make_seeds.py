#!/usr/bin/python3
"""Writes the seed corpora of the libFuzzer targets into tests/fuzz/corpus/<target>/.

Seeds are real inputs made by independent clients where one exists: frames by the Python driver
(python3-cassandra, with its own lz4/snappy framing), values by the driver's serializers,
SigV4 signatures by botocore (the aws CLI's signer) and IAM bodies by botocore's Query-protocol
serializer. CQL statements come from tests/golden/*.cql plus statements over the fuzz_prepare
schema. Run it again after changing a target's input format (docs/dev/fuzzing.md); files named
regression-* (reproducers of fixed findings) are kept.

Usage: /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import datetime
import json
import os
import re
import struct
import sys
import urllib.parse
import uuid
from decimal import Decimal
from ipaddress import ip_address
from unittest import mock

from cassandra import ConsistencyLevel, connection, cqltypes, util
from cassandra import protocol as p
from cassandra.query import BatchType

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

# Must match tests/fuzz/iam_harness.h and fuzz_sigv4.cc.
ROOT_KEY = "AKIAFUZZROOT00000001"
ROOT_SECRET = "fuzzSecretKey0000000000000000000000000000"
SIGNED_AT = datetime.datetime(2024, 1, 1, 0, 0, 0)

LZ4, _ = connection.locally_supported_compressions["lz4"]
SNAPPY, _ = connection.locally_supported_compressions["snappy"]


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80]), "wb") as f:
        f.write(data)


def clear(target):
    d = os.path.join(CORPUS, target)
    if os.path.isdir(d):
        for n in os.listdir(d):
            if not n.startswith("regression-"):
                os.remove(os.path.join(d, n))


# ---- CQL text ---------------------------------------------------------------------------------

def golden_statements():
    out = []
    for name in sorted(os.listdir(os.path.join(ROOT, "tests", "golden"))):
        if not name.endswith(".cql"):
            continue
        text = open(os.path.join(ROOT, "tests", "golden", name), encoding="utf-8").read()
        buf = ""
        for line in text.splitlines():
            if line.startswith("--") or not line.strip():
                continue
            buf += line + "\n"
            if line.rstrip().endswith(";"):
                out.append((name[:-4], buf.strip()))
                buf = ""
    return out


# Statements over the schema of fuzz_prepare.cc (keyspaces ks1, ks2; tables t, c, coll,
# counters, keyed), every statement kind, and the hostile shapes of issue 9.
SCHEMA_STATEMENTS = [
    "SELECT * FROM t WHERE k = 1",
    "SELECT k, a, b, bl, bo, d, de, do, du, f, i, s, te, ti, ts, tu, ty, u, vi FROM ks1.t",
    "SELECT k, ttl(te), writetime(te), token(k) FROM t WHERE token(k) > -100 LIMIT 10",
    "SELECT count(*) FROM t WHERE k IN (1, 2, 3)",
    "SELECT JSON * FROM t WHERE k = ?",
    "SELECT DISTINCT p, q FROM c",
    "SELECT * FROM c WHERE p = 1 AND q = 'a' AND c1 > 5 AND c1 <= 100 ORDER BY c1 ASC",
    "SELECT * FROM c WHERE p = ? AND q = ? AND (c1, c2) > (10, [1]) PER PARTITION LIMIT 2 LIMIT 3",
    "SELECT * FROM c WHERE p = 1 AND q = 'a' AND c1 = 10 AND c2 = [1, 2] AND c3 = "
    "50554d6e-29bb-11e5-b345-feff819cdc9f",
    "SELECT v AS value, st FROM c WHERE p = 1 AND q = 'a' ALLOW FILTERING",
    "SELECT l, s, m, fl, t, n FROM coll WHERE k = 123e4567-e89b-12d3-a456-426655440000",
    "SELECT m['x'], l[0] FROM coll",
    "SELECT * FROM ks2.keyed WHERE k1 = (1, 'a') AND k2 = 12345678901234567890 AND c = 1.5",
    "SELECT * FROM ks2.keyed WHERE k1 = ? AND k2 = ? AND c IN (1.5, 2.5) AND c4 > '2020-01-01'",
    "SELECT hits FROM counters WHERE k = 'a'",
    "SELECT * FROM system.local",
    "SELECT peer, rpc_address FROM system.peers",
    "SELECT * FROM system_schema.tables WHERE keyspace_name = 'ks1'",
    "SELECT * FROM system_schema.columns",
    "INSERT INTO t (k, a, b, bl, bo, d, de, do, du, f, i, s, te, ti, ts, tu, ty, u, vi) VALUES "
    "(3, 'x', 1, 0x00, false, 0, -1.5e-3, -0.0, -P1Y2M3DT4H5M6.007S, Infinity, '::ffff:1.2.3.4', "
    "1, '', '00:00:00', 0, now(), -128, uuid(), -99999999999999999999999)",
    "INSERT INTO t (k, te) VALUES (?, ?) IF NOT EXISTS USING TTL 10 AND TIMESTAMP 123",
    "INSERT INTO t JSON '{\"k\": 5, \"te\": \"json\"}'",
    "INSERT INTO c (p, q, c1, c2, c3, v) VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO coll (k, l, s, m, fl, t, n) VALUES (uuid(), ['a'], {1}, {'a': 1}, [{1: 'x'}, {}], "
    "(1, 'a', 0x01), {1: {'10.0.0.1', '::1'}})",
    "INSERT INTO ks2.keyed (k1, k2, c, c4, v) VALUES ((?, ?), ?, ?, ?, ?)",
    "UPDATE t USING TTL 5 SET te = 'u', b = ? WHERE k = 1",
    "UPDATE t SET te = 'x' WHERE k = 1 IF te = 'y'",
    "UPDATE coll SET l = l + ['c'], s = s - {1}, m['y'] = 2, l[0] = 'z' WHERE k = ?",
    "UPDATE counters SET hits = hits - 5 WHERE k = ?",
    "UPDATE c SET st = 3 WHERE p = 1 AND q = 'a'",
    "DELETE FROM t WHERE k = 1",
    "DELETE te, b FROM t USING TIMESTAMP 5 WHERE k IN (1, 2)",
    "DELETE m['x'], l[1] FROM coll WHERE k = ? IF EXISTS",
    "DELETE FROM c WHERE p = 1 AND q = 'a' AND c1 >= 10 AND c1 < 20",
    "BEGIN BATCH INSERT INTO t (k, te) VALUES (1, 'a'); UPDATE t SET b = 2 WHERE k = 2; "
    "DELETE FROM t WHERE k = 3; APPLY BATCH",
    "BEGIN UNLOGGED BATCH USING TIMESTAMP 1 INSERT INTO t (k) VALUES (?); APPLY BATCH",
    "BEGIN COUNTER BATCH UPDATE counters SET hits = hits + 1 WHERE k = 'b'; APPLY BATCH",
    "USE ks2",
    "USE \"ks1\"",
    "CREATE KEYSPACE IF NOT EXISTS ks3 WITH replication = {'class': 'SimpleStrategy', "
    "'replication_factor': 3} AND durable_writes = false",
    "ALTER KEYSPACE ks2 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}",
    "DROP KEYSPACE IF EXISTS ks3",
    "CREATE TABLE IF NOT EXISTS ks1.n (a int, b text, c frozen<map<text, frozen<list<int>>>>, "
    "d tuple<int, frozen<set<uuid>>>, PRIMARY KEY ((a, b), c)) WITH CLUSTERING ORDER BY (c DESC) "
    "AND comment = 'x' AND default_time_to_live = 10 AND gc_grace_seconds = 0",
    "CREATE TABLE \"Quoted\" (\"Key\" int PRIMARY KEY, \"Value\" text) WITH COMPACT STORAGE",
    "ALTER TABLE t ADD x list<int>",
    "ALTER TABLE t DROP a",
    "ALTER TABLE t WITH comment = 'altered'",
    "ALTER TABLE t RENAME k TO k2",
    "DROP TABLE IF EXISTS ks1.n",
    "TRUNCATE TABLE t",
    "TRUNCATE ks1.c",
    "DESCRIBE KEYSPACES",
    "DESCRIBE KEYSPACE ks1",
    "DESC TABLE ks1.c",
    "DESCRIBE TABLES",
    "DESCRIBE FULL SCHEMA",
    "DESCRIBE ONLY KEYSPACE ks2",
    "CREATE INDEX ON t (te)",
    "CREATE TYPE ks1.address (street text, zip int)",
    "GRANT SELECT ON ks1.t TO role",
    "SELECT * FROM t WHERE k = :key AND te = :text ALLOW FILTERING",
    "SELECT blobAsText(bl), textAsBlob(te), toJson(m), toTimestamp(now()), cast(k as text), "
    "minTimeuuid('2020-01-01'), dateOf(tu), unixTimestampOf(tu) FROM t",
    "SELECT * FROM t WHERE k = 1; -- trailing comment",
    "/* comment */ SELECT k FROM t WHERE k = 0x01 // line comment",
    "select K from T where K = $$dollar ' quoted$$",
    "SELECT (((((((((1))))))))) FROM system.local",
    "SELECT [[[[[1]]]]], {{{1: 2}}} FROM system.local",
    "SELECT * FROM t WHERE k IN ((((1))))",
    "INSERT INTO t (k, du) VALUES (1, 99999999999999999999y)",
    "INSERT INTO t (k, vi) VALUES (1, " + "9" * 400 + ")",
    "INSERT INTO t (k, de) VALUES (1, 1." + "0" * 300 + "1e-300)",
    "INSERT INTO t (k, d) VALUES (1, '-5877641-06-23')",
    "SELECT \"" + "x" * 300 + "\" FROM t",
    "SELECT k AS \"µ\" FROM t WHERE te = 'ünïcode'",
]


# ---- frames -----------------------------------------------------------------------------------

def frame(msg, version=4, stream=1, compressor=None):
    return bytes(p.ProtocolHandler.encode_message(msg, stream, version, compressor, version >= 5))


def startup(compression=None):
    opts = {"CQL_VERSION": "3.4.5", "DRIVER_NAME": "fuzz", "DRIVER_VERSION": "1"}
    if compression:
        opts["COMPRESSION"] = compression
    return p.StartupMessage(cqlversion="3.4.5", options=opts)


def query(text="SELECT * FROM system.local", **kw):
    return p.QueryMessage(text, ConsistencyLevel.LOCAL_QUORUM, **kw)


def request_messages():
    """(name, message) of every request kind, with the options each carries."""
    i32 = cqltypes.Int32Type.serialize
    out = [
        ("startup", startup()),
        ("startup-lz4", startup("lz4")),
        ("startup-snappy", startup("snappy")),
        ("options", p.OptionsMessage()),
        ("query", query()),
        ("query-paged", query("SELECT * FROM t", fetch_size=100, paging_state=b"\x00\x04abcd",
                              serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL,
                              timestamp=1700000000000000)),
        ("prepare", p.PrepareMessage("INSERT INTO ks1.t (k, te) VALUES (?, ?)")),
        ("execute", p.ExecuteMessage(b"\x01" * 16, [i32(1, 4), b"text"], ConsistencyLevel.ONE,
                                     fetch_size=10, skip_meta=True)),
        ("execute-null-unset", p.ExecuteMessage(b"\x02" * 16, [None, p._UNSET_VALUE],
                                                ConsistencyLevel.QUORUM)),
        ("batch", p.BatchMessage(BatchType.LOGGED, [
            (False, "INSERT INTO ks1.t (k) VALUES (1)", []),
            (True, b"\x01" * 16, [i32(2, 4), None]),
        ], ConsistencyLevel.ONE, serial_consistency_level=ConsistencyLevel.SERIAL,
            timestamp=123)),
        ("batch-unlogged", p.BatchMessage(BatchType.UNLOGGED, [
            (False, "UPDATE ks1.t SET te = ? WHERE k = ?", [b"x", i32(3, 4)])],
            ConsistencyLevel.ANY)),
        ("batch-counter", p.BatchMessage(BatchType.COUNTER, [
            (False, "UPDATE ks1.counters SET hits = hits + 1 WHERE k = 'a'", [])],
            ConsistencyLevel.ALL)),
        ("register", p.RegisterMessage(["SCHEMA_CHANGE", "TOPOLOGY_CHANGE", "STATUS_CHANGE"])),
        ("auth-plain", p.AuthResponseMessage(b"\x00alice\x00secret-password")),
        ("auth-sigv4", p.AuthResponseMessage(
            ("signature=" + "ab" * 32 + ",access_key=" + ROOT_KEY +
             ",amzdate=2024-01-01T00:00:00.000Z").encode())),
    ]
    return out


def make_request_body():
    clear("fuzz_request_body")
    for version in (3, 4):
        for name, msg in request_messages():
            f = frame(msg, version)
            write("fuzz_request_body", f"{name}-v{version}", bytes([f[4], version]) + f[9:])
    # A custom payload (flag 0x04) before the body, and a tracing flag.
    msg = query()
    msg.custom_payload = {"key": b"value"}
    f = frame(msg, 4)
    write("fuzz_request_body", "query-custom-payload-v4", bytes([f[4], 4 | (f[1] << 3)]) + f[9:])
    write("fuzz_request_body", "auth-null-v4", bytes([0x0F, 4]) + struct.pack(">i", -1))
    f = frame(query(), 4)
    write("fuzz_request_body", "query-tracing-v4", bytes([f[4], 4 | (0x02 << 3)]) + f[9:])
    for name, text in golden_statements()[:20]:
        f = frame(query(text), 4)
        write("fuzz_request_body", f"query-golden-{name}-{len(text)}", bytes([f[4], 4]) + f[9:])


def make_frame():
    clear("fuzz_frame")
    msgs = dict(request_messages())
    body = [msgs[n] for n in ("query", "query-paged", "prepare", "execute", "batch",
                              "batch-unlogged", "register", "options")]
    for version in (3, 4):
        # Chunk sizes 0 (all at once), 1 and 7 bytes.
        for chunk in (0, 1, 7):
            stream = frame(p.OptionsMessage(), version, 0) + frame(startup(), version, 1)
            stream += b"".join(frame(m, version, i + 2) for i, m in enumerate(body))
            write("fuzz_frame", f"auth-off-v{version}-chunk{chunk}", bytes([chunk << 1]) + stream)
        for name, comp in (("lz4", LZ4), ("snappy", SNAPPY)):
            stream = frame(startup(name), version, 1)
            stream += b"".join(frame(m, version, i + 2, comp) for i, m in enumerate(body))
            write("fuzz_frame", f"compressed-{name}-v{version}", bytes([0]) + stream)
        stream = frame(startup(), version, 1) + frame(msgs["auth-plain"], version, 2)
        stream += frame(query(), version, 3)
        write("fuzz_frame", f"auth-plain-v{version}", bytes([1]) + stream)
        stream = frame(startup(), version, 1) + frame(p.AuthResponseMessage(b"SigV4\x00\x00"),
                                                      version, 2)
        stream += frame(msgs["auth-sigv4"], version, 3)
        write("fuzz_frame", f"auth-sigv4-v{version}", bytes([1]) + stream)
        stream = frame(query(), version, 1) + frame(msgs["batch"], version, 2)
        write("fuzz_frame", f"before-startup-v{version}", bytes([1]) + stream)
    # Versions the server refuses, and broken headers.
    write("fuzz_frame", "v5-startup", bytes([0]) + frame(startup(), 5, 1))
    write("fuzz_frame", "v1-header", bytes([0]) + bytes([1, 0, 1, 5, 0, 0, 0, 0]))
    write("fuzz_frame", "v2-header", bytes([0]) + bytes([2, 0, 1, 5, 0, 0, 0, 0]))
    write("fuzz_frame", "response-bit", bytes([0]) + bytes([0x84, 0, 0, 1, 5, 0, 0, 0, 0]))
    write("fuzz_frame", "oversized", bytes([0]) + bytes([4, 0, 0, 1, 7, 0x7f, 0xff, 0xff, 0xff]))
    write("fuzz_frame", "negative-length", bytes([0]) + bytes([4, 0, 0, 1, 7, 0xff, 0, 0, 0]))
    write("fuzz_frame", "unknown-opcode", bytes([0]) + frame(startup(), 4, 1)
          + bytes([4, 0, 0, 2, 0x42, 0, 0, 0, 0]))
    write("fuzz_frame", "compressed-before-startup", bytes([0]) + frame(query(), 4, 1, LZ4))
    write("fuzz_frame", "version-switch", bytes([0]) + frame(startup(), 4, 1)
          + frame(query(), 3, 2))


def make_compression():
    clear("fuzz_compression")
    bodies = [b"", b"a", b"SELECT * FROM system.local" * 3, bytes(range(256)) * 4,
              b"\x00" * 4096]
    bodies += [frame(m, 4)[9:] for _, m in request_messages()]
    for i, b in enumerate(bodies):
        write("fuzz_compression", f"lz4-{i}", b"\x00" + LZ4(b))
        write("fuzz_compression", f"snappy-{i}", b"\x01" + SNAPPY(b))
    # Declared sizes far beyond the data (bombs) and truncated blocks.
    write("fuzz_compression", "lz4-declares-256MiB", b"\x00" + struct.pack(">I", 256 << 20) + b"\x00")
    write("fuzz_compression", "lz4-truncated", b"\x00" + LZ4(b"x" * 1000)[:-3])
    write("fuzz_compression", "snappy-declares-huge", b"\x01" + b"\xff\xff\xff\xff\x0f")


# ---- values -----------------------------------------------------------------------------------

# ReadType of fuzz_value.cc: one byte per node, index into its kNative table, then list=20,
# set=21, map=22, tuple=23 (+count), udt=24 (+count); 0x80 = frozen.
NATIVE = ["ascii", "bigint", "blob", "boolean", "counter", "decimal", "double", "float", "int",
          "timestamp", "uuid", "varchar", "varint", "timeuuid", "inet", "date", "time",
          "smallint", "tinyint", "duration"]
DRIVER = {
    "ascii": cqltypes.AsciiType, "bigint": cqltypes.LongType, "blob": cqltypes.BytesType,
    "boolean": cqltypes.BooleanType, "counter": cqltypes.CounterColumnType,
    "decimal": cqltypes.DecimalType, "double": cqltypes.DoubleType, "float": cqltypes.FloatType,
    "int": cqltypes.Int32Type, "timestamp": cqltypes.DateType, "uuid": cqltypes.UUIDType,
    "varchar": cqltypes.UTF8Type, "varint": cqltypes.IntegerType,
    "timeuuid": cqltypes.TimeUUIDType, "inet": cqltypes.InetAddressType,
    "date": cqltypes.SimpleDateType, "time": cqltypes.TimeType, "smallint": cqltypes.ShortType,
    "tinyint": cqltypes.ByteType, "duration": cqltypes.DurationType,
}
SAMPLES = {
    "ascii": ["", "ascii text"], "bigint": [-2 ** 63, 0, 2 ** 63 - 1], "blob": [b"", b"\xca\xfe"],
    "boolean": [True, False], "counter": [-5, 7], "decimal": [Decimal("123.456"),
                                                              Decimal("-1E-300"), Decimal(0)],
    "double": [1.5e10, float("-inf"), float("nan"), -0.0], "float": [3.25, float("inf")],
    "int": [-2 ** 31, 42], "timestamp": [datetime.datetime(2020, 1, 2, 3, 4, 5, 678000),
                                         datetime.datetime(1900, 1, 1)],
    "uuid": [uuid.UUID("123e4567-e89b-12d3-a456-426655440000")],
    "varchar": ["", "ünïcode 'quoted'", "日本語"],
    "varint": [0, -1, 128, -129, 123456789012345678901234567890, -(10 ** 40)],
    "timeuuid": [uuid.UUID("50554d6e-29bb-11e5-b345-feff819cdc9f")],
    "inet": ["192.168.0.1", "::1", "2001:db8::ff00:42:8329"],
    "date": [util.Date(0), util.Date(18000), util.Date(-719162)],
    "time": [util.Time(0), util.Time(49559123456789), util.Time(86399999999999)],
    "smallint": [-32768, 1], "tinyint": [-128, 127],
    "duration": [util.Duration(14, 3, 4 * 3600 * 10 ** 9), util.Duration(-1, -2, -3)],
}


def type_bytes(t):
    kind = t[0]
    if kind in NATIVE:
        return bytes([NATIVE.index(kind) | (0x80 if t[-1] == "frozen" else 0)])
    frozen = 0x80 if t[-1] == "frozen" else 0
    if kind == "list":
        return bytes([20 | frozen]) + type_bytes(t[1])
    if kind == "set":
        return bytes([21 | frozen]) + type_bytes(t[1])
    if kind == "map":
        return bytes([22 | frozen]) + type_bytes(t[1]) + type_bytes(t[2])
    code = 23 if kind == "tuple" else 24
    return bytes([code | frozen, len(t[1]) - 1]) + b"".join(type_bytes(x) for x in t[1])


def driver_type(t):
    kind = t[0]
    if kind in NATIVE:
        return DRIVER[kind]
    if kind == "list":
        return cqltypes.ListType.apply_parameters([driver_type(t[1])])
    if kind == "set":
        return cqltypes.SetType.apply_parameters([driver_type(t[1])])
    if kind == "map":
        return cqltypes.MapType.apply_parameters([driver_type(t[1]), driver_type(t[2])])
    if kind == "tuple":
        return cqltypes.TupleType.apply_parameters([driver_type(x) for x in t[1]])
    names = [f"f{i}" for i in range(len(t[1]))]
    return cqltypes.UserType.make_udt_class("ks", "udt", names, [driver_type(x) for x in t[1]])


def sample(t, i):
    kind = t[0]
    if kind in NATIVE:
        s = SAMPLES[kind]
        return s[i % len(s)]
    if kind in ("list", "set"):
        vals = [sample(t[1], j) for j in range(i % 3)]
        if kind == "set":
            vals = list({repr(v): v for v in vals}.values())
            return util.SortedSet(vals) if all(v == v for v in vals) else vals
        return vals
    if kind == "map":
        return {sample(t[1], j): sample(t[2], j) for j in range(i % 3)
                if sample(t[1], j) == sample(t[1], j)}
    vals = tuple(sample(x, i + j) for j, x in enumerate(t[1]))
    return vals


def make_value():
    clear("fuzz_value")
    types = [(n,) for n in NATIVE]
    types += [
        ("list", ("int",)), ("set", ("varchar",)), ("map", ("varchar",), ("bigint",)),
        ("list", ("int",), "frozen"), ("set", ("uuid",), "frozen"),
        ("list", ("map", ("int",), ("varchar",), "frozen"), "frozen"),
        ("map", ("int",), ("set", ("inet",), "frozen")),
        ("tuple", [("int",), ("varchar",), ("blob",)]),
        ("tuple", [("varint",), ("tuple", [("decimal",), ("duration",)])]),
        ("udt", [("varchar",), ("int",), ("list", ("timestamp",), "frozen")], "frozen"),
        ("list", ("tuple", [("timeuuid",), ("date",), ("time",)]), "frozen"),
        ("set", ("tuple", [("smallint",), ("tinyint",)]), "frozen"),
        ("map", ("ascii",), ("list", ("list", ("double",), "frozen"), "frozen"), "frozen"),
    ]
    for t in types:
        dt = driver_type(t)
        for i in range(3):
            try:
                a = dt.serialize(sample(t, i), 4)
                b = dt.serialize(sample(t, i + 1), 4)
            except Exception as e:  # a sample the driver cannot write: skip it
                print("skip", t, e, file=sys.stderr)
                continue
            if len(a) > 255:
                continue
            name = "-".join(str(x) for x in re.findall(r"[a-z]+", repr(t)))
            write("fuzz_value", f"{name}-{i}", type_bytes(t) + bytes([len(a)]) + a + b)
    # Hostile encodings of issue 9 item 2: an int list element of 1 byte, a uuid list element
    # longer than the value, a tuple field of length -2.
    write("fuzz_value", "list-int-short-element",
          type_bytes(("list", ("int",), "frozen")) + b"\x00" + bytes.fromhex("000000010000000107"))
    write("fuzz_value", "list-uuid-bogus-length",
          type_bytes(("list", ("uuid",), "frozen")) + b"\x00" + bytes.fromhex("000000010000ffff") +
          b"\x11" * 16)
    write("fuzz_value", "tuple-negative-length",
          type_bytes(("tuple", [("int",), ("varchar",)])) + b"\x00" + bytes.fromhex("fffffffe7a7a"))


# ---- CQL ---------------------------------------------------------------------------------------

def make_cql():
    for target in ("fuzz_cql_parser", "fuzz_prepare"):
        clear(target)
        for i, (name, text) in enumerate(golden_statements()):
            write(target, f"golden-{name}-{i:03d}", text)
        for i, text in enumerate(SCHEMA_STATEMENTS):
            write(target, f"schema-{i:03d}", text)


# ---- SigV4 -------------------------------------------------------------------------------------

class FixedDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return SIGNED_AT


def signed(method, url, body=None, service="iam", presign=False, headers=None):
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    creds = botocore.credentials.Credentials(ROOT_KEY, ROOT_SECRET)
    req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body,
                                         headers=headers or {})
    with mock.patch.object(botocore.auth.datetime, "datetime", FixedDatetime):
        if presign:
            botocore.auth.SigV4QueryAuth(creds, service, "us-east-1", expires=300).add_auth(req)
        else:
            botocore.auth.SigV4Auth(creds, service, "us-east-1").add_auth(req)
    return req


def sigv4_seed(method, req, body):
    parts = urllib.parse.urlsplit(req.url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    auth = req.headers.get("Authorization", "")
    date = req.headers.get("X-Amz-Date", "")
    extra = ("Content-Type", req.headers.get("Content-Type", "")) if body else ("", "")
    fields = ["H", method, target, auth, date, extra[0], extra[1], body or ""]
    return "\0".join(fields).encode()


def make_sigv4():
    clear("fuzz_sigv4")
    url = "http://127.0.0.1:8080/"
    form = "Action=ListUsers&Version=2010-05-08"
    ct = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    req = signed("POST", url, form, headers=ct)
    write("fuzz_sigv4", "post-listusers", sigv4_seed("POST", req, form))
    req = signed("POST", url, "Action=GetCallerIdentity&Version=2011-06-15", "sts", headers=ct)
    write("fuzz_sigv4", "post-sts", sigv4_seed("POST", req,
                                               "Action=GetCallerIdentity&Version=2011-06-15"))
    req = signed("GET", url + "?Action=GetUser&UserName=alice&Version=2010-05-08")
    write("fuzz_sigv4", "get-query", sigv4_seed("GET", req, ""))
    req = signed("GET", url + "?Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fa%20b%2F",
                 presign=True)
    write("fuzz_sigv4", "presigned", sigv4_seed("GET", req, ""))
    req = signed("POST", "http://127.0.0.1:8080/a/b%20c/../d", "x=1", headers=ct)
    write("fuzz_sigv4", "path-segments", sigv4_seed("POST", req, "x=1"))
    write("fuzz_sigv4", "wrong-algorithm",
          "\0".join(["H", "POST", "/", "AWS4-HMAC-SHA1 Credential=a/b/c/d/e", "20240101T000000Z",
                     "", "", form]).encode())
    write("fuzz_sigv4", "missing-parts",
          "\0".join(["H", "POST", "/", "AWS4-HMAC-SHA256 Credential=" + ROOT_KEY +
                     "/20240101/us-east-1/iam/aws4_request", "20240101T000000Z", "", "",
                     form]).encode())
    write("fuzz_sigv4", "keyspaces-token",
          b"K\0signature=" + b"0f" * 32 + b",access_key=" + ROOT_KEY.encode() +
          b",amzdate=2024-01-01T00:00:00.000Z")
    write("fuzz_sigv4", "keyspaces-token-session",
          b"K\0signature=" + b"0f" * 32 + b",access_key=" + ROOT_KEY.encode() +
          b",amzdate=2024-01-01T00:00:00Z,session_token=abc%2Fdef")


# ---- IAM policies ------------------------------------------------------------------------------

def policy_documents():
    docs = []
    sources = [os.path.join(ROOT, "tests", "unit", "iam", n) for n in
               ("policy_test.cc", "policy_store_test.cc", "iam_service_test.cc")]
    sources.append(os.path.join(ROOT, "src", "iam", "aws_managed_policies.cc"))
    for path in sources:
        if not os.path.exists(path):
            continue
        text = open(path, encoding="utf-8").read()
        for m in re.finditer(r'R"(\w*)\((.*?)\)\1"', text, re.S):
            body = m.group(2).strip()
            if body.startswith("{") and '"Statement"' in body:
                docs.append(body)
    for path in sorted(os.listdir(os.path.join(ROOT, "tests", "e2e"))):
        if path.endswith(".py"):
            text = open(os.path.join(ROOT, "tests", "e2e", path), encoding="utf-8").read()
            for m in re.finditer(r'\{"Version":.*?\}\]\}', text):
                try:
                    docs.append(json.dumps(json.loads(m.group(0))))
                except ValueError:
                    pass
    return list(dict.fromkeys(docs))


def make_policy():
    clear("fuzz_policy")
    requests = [
        ["cassandra:Select", "arn:aws:cassandra:us-east-1:111122223333:/keyspace/ks/table/t",
         "aws:username=alice", "aws:resourcetag/owner=alice", "aws:sourceip=10.1.2.3"],
        ["iam:CreateUser", "arn:aws:iam::111122223333:user/bob", "aws:requesttag/team=a",
         "aws:tagkeys=team", "aws:securetransport=true"],
    ]
    for i, doc in enumerate(policy_documents()):
        write("fuzz_policy", f"doc-{i:03d}", "\0".join([doc] + requests[i % 2]).encode())


# ---- IAM Query-protocol bodies ------------------------------------------------------------------

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["cassandra:Select", "cassandra:Modify"],
     "Resource": "arn:aws:cassandra:us-east-1:111122223333:/keyspace/ks/*",
     "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                   "StringEquals": {"aws:username": "${aws:username}"}}}]})
PARAMS = {
    "CreateUser": {"UserName": "alice", "Path": "/division/",
                   "Tags": [{"Key": "team", "Value": "a"}]},
    "GetUser": {"UserName": "alice"}, "ListUsers": {"PathPrefix": "/", "MaxItems": 10},
    "UpdateUser": {"UserName": "alice", "NewUserName": "alice2", "NewPath": "/x/"},
    "DeleteUser": {"UserName": "alice"},
    "CreateAccessKey": {"UserName": "alice"}, "ListAccessKeys": {"UserName": "alice"},
    "UpdateAccessKey": {"AccessKeyId": "AKIAEXAMPLE000000000", "Status": "Inactive"},
    "DeleteAccessKey": {"AccessKeyId": "AKIAEXAMPLE000000000", "UserName": "alice"},
    "GetAccessKeyLastUsed": {"AccessKeyId": ROOT_KEY},
    "CreateServiceSpecificCredential": {"UserName": "alice",
                                        "ServiceName": "cassandra.amazonaws.com"},
    "ListServiceSpecificCredentials": {"UserName": "alice",
                                       "ServiceName": "cassandra.amazonaws.com"},
    "ResetServiceSpecificCredential": {"ServiceSpecificCredentialId": "ACCA0000000000000000"},
    "UpdateServiceSpecificCredential": {"ServiceSpecificCredentialId": "ACCA0000000000000000",
                                        "Status": "Inactive"},
    "DeleteServiceSpecificCredential": {"ServiceSpecificCredentialId": "ACCA0000000000000000"},
    "TagUser": {"UserName": "alice", "Tags": [{"Key": "k", "Value": "v"},
                                              {"Key": "k2", "Value": ""}]},
    "UntagUser": {"UserName": "alice", "TagKeys": ["k", "k2"]},
    "ListUserTags": {"UserName": "alice"},
    "CreateLoginProfile": {"UserName": "alice", "Password": "Sup3r-Secret-Passw0rd",
                           "PasswordResetRequired": True},
    "GetLoginProfile": {"UserName": "alice"},
    "UpdateLoginProfile": {"UserName": "alice", "Password": "An0ther-Passw0rd!"},
    "DeleteLoginProfile": {"UserName": "alice"},
    "ChangePassword": {"OldPassword": "a", "NewPassword": "b"},
    "CreateGroup": {"GroupName": "readers", "Path": "/"}, "GetGroup": {"GroupName": "readers"},
    "ListGroups": {}, "DeleteGroup": {"GroupName": "readers"},
    "AddUserToGroup": {"GroupName": "readers", "UserName": "alice"},
    "RemoveUserFromGroup": {"GroupName": "readers", "UserName": "alice"},
    "ListGroupsForUser": {"UserName": "alice"},
    "CreatePolicy": {"PolicyName": "p", "PolicyDocument": POLICY, "Path": "/",
                     "Description": "d"},
    "GetPolicy": {"PolicyArn": "arn:aws:iam::111122223333:policy/p"},
    "ListPolicies": {"Scope": "Local", "OnlyAttached": False},
    "DeletePolicy": {"PolicyArn": "arn:aws:iam::111122223333:policy/p"},
    "CreatePolicyVersion": {"PolicyArn": "arn:aws:iam::111122223333:policy/p",
                            "PolicyDocument": POLICY, "SetAsDefault": True},
    "GetPolicyVersion": {"PolicyArn": "arn:aws:iam::111122223333:policy/p", "VersionId": "v1"},
    "ListPolicyVersions": {"PolicyArn": "arn:aws:iam::111122223333:policy/p"},
    "DeletePolicyVersion": {"PolicyArn": "arn:aws:iam::111122223333:policy/p",
                            "VersionId": "v1"},
    "SetDefaultPolicyVersion": {"PolicyArn": "arn:aws:iam::111122223333:policy/p",
                                "VersionId": "v2"},
    "ListEntitiesForPolicy": {"PolicyArn": "arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess"},
    "SimulatePrincipalPolicy": {"PolicySourceArn": "arn:aws:iam::111122223333:user/alice",
                                "ActionNames": ["cassandra:Select", "iam:GetUser"],
                                "ResourceArns": ["*"],
                                "ContextEntries": [{"ContextKeyName": "aws:SourceIp",
                                                    "ContextKeyValues": ["10.0.0.1"],
                                                    "ContextKeyType": "ip"}]},
    "PutUserPolicy": {"UserName": "alice", "PolicyName": "inline", "PolicyDocument": POLICY},
    "GetUserPolicy": {"UserName": "alice", "PolicyName": "inline"},
    "ListUserPolicies": {"UserName": "alice"},
    "DeleteUserPolicy": {"UserName": "alice", "PolicyName": "inline"},
    "AttachUserPolicy": {"UserName": "alice",
                         "PolicyArn": "arn:aws:iam::aws:policy/AmazonKeyspacesFullAccess"},
    "DetachUserPolicy": {"UserName": "alice",
                         "PolicyArn": "arn:aws:iam::aws:policy/AmazonKeyspacesFullAccess"},
    "ListAttachedUserPolicies": {"UserName": "alice"},
    "PutGroupPolicy": {"GroupName": "readers", "PolicyName": "inline", "PolicyDocument": POLICY},
    "GetGroupPolicy": {"GroupName": "readers", "PolicyName": "inline"},
    "ListGroupPolicies": {"GroupName": "readers"},
    "DeleteGroupPolicy": {"GroupName": "readers", "PolicyName": "inline"},
    "AttachGroupPolicy": {"GroupName": "readers",
                          "PolicyArn": "arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess"},
    "DetachGroupPolicy": {"GroupName": "readers",
                          "PolicyArn": "arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess"},
    "ListAttachedGroupPolicies": {"GroupName": "readers"},
}


def query_body(action, params):
    import botocore.serialize
    import botocore.session
    model = botocore.session.get_session().get_service_model("iam")
    serializer = botocore.serialize.create_serializer("query")
    req = serializer.serialize_to_request(params, model.operation_model(action))
    return urllib.parse.urlencode(req["body"])


def make_iam_form():
    clear("fuzz_iam_form")
    for action, params in PARAMS.items():
        write("fuzz_iam_form", action, query_body(action, params))
    write("fuzz_iam_form", "GetCallerIdentity", "Action=GetCallerIdentity&Version=2011-06-15")
    write("fuzz_iam_form", "no-version", "Action=ListUsers")
    write("fuzz_iam_form", "unknown-action", "Action=Frobnicate&Version=2010-05-08")
    write("fuzz_iam_form", "percent-escapes",
          "Action=CreateUser&Version=2010-05-08&UserName=%E2%9C%93%00%0A%ZZ+x&Path=%2F")


# ---- console JSON ------------------------------------------------------------------------------

def make_console():
    clear("fuzz_console_json")
    sign_in = [
        {"kind": "key", "access_key_id": ROOT_KEY, "secret_access_key": ROOT_SECRET},
        {"kind": "key", "access_key_id": ROOT_KEY, "secret_access_key": "wrong"},
        {"kind": "password", "user_name": "alice", "password": "Sup3r-Secret-Passw0rd"},
        {"kind": "password", "user_name": {"nested": "object"}, "password": 5},
        {"kind": ["array"]},
    ]
    for i, body in enumerate(sign_in):
        write("fuzz_console_json", f"signin-{i}", b"\x00" + json.dumps(body).encode())
    cql = [
        {"query": "SELECT * FROM system.local"},
        {"query": "SELECT keyspace_name FROM system_schema.keyspaces", "page_size": 1},
        {"query": "SELECT * FROM system_schema.columns", "keyspace": "system_schema",
         "page_size": 2, "paging_state": "0004abcd"},
        {"query": "CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy'}"},
        {"query": 5, "page_size": "x"},
        {"query": "SELECT * FROM system.local", "page_size": 10 ** 30},
    ]
    for i, body in enumerate(cql):
        write("fuzz_console_json", f"cql-{i}", b"\x01" + json.dumps(body).encode())
    for action, params in PARAMS.items():
        write("fuzz_console_json", f"iam-{action}",
              b"\x02" + action.encode() + b"\x00" + json.dumps(params).encode())
    write("fuzz_console_json", "parse-deep", b"\x03" + b"[" * 40 + b"]" * 40)
    write("fuzz_console_json", "parse-object", b"\x03" + json.dumps(
        {"query": "x", "Tags": [{"Key": "a", "Value": "b"}], "n": None, "f": 1.5}).encode())


# ---- dictionaries (libFuzzer -dict=, used by scripts/fuzz.sh) ---------------------------------

# ---- RADOS shared objects (issue 15) -------------------------------------------------------------
# Written from docs/dev/rados-mapping.md and docs/dev/key-encoding.md by this independent encoder
# (nothing else writes these formats), as a node would store them.

NO_TS = -(1 << 63)


def u8(v):
    return struct.pack(">B", v)


def u32(v):
    return struct.pack(">I", v)


def i64(v):
    return struct.pack(">q", v)


def rbytes(b):
    return u32(len(b)) + b


def row_body(marker=(NO_TS, 0, 0), deletion=(NO_TS, 0), cells=()):
    out = i64(marker[0]) + u32(marker[1]) + i64(marker[2]) + i64(deletion[0]) + i64(deletion[1])
    out += u32(len(cells))
    for name, ts, ttl, ldt, kind, value, floor in cells:
        out += rbytes(name) + i64(ts) + u32(ttl) + i64(ldt) + u8(kind) + rbytes(value)
        if kind == 2:
            out += i64(floor)
    return out


def row_value(**kw):
    return b"\x01R" + row_body(**kw)


def header_value(deletion=(NO_TS, 0), tombstones=(), static=None):
    out = b"\x01H" + i64(deletion[0]) + i64(deletion[1]) + u32(len(tombstones))
    for start, start_incl, end, end_incl, ts, ldt in tombstones:
        out += rbytes(start) + u8(start_incl) + rbytes(end) + u8(end_incl) + i64(ts) + i64(ldt)
    out += u8(1 if static else 0)
    if static:
        out += row_body(**static)
    return out


def suffix(micros, seq, logged=False):
    return struct.pack(">QQI", micros, 0x1122334455667788, seq | (1 << 31 if logged else 0))


def flip(token):
    return struct.pack(">Q", (token & 0xFFFFFFFFFFFFFFFF) ^ (1 << 63))


def batch_entry(partitions):
    out = b"\x01" + u32(len(partitions))
    for table, token, key, fragments in partitions:
        out += rbytes(table) + flip(token) + rbytes(key) + u32(len(fragments))
        for k, v in fragments:
            out += rbytes(k) + rbytes(v)
    return out


def node_record(**kw):
    r = {"host_id": "5f2b9c1e-0d7a-4c6b-9e8f-0123456789ab", "address": "127.0.0.1",
         "cql_port": 9042, "http_port": 8080, "data_center": "datacenter1", "rack": "rack1",
         "tokens": [-9223372036854775808, -4611686018427387904, 0, 4611686018427387904],
         "schema_version": "59adb24e-f3cd-3e02-97f0-5b395827453f", "release_version": "4.1.3",
         "heartbeat_ms": 1700000000000}
    r.update(kw)
    return json.dumps(r)


def make_rados():
    for target in ("fuzz_node_record", "fuzz_rados_objects"):
        clear(target)
    write("fuzz_node_record", "node", node_record())
    write("fuzz_node_record", "left", node_record(heartbeat_ms=0, tokens=[]))
    write("fuzz_node_record", "unicode-dc", node_record(data_center="dc-\u00e9\u4e2d", rack=""))
    write("fuzz_node_record", "extra-field", node_record(extra={"nested": [1, 2, {"a": None}]}))
    write("fuzz_node_record", "port-out-of-range", node_record(cql_port=70000))
    write("fuzz_node_record", "token-float", node_record(tokens=[1.5]))
    write("fuzz_node_record", "token-huge", node_record(tokens=[18446744073709551615]))
    now = 1700000000 * 1000000
    cell = (b"v", now, 0, 0, 0, b"value", 0)
    expiring = (b"v", now - 10 ** 7, 1, 1699999991, 0, b"gone", 0)
    tombstone = (b"w", now, 0, 1699999000, 1, b"", 0)
    counter = (b"c", now, 0, 0, 2, struct.pack(">q", 7), NO_TS)
    rows = {
        "live": row_value(marker=(now, 0, 0), cells=[cell]),
        "expiring": row_value(marker=(now - 10 ** 7, 1, 1699999991), cells=[expiring]),
        "tombstones": row_value(deletion=(now, 1699999000), cells=[tombstone]),
        "counter": row_value(cells=[counter]),
    }
    header = header_value(deletion=(now, 1699999000),
                          tombstones=[(b"a", 1, b"m", 0, now, 1699999000)],
                          static={"marker": (NO_TS, 0, 0), "cells": [cell]})
    for name, value in rows.items():
        write("fuzz_rados_objects", "fragment-" + name,
              b"\x02" + b"\x01ck" + suffix(now, 1) + b"\x00" + value)
    write("fuzz_rados_objects", "fragment-header",
          b"\x02" + b"\x00" + suffix(now, 2) + b"\x00" + header)
    fragments = [(b"\x00" + suffix(now, 3), header)]
    for i, value in enumerate(list(rows.values()) * 3):
        fragments.append((b"\x01ck" + suffix(now + i, 10 + i, logged=(i % 4 == 0)), value))
    write("fuzz_rados_objects", "batch", b"\x00" + batch_entry(
        [(b"3f0e2a4c-1b5d-4e6f-8a9b-0c1d2e3f4a5b", -42, b"\x00\x04key1\x00", fragments),
         (b"sibyl_iam", 7, b"", [(b"\x01" + suffix(now, 99), rows["live"])])]))
    write("fuzz_rados_objects", "batch-empty", b"\x00" + batch_entry([]))
    write("fuzz_rados_objects", "index-key", b"\x01" + flip(-42) + b"\x00" + b"\x00\x04key1\x00")
    write("fuzz_rados_objects", "index-key-empty-partition-key", b"\x01" + flip(2 ** 63 - 1) + b"\x00")
    write("fuzz_rados_objects", "index-key-short", b"\x01" + flip(0)[:5])
    # Big partitions' pieces (rados_pieces.h): map entry, spill lease, range, gen/count.
    write("fuzz_rados_objects", "piece-map-entry", b"\x03" + b"\x02\x01ck" + b"\x00" + b"0123456789abcdef")
    write("fuzz_rados_objects", "piece-map-first", b"\x03" + b"\x02" + b"\x00" + b"fedcba9876543210")
    write("fuzz_rados_objects", "spill-idle", b"\x04" + b"%020d" % 7)
    write("fuzz_rados_objects", "spill-busy",
          b"\x04" + b"%020d:%020d:0123456789abcdef:%s" % (8, now + 60 * 10 ** 6, b"01636b".hex().encode()))
    write("fuzz_rados_objects", "spill-version-overflow", b"\x04" + b"9" * 20)
    write("fuzz_rados_objects", "range-bounded", b"\x05" + b"\x01" + struct.pack(">I", 3) + b"\x01ab" + b"\x01" + b"\x01cd")
    write("fuzz_rados_objects", "range-open", b"\x05" + b"\x01" + struct.pack(">I", 0) + b"\x00")
    write("fuzz_rados_objects", "number", b"\x06" + b"12345")
    write("fuzz_rados_objects", "number-long", b"\x06" + b"9" * 19)


def make_stored():
    clear("fuzz_stored_records")
    sketch = bytearray(b"\x01" + bytes(2 * 4 * 512))
    for i in (0, 5, 511, 1000, 2047):
        struct.pack_into(">H", sketch, 1 + 2 * i, 64 * (i % 7 + 1))
    write("fuzz_stored_records", "sketch-empty", b"\x00" + b"\x01" + bytes(2 * 4 * 512))
    write("fuzz_stored_records", "sketch-counts", b"\x00" + bytes(sketch))
    write("fuzz_stored_records", "sketch-saturated", b"\x00" + b"\x01" + b"\xff" * (2 * 4 * 512))
    csrf = "A" * 21 + "b_-9" * 5 + "zz"
    doc = json.dumps({"arn": "arn:aws:iam::111122223333:user/alice", "user_name": "alice",
                      "user_id": "AIDAEXAMPLEALICE0001", "csrf": csrf})
    write("fuzz_stored_records", "doc", b"\x01" + doc.encode() + b"\x00AIDAEXAMPLEALICE0001")
    write("fuzz_stored_records", "doc-root", b"\x01" + json.dumps(
        {"arn": "arn:aws:iam::111122223333:root", "user_name": "", "user_id": "111122223333",
         "csrf": csrf}).encode() + b"\x00111122223333")
    write("fuzz_stored_records", "doc-other-partition", b"\x01" + doc.encode() + b"\x00AIDAOTHER")
    write("fuzz_stored_records", "used", b"\x021700000000")
    write("fuzz_stored_records", "used-long", b"\x02" + b"9" * 13)
    write("fuzz_stored_records", "cookie", b"\x03AIDAEXAMPLEALICE0001.1700000000." + csrf.encode())
    write("fuzz_stored_records", "cookie-leading-zeros", b"\x03AIDAEXAMPLEALICE0001.0017." + csrf.encode())


def make_row_merge():
    clear("fuzz_row_merge")

    def values(*vs):
        out = b""
        for v in vs[:-1]:
            out += struct.pack(">H", len(v)) + v
        return out + vs[-1]

    def live(ts, name=b"v", value=b"x" * 100, marker=True):
        return row_value(marker=(ts, 0, 0) if marker else (NO_TS, 0, 0),
                         cells=[(name, ts, 0, 0, 0, value, 0)])

    both = row_value(marker=(9, 0, 0), cells=[(b"v", 9, 0, 0, 0, b"new", 0),
                                              (b"w", 9, 0, 0, 1, b"", 0)])
    write("fuzz_row_merge", "overwrites", values(live(1), live(2), live(3)))
    write("fuzz_row_merge", "older-column", values(live(1, b"w"), live(2)))
    write("fuzz_row_merge", "tie", values(live(5, value=b"b"), live(5, value=b"a")))
    write("fuzz_row_merge", "older-wins", values(live(9), live(3)))
    write("fuzz_row_merge", "update-no-marker", values(live(1), live(2, marker=False)))
    write("fuzz_row_merge", "tombstone-cell", values(live(1, b"w"), both))
    write("fuzz_row_merge", "row-deletion", values(
        live(1), row_value(deletion=(2, 1700000000)), live(3)))
    write("fuzz_row_merge", "expiring", values(live(1), row_value(
        marker=(2, 10, 1700000010), cells=[(b"v", 2, 10, 1700000010, 0, b"e", 0)])))
    write("fuzz_row_merge", "collection", values(row_value(
        marker=(1, 0, 0), cells=[(b"l\xfd", 0, 0, 1700000000, 1, b"", 0),
                                 (b"l\xfe\x00\x01", 1, 0, 0, 0, b"a", 0)]), live(2)))
    counter = (b"c", 5, 0, 0, 2, struct.pack(">q", 7), NO_TS)
    write("fuzz_row_merge", "counters", values(row_value(cells=[counter]),
                                                row_value(cells=[counter])))
    write("fuzz_row_merge", "headers", values(
        header_value(deletion=(3, 1700000000)),
        header_value(tombstones=[(b"a", 1, b"m", 0, 4, 1700000000)])))
    write("fuzz_row_merge", "row-then-header", values(live(1), header_value()))


def dict_file(target, words):
    d = os.path.join(HERE, "dict")
    os.makedirs(d, exist_ok=True)
    words = sorted(set(w for w in words if w))
    with open(os.path.join(d, target + ".dict"), "w") as f:
        f.write(f"# {target}: tokens for libFuzzer, written by tests/fuzz/make_seeds.py\n")
        for w in words:
            f.write('"' + "".join(c if c.isalnum() or c in " :_-.*/${}<>()[],;=+!?'@&%" else
                                  "\\x%02x" % ord(c) for c in w) + '"\n')


def source_words(path, pattern):
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    return re.findall(pattern, text)


def make_dicts():
    cql = source_words("src/cql/parser/parser.cc", r'"([a-z_]{2,})"')
    cql += ["(", ")", "[", "]", "{", "}", "<", ">", "<=", ">=", "!=", "=", ",", ";", ".", "*",
            "?", ":x", "'", "$$", "--", "/*", "*/", "0x", "-", "+", "e10", "1h30m", "P1DT2H",
            "NaN", "Infinity", "frozen<", "list<", "set<", "map<", "tuple<",
            "123e4567-e89b-12d3-a456-426655440000"]
    cql += ["ks1", "ks2", "t", "c", "coll", "counters", "keyed", "system", "system_schema",
            "system.local", "k", "te", "vi", "de", "du", "p", "q", "c1", "c2", "c3", "st", "m",
            "l", "fl", "k1", "k2", "c4", "token", "ttl", "writetime", "count", "now", "uuid",
            "toJson", "fromJson", "blobAsText", "cast"] + NATIVE
    dict_file("fuzz_cql_parser", cql)
    dict_file("fuzz_prepare", cql)
    policy = source_words("src/iam/policy.cc", r'"([A-Za-z:]{3,})"')
    policy += ["{", "}", "[", "]", ":", ",", '"', "2012-10-17", "2008-10-17", "*", "?",
               "${aws:username}", "${*}", "${?}", "${$}", "cassandra:Select", "iam:CreateUser",
               "arn:aws:cassandra:us-east-1:111122223333:/keyspace/",
               "arn:aws:iam::111122223333:user/", "10.0.0.0/8", "::1/128",
               "2024-01-01T00:00:00Z", "aws:username", "aws:resourcetag/", "aws:requesttag/",
               "aws:tagkeys"]
    dict_file("fuzz_policy", policy)
    json_words = ["{", "}", "[", "]", ":", ",", '"', "null", "true", "false", "\\u0000",
                  "1e999", "-0", "kind", "key", "password", "access_key_id",
                  "secret_access_key", "user_name", "query", "keyspace", "page_size",
                  "paging_state", "Tags", "Key", "Value", ROOT_KEY, ROOT_SECRET]
    json_words += list(PARAMS) + [k for params in PARAMS.values() for k in params]
    dict_file("fuzz_console_json", json_words)
    form = list(PARAMS) + [k for params in PARAMS.values() for k in params]
    form += ["Action=", "Version=2010-05-08", "&", "=", "%", "%00", "%2F", ".member.", ".Key",
             ".Value", "Tags.member.1.Key=", "+"]
    dict_file("fuzz_iam_form", form)
    dict_file("fuzz_sigv4", [
        "AWS4-HMAC-SHA256", "Credential=", "SignedHeaders=", "Signature=", "aws4_request",
        "host;x-amz-date", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
        "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Expires", "X-Amz-Content-Sha256",
        "20240101T000000Z", "20240101", "us-east-1", "iam", "sts", ROOT_KEY, "signature=",
        "access_key=", "amzdate=", "session_token=", "2024-01-01T00:00:00.000Z", "%2F", "/"])


def main():
    make_dicts()
    make_request_body()
    make_frame()
    make_compression()
    make_value()
    make_cql()
    make_sigv4()
    make_policy()
    make_iam_form()
    make_console()
    make_rados()
    make_stored()
    make_row_merge()
    for target in sorted(os.listdir(CORPUS)):
        print(f"{target}: {len(os.listdir(os.path.join(CORPUS, target)))} seeds")


if __name__ == "__main__":
    main()
