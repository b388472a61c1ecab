"""What drivers, cqlsh and operators read about the server, as Cassandra 4.1 answers it (issue 10
items 17, 19, 20, 21, 23). Expected texts are Cassandra 4.1's; each test cites where they come
from."""
import time
import uuid

import pytest
from cassandra import ConsistencyLevel
from cassandra.protocol import ConfigurationException, SyntaxException
from cassandra.query import SimpleStatement


def new_name():
    return "ks_" + uuid.uuid4().hex[:12]


def data_centre(session):
    return session.execute("SELECT data_center FROM system.local").one().data_center


# ---- item 17: keyspace and table DDL validation -------------------------------------------------

def test_network_topology_strategy_refuses_an_unknown_data_centre(session):
    # Why: AbstractReplicationStrategy.validateExpectedOptions (4.1) accepts only known data
    # centres; Sibyl stored any name, so writes "replicated" to a data centre that does not exist.
    name = new_name()
    with pytest.raises(ConfigurationException) as e:
        session.execute(f"CREATE KEYSPACE {name} WITH replication = "
                        f"{{'class': 'NetworkTopologyStrategy', 'nodc': 1}}")
    assert (f"Unrecognized strategy option {{nodc}} passed to NetworkTopologyStrategy for "
            f"keyspace {name}") in str(e.value)
    dc = data_centre(session)
    session.execute(f"CREATE KEYSPACE {name} WITH replication = "
                    f"{{'class': 'NetworkTopologyStrategy', '{dc}': 1}}")


def test_a_data_centre_given_twice_is_a_syntax_error(session):
    # Why: Cassandra's Parser.convertPropertyMap: "Multiple definition for property <dc>"; Sibyl
    # kept the last value silently.
    dc = data_centre(session)
    with pytest.raises(SyntaxException) as e:
        session.execute(f"CREATE KEYSPACE {new_name()} WITH replication = "
                        f"{{'class': 'NetworkTopologyStrategy', '{dc}': 1, '{dc}': 3}}")
    assert f"Multiple definition for property {dc}" in str(e.value)


def test_an_unquoted_name_cannot_start_with_an_underscore(session):
    # Why: Lexer.g IDENT is LETTER (LETTER | DIGIT | '_')*; Cassandra answers "line 1:16 no
    # viable alternative at character '_'" (trinodb/trino#2449 shows the same from 3.11).
    with pytest.raises(SyntaxException) as e:
        session.execute("CREATE KEYSPACE _x WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': 1}")
    assert "line 1:16 no viable alternative at character '_'" in str(e.value)


def test_replication_without_a_class(session):
    # Why: KeyspaceAttributes.validate (4.1): "Missing replication strategy class".
    with pytest.raises(ConfigurationException) as e:
        session.execute(f"CREATE KEYSPACE {new_name()} WITH replication = "
                        f"{{'replication_factor': 1}}")
    assert "Missing replication strategy class" in str(e.value)


def test_table_options_are_validated(session, keyspace):
    # Why: TableParams.validate, CompressionParams, CompactionParams and SpeculativeRetryPolicy
    # (4.1; CreateTest.testCreateTableWithCompression has the compression texts).
    cases = {
        "bloom_filter_fp_chance = 1.1":
            "bloom_filter_fp_chance must be larger than 6.71E-5 and less than or equal to 1.0 "
            "(got 1.1)",
        "speculative_retry = 'often'": "Invalid value often for option 'speculative_retry'",
        "compression = {'class': 'SnappyCompressor', 'chunk_length_in_kb': 31}":
            "chunk_length_in_kb must be a power of 2",
        "compression = {'class': 'LZ4Compressor', 'level': 3}":
            "Unknown compression options level",
        "compaction = {'class': 'LeveledCompactionStrategy', 'bogus': 1}":
            "Properties specified [bogus] are not understood by LeveledCompactionStrategy",
    }
    for option, message in cases.items():
        with pytest.raises(ConfigurationException) as e:
            session.execute(f"CREATE TABLE {keyspace}.t_{uuid.uuid4().hex[:8]} "
                            f"(k int PRIMARY KEY) WITH {option}")
        assert message in str(e.value), option


# ---- item 19: virtual keyspaces ----------------------------------------------------------------

def test_virtual_keyspaces_are_not_ordinary_keyspaces(cluster, session):
    # Why: drivers read system_schema.keyspaces as the ordinary keyspaces and
    # system_virtual_schema.keyspaces as the virtual ones; Sibyl listed system_virtual_schema in
    # both, so the driver took it for a real keyspace (and DESC FULL SCHEMA recreated it).
    ordinary = {r.keyspace_name for r in session.execute(
        "SELECT keyspace_name FROM system_schema.keyspaces")}
    assert "system_virtual_schema" not in ordinary
    assert "system_views" not in ordinary
    virtual = {r.keyspace_name for r in session.execute(
        "SELECT keyspace_name FROM system_virtual_schema.keyspaces")}
    assert virtual == {"system_views", "system_virtual_schema"}
    cluster.refresh_schema_metadata()
    assert cluster.metadata.keyspaces["system_virtual_schema"].virtual
    assert cluster.metadata.keyspaces["system_views"].virtual


def test_describe_full_schema_does_not_recreate_virtual_keyspaces(session):
    # Why: KeyspaceMetadata.toCqlString (4.x) prints a virtual keyspace as a comment.
    text = "\n".join(r.create_statement for r in session.execute("DESCRIBE FULL SCHEMA"))
    assert "CREATE KEYSPACE system_virtual_schema" not in text
    assert "CREATE KEYSPACE system_views" not in text
    assert "VIRTUAL KEYSPACE system_views;" in text


# ---- item 20: DESCRIBE -------------------------------------------------------------------------

def test_describe_keyspaces_quotes_names(session):
    # Why: DescribeStatement.toRow uses elementNameQuotedIfNeeded; cqlsh prints the name column.
    name = "Ks_" + uuid.uuid4().hex[:8]
    session.execute(f'CREATE KEYSPACE "{name}" WITH replication = '
                    f"{{'class': 'SimpleStrategy', 'replication_factor': 1}}")
    names = [r.name for r in session.execute("DESCRIBE KEYSPACES")]
    assert f'"{name}"' in names


def test_describe_prints_normalised_options(session, keyspace):
    # Why: CompressionParams.asMap and SpeculativeRetryPolicy.toString (4.x): DESCRIBE and
    # system_schema.tables show {'chunk_length_in_kb': '16', 'class': '...LZ4Compressor'},
    # {'enabled': 'false'} and '99p', whatever spelling the table was created with.
    session.execute(f"CREATE TABLE {keyspace}.opts (k int PRIMARY KEY) WITH "
                    f"compression = {{'class': 'LZ4Compressor'}} AND "
                    f"speculative_retry = '99PERCENTILE'")
    session.execute(f"CREATE TABLE {keyspace}.nocomp (k int PRIMARY KEY) WITH "
                    f"compression = {{'enabled': false}}")
    cql = session.execute(f"DESCRIBE TABLE {keyspace}.opts").one().create_statement
    assert ("compression = {'chunk_length_in_kb': '16', "
            "'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}") in cql
    assert "speculative_retry = '99p'" in cql
    cql = session.execute(f"DESCRIBE TABLE {keyspace}.nocomp").one().create_statement
    assert "compression = {'enabled': 'false'}" in cql
    row = session.execute("SELECT speculative_retry FROM system_schema.tables WHERE "
                          "keyspace_name = %s AND table_name = 'opts'", (keyspace,)).one()
    assert row.speculative_retry == "99p"


def test_describe_cluster_shows_range_ownership_of_the_current_keyspace(server, keyspace):
    # Why: DescribeStatement.cluster (4.1) adds range_ownership when a non-system keyspace is in
    # use; cqlsh prints its "Range ownership:" section from it.
    with server.cluster() as c:
        s = c.connect()
        row = s.execute("DESCRIBE CLUSTER").one()
        assert row.partitioner == "Murmur3Partitioner" and row.snitch == "SimpleSnitch"
        assert not hasattr(row, "range_ownership")
        s.set_keyspace(keyspace)
        row = s.execute("DESCRIBE CLUSTER").one()
        assert list(row.range_ownership.values()) == [["/127.0.0.1:7000"]]


# ---- item 21: system_views.clients -------------------------------------------------------------

def test_clients_lists_live_connections(server, session):
    # Why: operators read system_views.clients (Cassandra 4.1's ClientsTable) to see who is
    # connected; Sibyl had no such table.
    def ports():
        return {r.port for r in session.execute("SELECT port FROM system_views.clients")}

    columns = [r.column_name for r in session.execute(
        "SELECT column_name FROM system_virtual_schema.columns WHERE keyspace_name = "
        "'system_views' AND table_name = 'clients'")]
    assert sorted(columns) == sorted([
        "address", "port", "client_options", "connection_stage", "driver_name",
        "driver_version", "hostname", "protocol_version", "request_count",
        "ssl_cipher_suite", "ssl_enabled", "ssl_protocol", "username"])
    before = ports()
    with server.cluster() as c:
        c.connect()
        rows = {r.port: r for r in session.execute("SELECT * FROM system_views.clients")}
        new = set(rows) - before
        assert new, rows
        for port in new:
            r = rows[port]
            assert r.address == "127.0.0.1" and r.hostname == "127.0.0.1"
            assert r.driver_name == "DataStax Python Driver" and r.driver_version
            assert r.client_options["CQL_VERSION"].startswith("3.")
            assert r.connection_stage == "ready"
            assert r.protocol_version == c.protocol_version
            assert r.request_count >= 1
            assert r.ssl_enabled is False and r.ssl_protocol is None and r.username is None
    # Closed connections leave the table (once the server has seen them close).
    deadline = time.time() + 5
    while not new.isdisjoint(ports()) and time.time() < deadline:
        time.sleep(0.02)
    assert new.isdisjoint(ports())


# ---- item 23: tracing --------------------------------------------------------------------------

def test_a_traced_query_gets_its_trace(session, keyspace):
    # Why: native_protocol_v4.spec §2.2/§4: a request with the tracing flag gets a response with
    # the flag and the trace session's id; the driver's get_query_trace (and cqlsh TRACING ON)
    # then read system_traces.sessions/events (TraceKeyspace, 4.1). Sibyl sent no id back.
    session.execute(f"CREATE TABLE {keyspace}.traced (k int PRIMARY KEY, v int)")
    insert = session.execute(f"INSERT INTO {keyspace}.traced (k, v) VALUES (1, 1)", trace=True)
    query = f"SELECT * FROM {keyspace}.traced WHERE k = 1"
    rs = session.execute(SimpleStatement(query, consistency_level=ConsistencyLevel.ONE),
                         trace=True)
    trace = rs.get_query_trace(max_wait_sec=5)
    assert trace.request_type == "Execute CQL3 query"
    assert trace.coordinator == "127.0.0.1" and trace.client == "127.0.0.1"
    assert trace.parameters["query"] == query
    assert trace.parameters["consistency_level"] == "ONE"
    assert trace.duration is not None and trace.started_at is not None
    activities = [e.description for e in trace.events]
    assert f"Parsing {query}" in activities
    assert "Preparing statement" in activities
    assert f"Read 1 live rows from {keyspace}.traced" in activities
    elapsed = [e.source_elapsed for e in trace.events]
    assert elapsed == sorted(elapsed)
    write = insert.get_query_trace(max_wait_sec=5)
    assert any(e.description.startswith("Appending to commitlog: 1 partition update(s)")
               for e in write.events)
    # An untraced request opens no session.
    assert session.execute(query).get_query_trace() is None


def test_a_traced_prepared_statement_gets_its_trace(session, keyspace):
    # Why: EXECUTE supports tracing too (§2.2); the session's query is the prepared text.
    session.execute(f"CREATE TABLE {keyspace}.traced_p (k int PRIMARY KEY, v int)")
    prepared = session.prepare(f"SELECT * FROM {keyspace}.traced_p WHERE k = ?")
    trace = session.execute(prepared, (1,), trace=True).get_query_trace(max_wait_sec=5)
    assert trace.request_type == "Execute CQL3 prepared query"
    assert trace.parameters["query"] == prepared.query_string
    assert f"Read 0 live rows from {keyspace}.traced_p" in [e.description for e in trace.events]


def test_clients_shows_tls_details(server, session):
    # Why: ClientsTable's ssl_enabled, ssl_protocol and ssl_cipher_suite (Java's names: "TLSv1.3",
    # IANA suite names) tell operators which clients are encrypted.
    import ssl
    from cassandra.cluster import Cluster
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    before = {r.port for r in session.execute("SELECT port FROM system_views.clients")}
    with Cluster(["127.0.0.1"], port=server.tls_port, ssl_context=ctx, protocol_version=4) as c:
        c.connect()
        rows = [r for r in session.execute("SELECT * FROM system_views.clients")
                if r.port not in before]
        assert rows
        for r in rows:
            assert r.ssl_enabled is True
            assert r.ssl_protocol.startswith("TLSv1.")
            assert r.ssl_cipher_suite.startswith("TLS_")


def test_clients_shows_who_logged_in():
    # Why: ClientsTable's username and connection_stage tell operators who is connected; with
    # IAM logins the username is the IAM user (the root key's logins show "root").
    import boto3
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    from iam_helpers import ROOT_KEY, ROOT_SECRET, SigV4Provider, iam_server_process
    with iam_server_process() as srv:
        iam = boto3.client("iam", endpoint_url=srv["endpoint"], region_name="us-east-1",
                           aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)
        iam.create_user(UserName="operator")
        iam.attach_user_policy(UserName="operator",
                               PolicyArn="arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess")
        cred = iam.create_service_specific_credential(
            UserName="operator", ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredential"]
        login = PlainTextAuthProvider(cred["ServiceUserName"], cred["ServicePassword"])
        with Cluster(["127.0.0.1"], port=srv["cql"], auth_provider=login) as user, \
                Cluster(["127.0.0.1"], port=srv["cql"],
                        auth_provider=SigV4Provider(ROOT_KEY, ROOT_SECRET)) as root:
            user.connect()
            rows = list(root.connect().execute("SELECT * FROM system_views.clients"))
            assert {r.username for r in rows} == {"operator", "root"}
            assert {r.connection_stage for r in rows} == {"ready"}
