"""Bad input never disturbs other clients; many requests per connection; compression (#2)."""
import socket
import struct

import pytest
from cassandra.cluster import Cluster
from cassandra.query import SimpleStatement


def frame(version, stream, opcode, body=b"", flags=0):
    return struct.pack(">BBhBi", version, flags, stream, opcode, len(body)) + body


def read_frame(sock):
    header = b""
    while len(header) < 9:
        chunk = sock.recv(9 - len(header))
        if not chunk:
            return None
        header += chunk
    version, flags, stream, opcode, length = struct.unpack(">BBhBi", header)
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            break
        body += chunk
    return version, stream, opcode, body


@pytest.mark.parametrize("payload", [
    frame(0x04, 1, 0x07, b"\x00\x00\x00\xff" + b"garbage"),      # QUERY body too short
    struct.pack(">BBhBi", 0x04, 0, 1, 0x01, 0x7fffffff),         # absurd length
    frame(0x04, 1, 0x63),                                           # unknown opcode
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",                           # not CQL at all
])
def test_bad_frames_get_an_error_and_others_keep_working(server, session, payload):
    # Why: one bad client gets a protocol error (or is dropped), never the server.
    with socket.create_connection(("127.0.0.1", server.cql_port), timeout=5) as s:
        s.sendall(payload)
        reply = read_frame(s)
        if reply is not None:
            _, _, opcode, body = reply
            assert opcode == 0x00  # ERROR
            assert struct.unpack(">i", body[:4])[0] == 0x000A
    assert session.execute("SELECT key FROM system.local").one().key == "local"


def test_query_before_startup_is_a_protocol_error(server):
    # Why: the connection state machine requires STARTUP first.
    with socket.create_connection(("127.0.0.1", server.cql_port), timeout=5) as s:
        query = b"SELECT * FROM system.local"
        body = struct.pack(">i", len(query)) + query + struct.pack(">HB", 1, 0)
        s.sendall(frame(0x04, 3, 0x07, body))
        _, stream, opcode, body = read_frame(s)
        assert (stream, opcode) == (3, 0x00)
        assert struct.unpack(">i", body[:4])[0] == 0x000A


def test_many_concurrent_requests_on_one_connection(server, keyspace, session):
    # Why: requests are multiplexed by stream id and answered as they finish.
    session.execute(f"CREATE TABLE IF NOT EXISTS {keyspace}.conc (k int PRIMARY KEY, v int)")
    ins = session.prepare(f"INSERT INTO {keyspace}.conc (k, v) VALUES (?, ?)")
    futures = [session.execute_async(ins, (i, i * 2)) for i in range(500)]
    for f in futures:
        f.result()
    sel = session.prepare(f"SELECT v FROM {keyspace}.conc WHERE k = ?")
    futures = [(i, session.execute_async(sel, (i,))) for i in range(500)]
    assert all(f.result().one().v == i * 2 for i, f in futures)


@pytest.mark.parametrize("compression", ["lz4", "snappy"])
def test_compressed_connections(server, compression):
    # Why: drivers ask for lz4 or snappy frame compression in STARTUP.
    pytest.importorskip(compression)
    cluster = Cluster(["127.0.0.1"], port=server.cql_port, compression=compression)
    try:
        s = cluster.connect()
        rows = list(s.execute(SimpleStatement("SELECT * FROM system_schema.columns", fetch_size=50)))
        assert len(rows) > 50
    finally:
        cluster.shutdown()


def test_tls_port_serves_cql_over_tls_1_2_and_1_3(server):
    # Why: drivers and cqlsh --ssl connect on 9142 with the (self-signed) certificate.
    import os
    import ssl
    cert = os.path.join(server.data_dir, "tls", "cert.pem")
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cert)
        ctx.minimum_version = ctx.maximum_version = version
        cluster = Cluster(["127.0.0.1"], port=server.tls_port, ssl_context=ctx)
        try:
            assert cluster.connect().execute("SELECT key FROM system.local").one().key == "local"
        finally:
            cluster.shutdown()


def test_plain_text_on_the_tls_port_gets_an_alert_and_others_keep_working(server, session):
    # Why: a client that forgot --ssl must not stall the TLS listener.
    with socket.create_connection(("127.0.0.1", server.tls_port), timeout=5) as s:
        body = struct.pack(">H", 1) + struct.pack(">H", 11) + b"CQL_VERSION" + struct.pack(">H", 5) + b"3.0.0"
        s.sendall(frame(0x04, 1, 0x01, body))
        reply = s.recv(100)
        # A TLS alert record (content type 21) or a plain close; never a CQL frame.
        assert reply == b"" or reply[0] == 0x15
    assert session.execute("SELECT key FROM system.local").one().key == "local"
