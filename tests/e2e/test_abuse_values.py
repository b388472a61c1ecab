"""Bound values are validated before anything is stored (issue 9 item 2).

Drivers serialize values correctly, so the hostile bytes go in raw EXECUTE frames (protocol v4,
loopback); the Python driver then reads the same partitions, which must stay readable and hold
nothing of the refused values. The messages are Cassandra's (TypeSerializer.validate and the
collection deserializers), which Cassandra returns as InvalidRequest with the bare text.
"""
import socket
import struct
import threading
import time
import uuid

import pytest


def frame(stream, opcode, body=b""):
    return struct.pack(">BBhBi", 0x04, 0, stream, opcode, len(body)) + body


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def read_frame(sock):
    _, _, stream, opcode, length = struct.unpack(">BBhBi", read_exactly(sock, 9))
    return stream, opcode, read_exactly(sock, length)


def i32(v):
    return struct.pack(">i", v)


def collection(elements, count=None):
    """[int n] then [int length][bytes] per element (already serialized)."""
    out = i32(len(elements) if count is None else count)
    for e in elements:
        out += i32(len(e)) + e
    return out


class RawClient:
    """A bare protocol v4 connection: STARTUP, PREPARE, EXECUTE with raw value bytes."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        options = {"CQL_VERSION": "3.0.0"}
        body = struct.pack(">H", len(options))
        for k, v in options.items():
            body += struct.pack(">H", len(k)) + k.encode() + struct.pack(">H", len(v)) + v.encode()
        self.sock.sendall(frame(0, 0x01, body))
        assert read_frame(self.sock)[1] == 0x02  # READY

    def close(self):
        self.sock.close()

    def prepare(self, cql):
        query = cql.encode()
        self.sock.sendall(frame(1, 0x09, i32(len(query)) + query))
        _, opcode, body = read_frame(self.sock)
        assert opcode == 0x08, body
        assert struct.unpack(">i", body[:4])[0] == 0x0004  # Prepared
        (id_len,) = struct.unpack(">H", body[4:6])
        return body[6:6 + id_len]

    def execute_frame(self, stream, prepared_id, values):
        body = struct.pack(">H", len(prepared_id)) + prepared_id
        body += struct.pack(">HB", 0x0001, 0x01) + struct.pack(">H", len(values))
        for v in values:
            body += i32(-1) if v is None else i32(len(v)) + v
        return frame(stream, 0x0A, body)

    def execute(self, prepared_id, values):
        """(error code, message) of the ERROR answer, or None for a RESULT."""
        self.sock.sendall(self.execute_frame(2, prepared_id, values))
        return self.answer()

    def answer(self):
        _, opcode, body = read_frame(self.sock)
        if opcode == 0x08:
            return None
        assert opcode == 0x00, opcode
        code = struct.unpack(">i", body[:4])[0]
        (length,) = struct.unpack(">H", body[4:6])
        return code, body[6:6 + length].decode("utf-8")


INVALID = 0x2200


@pytest.fixture
def raw(server):
    client = RawClient(server.cql_port)
    yield client
    client.close()


def table(session, keyspace, columns):
    name = f"{keyspace}.t_{uuid.uuid4().hex[:8]}"
    session.execute(f"CREATE TABLE {name} ({columns})")
    return name


def test_list_of_int_with_a_one_byte_element_is_refused_and_the_partition_stays_readable(
        session, keyspace, raw):
    # Why: issue 9's first reproduction; the bad key was stored and every later read of the
    # partition failed with "malformed clustering key encoding".
    t = table(session, keyspace, "p int, c frozen<list<int>>, v int, PRIMARY KEY (p, c)")
    insert = session.prepare(f"INSERT INTO {t} (p, c, v) VALUES (?, ?, ?)")
    session.execute(insert, (1, [1, 2], 10))
    pid = raw.prepare(f"INSERT INTO {t} (p, c, v) VALUES (?, ?, ?)")
    bad = bytes.fromhex("00000001 00000001 07")
    assert raw.execute(pid, [i32(1), bad, i32(11)]) == (INVALID, "Expected 4 or 0 byte int (1)")
    rows = list(session.execute(f"SELECT c, v FROM {t} WHERE p = 1"))
    assert [(r.c, r.v) for r in rows] == [([1, 2], 10)]
    # The same bytes as a restriction are refused too, with the same words.
    sid = raw.prepare(f"SELECT v FROM {t} WHERE p = ? AND c = ?")
    assert raw.execute(sid, [i32(1), bad]) == (INVALID, "Expected 4 or 0 byte int (1)")


def test_an_element_length_past_the_end_is_refused_and_no_heap_bytes_are_stored(
        session, keyspace, raw):
    # Why: a bogus frozen<list<uuid>> element length made the key encoder read past the value
    # and store (and later return) heap bytes.
    t = table(session, keyspace, "p int, c frozen<list<uuid>>, PRIMARY KEY (p, c)")
    good = uuid.uuid4()
    session.execute(session.prepare(f"INSERT INTO {t} (p, c) VALUES (?, ?)"), (1, [good]))
    pid = raw.prepare(f"INSERT INTO {t} (p, c) VALUES (?, ?)")
    for bad in (i32(1) + i32(16) + b"abcd",                         # 16 announced, 4 there
                i32(1) + i32(0x7fffffff) + b"abcd",                  # 2 GiB announced
                i32(0x7fffffff) + i32(16) + good.bytes):             # 2^31 elements announced
        assert raw.execute(pid, [i32(1), bad]) == (INVALID, "Not enough bytes to read a list")
    assert [r.c for r in session.execute(f"SELECT c FROM {t} WHERE p = 1")] == [[good]]


def test_a_tuple_with_a_negative_length_then_too_few_bytes_is_refused(session, keyspace, raw):
    # Why: `ff ff ff fe 7a 7a` for a frozen<tuple<int, text>> was stored and made the Python
    # driver drop its connection when it read the row.
    t = table(session, keyspace, "p int PRIMARY KEY, t frozen<tuple<int, text>>")
    session.execute(session.prepare(f"INSERT INTO {t} (p, t) VALUES (?, ?)"), (1, (5, "ok")))
    pid = raw.prepare(f"INSERT INTO {t} (p, t) VALUES (?, ?)")
    assert raw.execute(pid, [i32(2), bytes.fromhex("fffffffe7a7a")]) == (
        INVALID, "Not enough bytes to read size of 1th component")
    rows = {r.p: r.t for r in session.execute(f"SELECT p, t FROM {t}")}
    assert rows == {1: (5, "ok")}


UUID4 = uuid.UUID("2f1e8e5e-8b8a-4f55-9a53-3a2f0f0e6b52").bytes


@pytest.mark.parametrize("cql_type, value, message", [
    ("int", b"\x00\x00\x01", "Expected 4 or 0 byte int (3)"),
    ("bigint", b"\x00" * 9, "Expected 8 or 0 byte long (9)"),
    ("smallint", b"", "Expected 2 bytes for a smallint (0)"),
    ("date", b"\x00", "Expected 4 byte long for date (1)"),
    ("time", struct.pack(">q", 86400 * 10**9), "Expected a time of day between 0 and "
     "86399999999999 nanoseconds (86400000000000)"),
    ("text", b"\xc0\x80", "String didn't validate."),
    ("text", b"\xed\xa0\x80", "String didn't validate."),
    ("ascii", b"caf\xc3\xa9", "Invalid byte for ascii: -61"),
    ("timeuuid", UUID4, "Invalid version for TimeUUID type."),
    ("inet", b"\x01\x02\x03\x04\x05", "Expected 4 or 16 byte inetaddress; got 0102030405"),
    ("decimal", b"\x00\x01", "Expected 0 or at least 4 bytes (2)"),
    ("duration", b"\x02\x01\x00",
     "The duration months, days and nanoseconds must be all of the same sign (1, -1, 0)"),
    ("duration", b"\x00\x00\xff\x01", "Not enough bytes to read a duration"),
    ("frozen<set<int>>", collection([i32(7)]) + b"!", "Unexpected extraneous bytes after set value"),
    ("frozen<map<text, int>>", i32(1) + i32(1) + b"a" + i32(-1),
     "null is not supported inside collections"),
    ("frozen<list<int>>", i32(-3), "The data cannot be deserialized as a list"),
    ("frozen<tuple<int, text>>", i32(4) + i32(7) + i32(-1) + b"z",
     "Invalid remaining data after end of tuple value"),
    # Nested: list of maps of tuples whose text is not UTF-8.
    ("frozen<list<frozen<map<int, frozen<tuple<text, int>>>>>>",
     collection([collection([i32(1), i32(1) + b"\xff" + i32(4) + i32(2)], count=1)]),
     "String didn't validate."),
])
def test_invalid_values_of_every_kind_are_refused_and_nothing_is_stored(
        session, keyspace, raw, cql_type, value, message):
    # Why: every type's bytes are checked, at any depth, before the write (issue 9 item 2).
    t = table(session, keyspace, f"p int PRIMARY KEY, v {cql_type}")
    pid = raw.prepare(f"INSERT INTO {t} (p, v) VALUES (?, ?)")
    assert raw.execute(pid, [i32(1), value]) == (INVALID, message)
    assert list(session.execute(f"SELECT v FROM {t} WHERE p = 1")) == []


def test_a_well_behaved_client_is_served_while_invalid_values_stream_in(
        server, session, keyspace):
    # Why: refusing values costs little; a client sending thousands of bad EXECUTEs does not
    # slow the others (the abuse tests show a bystander's latency).
    t = table(session, keyspace, "p int, c frozen<list<int>>, PRIMARY KEY (p, c)")
    abuser = RawClient(server.cql_port)
    pid = abuser.prepare(f"INSERT INTO {t} (p, c) VALUES (?, ?)")
    bad = abuser.execute_frame(3, pid, [i32(1), bytes.fromhex("00000001 00000001 07")])
    count = 1000  # under the 1024 requests a connection may have in flight
    answers = []

    def abuse():
        abuser.sock.sendall(bad * count)
        for _ in range(count):
            answers.append(abuser.answer())

    thread = threading.Thread(target=abuse)
    thread.start()
    select = session.prepare("SELECT key FROM system.local")
    latencies = []
    # At least one bystander request even when the abuse is answered before the first one
    # (a fast machine: the list was empty and max() failed).
    while len(latencies) < 200 and (thread.is_alive() or not latencies):
        start = time.monotonic()
        assert session.execute(select).one().key == "local"
        latencies.append(time.monotonic() - start)
    thread.join(timeout=30)
    abuser.close()
    assert answers == [(INVALID, "Expected 4 or 0 byte int (1)")] * count
    assert max(latencies) < 0.5, latencies
    assert list(session.execute(f"SELECT * FROM {t}")) == []
