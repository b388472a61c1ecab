"""Connecting with default driver settings: protocol negotiation and system tables."""
import socket
import struct

from cassandra import ProtocolVersion


def test_driver_connects_with_defaults_and_negotiates_v4(cluster, session):
    # Why: the Python driver offers v5 first; the server must make it downgrade to v4 (#2).
    assert cluster.protocol_version == ProtocolVersion.V4
    row = session.execute("SELECT release_version, cql_version, partitioner FROM system.local").one()
    assert row.release_version.startswith("4.0")  # docs/dev/decisions/0001
    assert row.partitioner == "org.apache.cassandra.dht.Murmur3Partitioner"


def test_system_local_describes_the_node(session):
    # Why: drivers read key, data_center, rack, tokens, host_id and schema_version at connect.
    row = session.execute("SELECT * FROM system.local WHERE key = 'local'").one()
    assert row.key == "local"
    assert row.data_center and row.rack
    assert row.host_id is not None and row.schema_version is not None
    assert len(row.tokens) >= 1


def test_peers_are_empty_on_one_node(session):
    # Why: one node means no peers; both the old and the v2 table must answer.
    assert list(session.execute("SELECT * FROM system.peers")) == []
    assert list(session.execute("SELECT * FROM system.peers_v2")) == []


def test_driver_sees_system_keyspaces_in_metadata(cluster):
    # Why: the driver's schema metadata is built from system_schema.*; it must include them.
    assert "system" in cluster.metadata.keyspaces
    assert "system_schema" in cluster.metadata.keyspaces


def _frame(version, stream, opcode, body=b""):
    return struct.pack(">BBhBi", version, 0, stream, opcode, len(body)) + body


def test_malformed_frame_does_not_disturb_another_connection(server, session):
    # Why: a bad client gets a protocol error and is dropped; everyone else keeps being served.
    with socket.create_connection(("127.0.0.1", server.cql_port), timeout=5) as bad:
        bad.sendall(b"\xff" * 64)
        data = bad.recv(4096)
        # Either an ERROR frame (opcode 0) or a closed connection.
        assert data == b"" or data[4] == 0x00
    assert session.execute("SELECT key FROM system.local").one().key == "local"


def test_unsupported_version_gets_protocol_error_on_same_stream(server):
    # Why: drivers downgrade only when the error comes back on their stream (#2).
    with socket.create_connection(("127.0.0.1", server.cql_port), timeout=5) as s:
        s.sendall(_frame(0x05, 7, 0x05))
        header = s.recv(9)
        version, flags, stream, opcode, length = struct.unpack(">BBhBi", header)
        body = s.recv(length)
        assert stream == 7 and opcode == 0x00
        code = struct.unpack(">i", body[:4])[0]
        assert code == 0x000A
        assert b"Invalid or unsupported protocol version" in body


def test_protocol_v3_clients_are_served(server):
    # Why: older drivers pin protocol v3.
    from cassandra.cluster import Cluster
    c = Cluster(["127.0.0.1"], port=server.cql_port, protocol_version=3)
    try:
        s = c.connect()
        assert s.execute("SELECT key FROM system.local").one().key == "local"
    finally:
        c.shutdown()


def test_schema_change_events_reach_registered_drivers(server, cluster, session, keyspace):
    # Why: drivers REGISTER for SCHEMA_CHANGE and refresh their metadata from the event alone.
    import time
    other = server.cluster()
    try:
        other.connect().execute(f"CREATE TABLE {keyspace}.evented (k int PRIMARY KEY)")
        deadline = time.time() + 10
        while time.time() < deadline and "evented" not in cluster.metadata.keyspaces[keyspace].tables:
            time.sleep(0.05)
        assert "evented" in cluster.metadata.keyspaces[keyspace].tables
    finally:
        other.shutdown()
