"""Hostile CQL text through the real server (issue 9 items 1, 3 and 4, the CQL text side).

Before the fix any client could crash the server with 20,000 nested parentheses (stack
overflow), a 10^6-digit varint literal took minutes of a worker, an overflowing duration literal
answered SERVER_ERROR "Unexpected error: stoll", error messages quoted raw invalid bytes and an
alias past 65,535 bytes broke the RESULT frame. Each test shows the hostile statement refused
(or served) correctly, a bystander session answered promptly meanwhile, and the server alive.
Statements go through the Python driver; bytes a driver cannot send go over raw sockets.
"""
import socket
import struct
import sys
import threading
import time
import uuid

import pytest
from cassandra import InvalidRequest
from cassandra.protocol import SyntaxException
from cassandra.query import dict_factory

# types::kMaxNestingDepth (src/cql/types/type.h): the one nesting limit of CQL text.
MAX_NESTING = 128
MAX_NAME_BYTES = 65535  # parser::kMaxIdentifierBytes: a protocol [string]


class Bystander:
    """A well-behaved client querying system.local in a loop; records its latencies."""

    def __init__(self, session):
        self.session = session
        self.latencies = []
        self.errors = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            start = time.monotonic()
            try:
                self.session.execute("SELECT release_version FROM system.local")
            except Exception as e:  # noqa: BLE001 - any failure of the bystander is a finding
                self.errors.append(repr(e))
            self.latencies.append(time.monotonic() - start)
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        # Served a few times at least, even when the abuse was over before the bystander's first
        # request (a fast machine: "never answered" failed there).
        deadline = time.monotonic() + 5
        while len(self.latencies) < 3 and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        self._stop.set()
        self._thread.join(timeout=10)
        assert not self.errors, self.errors[:3]
        assert self.latencies, "the bystander was never answered"
        # Loopback on a loaded 2-core machine: generous, but a stuck or crashed server fails it.
        assert max(self.latencies) < 2.0, f"bystander waited {max(self.latencies):.2f} s"


def assert_alive(session):
    assert session.execute("SELECT release_version FROM system.local").one() is not None


@pytest.fixture(scope="module")
def table(session, keyspace):
    session.execute(f"CREATE TABLE {keyspace}.hostile (k int PRIMARY KEY, v varint, "
                    f"du duration, l frozen<list<int>>)")
    return f"{keyspace}.hostile"


def deep_statements(table, n):
    """Every nesting form of issue 9 item 1, `n` levels deep."""
    return {
        "parentheses": "SELECT " + "(" * n + "1" + ")" * n + " FROM system.local",
        "brackets": f"INSERT INTO {table} (k, l) VALUES (1, " + "[" * n + "1" + "]" * n + ")",
        "braces": f"INSERT INTO {table} (k, l) VALUES (1, " + "{" * n + "1" + "}" * n + ")",
        "function calls": "SELECT " + "blobasint(" * n + "k" + ")" * n + f" FROM {table}",
        "VALUES tuples": f"INSERT INTO {table} (k, v) VALUES (1, " + "(" * n + "1" + ")" * n + ")",
        "IN tuples": f"SELECT * FROM {table} WHERE k IN (" + "(" * n + "1" + ")" * n + ")",
        "types": f"CREATE TABLE {table}_deep (k int PRIMARY KEY, v " + "frozen<list<" * n + "int"
                 + ">>" * n + ")",
        "casts": f"INSERT INTO {table} (k, v) VALUES (1, " + "(varint) " * n + "1)",
    }


def test_deep_nesting_is_a_syntax_error_with_a_position_for_every_form(session, table):
    # Why: 20,000 nested '(' crashed the server (SIGSEGV) for any logged-in user (issue 9).
    with Bystander(session):
        for depth in (MAX_NESTING + 1, 20000):
            for form, cql in deep_statements(table, depth).items():
                with pytest.raises(SyntaxException) as e:
                    session.execute(cql, timeout=30)
                assert "nested too deeply" in str(e.value), form
                assert "line 1:" in str(e.value), form
    assert_alive(session)


def test_nesting_at_the_limit_is_prepared_executed_and_stored(session, table, keyspace):
    # Why: the limit refuses only what is past it, and everything after the parser (preparing
    # casts, persisting and reloading the type, validating and key-encoding nested values)
    # copes with the deepest statement and type the parser accepts.
    casts = MAX_NESTING - 1  # each cast is a level, the literal one more
    session.execute(f"INSERT INTO {table} (k, v) VALUES (4, " + "(varint) " * casts + "4)")
    assert session.execute(f"SELECT v FROM {table} WHERE k = 4").one().v == 4
    lists = (MAX_NESTING - 1) // 2  # frozen<list< is two levels, int one more
    column_type = "frozen<list<" * lists + "int" + ">>" * lists
    session.execute(f"CREATE TABLE {keyspace}.deepest (k int, c {column_type}, v "
                    f"{column_type}, PRIMARY KEY (k, c))")
    value = 7
    for _ in range(lists):
        value = [value]
    insert = session.prepare(f"INSERT INTO {keyspace}.deepest (k, c, v) VALUES (1, ?, ?)")
    session.execute(insert, (value, value))
    row = session.execute(f"SELECT c, v FROM {keyspace}.deepest WHERE k = 1").one()
    assert (row.c, row.v) == (value, value)
    with pytest.raises(SyntaxException):
        session.execute(f"CREATE TABLE {keyspace}.too_deep (k int PRIMARY KEY, v frozen<list<"
                        f"{column_type}>>)")  # 129 levels


def test_a_million_digit_varint_is_stored_promptly_and_exactly(session, table):
    # Why: number literals parsed in quadratic time: 10^5 digits took 4 s, 10^6 minutes.
    digits = "1" + "0" * 999999  # 10^999999: Python checks it without a decimal conversion
    with Bystander(session):
        start = time.monotonic()
        session.execute(f"INSERT INTO {table} (k, v) VALUES (2, {digits})", timeout=60)
        elapsed = time.monotonic() - start
    assert elapsed < 10, f"the insert took {elapsed:.1f} s"
    assert session.execute(f"SELECT v FROM {table} WHERE k = 2").one().v == 10 ** 999999
    # A random 10^5-digit value round-trips digit for digit.
    sys.set_int_max_str_digits(0)
    random_digits = "-" + "".join(str((i * 7919 + 13) % 10) for i in range(100000)).lstrip("0")
    session.execute(f"INSERT INTO {table} (k, v) VALUES (3, {random_digits})", timeout=60)
    assert str(session.execute(f"SELECT v FROM {table} WHERE k = 3").one().v) == random_digits
    assert_alive(session)


def test_overflowing_duration_is_invalid_request_not_server_error(session, table):
    # Why: this answered SERVER_ERROR "Unexpected error: stoll" (an escaped exception).
    with pytest.raises(InvalidRequest) as e:
        session.execute(f"INSERT INTO {table} (k, du) VALUES (1, 99999999999999999999y)")
    assert ("Invalid duration. The total number of months must be less or equal to 2147483647"
            in str(e.value))
    with pytest.raises(InvalidRequest) as e:
        session.execute(f"INSERT INTO {table} (k, du) VALUES (1, 12s3m)")
    assert "Invalid duration. The seconds should be after minutes" in str(e.value)


def test_lexer_errors_quote_whole_characters(session):
    # Why: a lexer error on 'µ' quoted half of its UTF-8 bytes, undecodable by drivers.
    with pytest.raises(SyntaxException) as e:
        session.execute("SELECT µ FROM system.local")
    assert "line 1:7 token recognition error at: 'µ'" in str(e.value)
    assert_alive(session)


# ---- raw protocol: bytes the driver would never send ----------------------------------------------

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


def raw_connection(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    body = struct.pack(">H", 1) + struct.pack(">H", 11) + b"CQL_VERSION" + struct.pack(">H", 5) \
        + b"3.0.0"
    sock.sendall(frame(0, 0x01, body))
    assert read_frame(sock)[1] == 0x02  # READY
    return sock


def raw_query(sock, stream, query_bytes):
    """(opcode, error code or None, message or body) of the answer to a QUERY."""
    body = struct.pack(">i", len(query_bytes)) + query_bytes + struct.pack(">HB", 0x0001, 0)
    sock.sendall(frame(stream, 0x07, body))
    _, opcode, answer = read_frame(sock)
    if opcode != 0x00:
        return opcode, None, answer
    code = struct.unpack(">i", answer[:4])[0]
    (length,) = struct.unpack(">H", answer[4:6])
    return opcode, code, answer[6:6 + length].decode("utf-8")  # strict: must be valid UTF-8


def test_invalid_utf8_query_text_is_refused_as_cassandra_does(server, session):
    # Why: raw invalid bytes were echoed back in messages ("token recognition error at: '\xff'").
    # Cassandra refuses a [long string] that is not UTF-8 with a protocol error (CBUtil).
    with Bystander(session):
        for bad in (b"SELECT * FROM system.local WHERE key = '\xff'", b"SELECT \xc2 FROM t",
                    b"SELECT \"a\xed\xa0\x80\" FROM system.local", b"\xff" * 100000):
            sock = raw_connection(server.cql_port)
            try:
                opcode, code, message = raw_query(sock, 1, bad)
                assert (opcode, code) == (0x00, 0x000A), message
                assert message.startswith("Cannot decode string as UTF8: '")
                assert len(message) < 400
            finally:
                sock.close()
    assert_alive(session)


def test_control_characters_in_messages_are_escaped(server):
    # Why: a NUL or newline quoted raw into a message (and logs) forges or corrupts it.
    sock = raw_connection(server.cql_port)
    try:
        opcode, code, message = raw_query(sock, 1, b"SELECT \x01 FROM system.local")
        assert code == 0x2000
        assert message == "line 1:7 token recognition error at: '\\u0001'"
    finally:
        sock.close()


def test_over_long_alias_is_refused_and_the_connection_survives(server, session):
    # Why: a 70,000-byte alias made a RESULT frame whose [string] length wrapped, and the driver
    # dropped its connection.
    with Bystander(session):
        with pytest.raises(SyntaxException) as e:
            session.execute("SELECT release_version AS " + "a" * 70000 + " FROM system.local")
        assert "identifier too long: 70000 bytes (the limit is 65535)" in str(e.value)
        with pytest.raises(SyntaxException) as e:
            session.execute("SELECT '" + "x" * 70000 + "' FROM system.local")
        assert "selector too long" in str(e.value)
    # The longest name that fits is served, in a well-formed RESULT.
    c = server.cluster()
    try:
        s = c.connect()
        s.row_factory = dict_factory
        alias = "b" * MAX_NAME_BYTES
        row = s.execute(f"SELECT release_version AS {alias} FROM system.local").one()
        assert list(row.keys()) == [alias]
    finally:
        c.shutdown()
    assert_alive(session)


def test_abuse_from_many_connections_leaves_the_server_serving(server, session, table):
    # Why: the crash took every client down; now hostile statements from several connections at
    # once are refused while a bystander keeps being answered.
    statements = list(deep_statements(table, 20000).values())
    failures = []

    def abuser():
        sock = raw_connection(server.cql_port)
        try:
            for i, cql in enumerate(statements * 3):
                opcode, code, message = raw_query(sock, i % 100 + 1, cql.encode())
                if code != 0x2000 or "nested too deeply" not in message:
                    failures.append((code, message[:200]))
        except Exception as e:  # noqa: BLE001
            failures.append(repr(e))
        finally:
            sock.close()

    with Bystander(session):
        threads = [threading.Thread(target=abuser) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert not failures, failures[:3]
    assert server.proc.poll() is None
    assert_alive(session)
