"""DDL and the driver's schema metadata (#2)."""
import uuid

import pytest
from cassandra import AlreadyExists, InvalidRequest
from cassandra.protocol import ConfigurationException
from cassandra.protocol import SyntaxException


def test_exported_table_cql_recreates_the_table(cluster, session, keyspace):
    # Why: the driver's metadata, exported as CQL, must recreate the same table.
    session.execute(
        f"CREATE TABLE {keyspace}.shape (a int, b text, c timestamp, d double, s int static, "
        f"v frozen<map<text, int>>, PRIMARY KEY ((a, b), c, d)) "
        f"WITH CLUSTERING ORDER BY (c DESC, d ASC) AND comment = 'shape' "
        f"AND default_time_to_live = 60")
    cluster.refresh_schema_metadata()
    table = cluster.metadata.keyspaces[keyspace].tables["shape"]
    assert [c.name for c in table.partition_key] == ["a", "b"]
    assert [c.name for c in table.clustering_key] == ["c", "d"]
    assert table.columns["s"].is_static
    assert table.options["comment"] == "shape"
    exported = table.export_as_string()
    other = "ks_" + uuid.uuid4().hex[:12]
    session.execute(f"CREATE KEYSPACE {other} WITH replication = "
                    f"{{'class': 'SimpleStrategy', 'replication_factor': 1}}")
    session.execute(exported.replace(f"{keyspace}.shape", f"{other}.shape"))
    cluster.refresh_schema_metadata()
    again = cluster.metadata.keyspaces[other].tables["shape"].export_as_string()
    assert again == exported.replace(f"{keyspace}.shape", f"{other}.shape")


def test_keyspace_strategies_are_stored(cluster, session):
    # Why: SimpleStrategy, NetworkTopologyStrategy and Keyspaces' SingleRegionStrategy.
    name = "ks_" + uuid.uuid4().hex[:12]
    session.execute(f"CREATE KEYSPACE {name} WITH replication = "
                    f"{{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}} "
                    f"AND durable_writes = false")
    row = session.execute("SELECT * FROM system_schema.keyspaces WHERE keyspace_name = %s",
                          (name,)).one()
    assert row.replication["class"].endswith("NetworkTopologyStrategy")
    assert row.replication["datacenter1"] == "3" and row.durable_writes is False
    single = "ks_" + uuid.uuid4().hex[:12]
    session.execute(f"CREATE KEYSPACE {single} WITH replication = {{'class': 'SingleRegionStrategy'}}")
    assert session.execute("SELECT * FROM system_schema_mcs.keyspaces WHERE keyspace_name = %s",
                           (single,)).one() is not None


def test_ddl_errors(session, keyspace):
    # Why: drivers map these codes to exception classes users catch.
    with pytest.raises(AlreadyExists) as err:
        session.execute(f"CREATE KEYSPACE {keyspace} WITH replication = "
                        f"{{'class': 'SimpleStrategy', 'replication_factor': 1}}")
    assert err.value.keyspace == keyspace
    session.execute(f"CREATE TABLE IF NOT EXISTS {keyspace}.dup (k int PRIMARY KEY)")
    with pytest.raises(AlreadyExists) as err:
        session.execute(f"CREATE TABLE {keyspace}.dup (k int PRIMARY KEY)")
    assert err.value.table == "dup"
    with pytest.raises(ConfigurationException):
        session.execute("CREATE KEYSPACE bad WITH replication = {'class': 'NoSuchStrategy'}")
    with pytest.raises(SyntaxException, match="line 1:"):
        session.execute("SELEC * FROM x")
    with pytest.raises(InvalidRequest, match="unsupported"):
        session.execute(f"CREATE INDEX ON {keyspace}.dup (k)")


def test_alter_table_and_new_connection_sees_it_at_once(server, session, keyspace):
    # Why: DDL is synchronous; another connection sees the change in its next statement.
    session.execute(f"CREATE TABLE {keyspace}.alt (k int, c int, v text, PRIMARY KEY (k, c))")
    session.execute(f"ALTER TABLE {keyspace}.alt ADD extra int")
    session.execute(f"ALTER TABLE {keyspace}.alt RENAME c TO c2")
    session.execute(f"ALTER TABLE {keyspace}.alt WITH comment = 'changed'")
    other = server.cluster()
    try:
        s2 = other.connect()
        s2.execute(f"INSERT INTO {keyspace}.alt (k, c2, v, extra) VALUES (1, 2, 'x', 3)")
        row = session.execute(f"SELECT * FROM {keyspace}.alt WHERE k = 1").one()
        assert (row.c2, row.v, row.extra) == (2, "x", 3)
        session.execute(f"ALTER TABLE {keyspace}.alt DROP v")
        assert s2.execute(f"SELECT * FROM {keyspace}.alt WHERE k = 1").one()._fields == (
            "k", "c2", "extra")
    finally:
        other.shutdown()


def test_truncate_and_drop(session, keyspace):
    # Why: TRUNCATE empties a table (Cassandra semantics, unlike Keyspaces); DROP removes it.
    session.execute(f"CREATE TABLE {keyspace}.tr (k int PRIMARY KEY)")
    session.execute(f"INSERT INTO {keyspace}.tr (k) VALUES (1)")
    session.execute(f"TRUNCATE {keyspace}.tr")
    assert session.execute(f"SELECT * FROM {keyspace}.tr").one() is None
    session.execute(f"DROP TABLE {keyspace}.tr")
    with pytest.raises(InvalidRequest, match="unconfigured table"):
        session.execute(f"SELECT * FROM {keyspace}.tr")
