"""User-defined types end to end with Debian's python3-cassandra (issue 11): DDL and its errors,
schema metadata and events, frozen UDT columns (prepared and unprepared), field selection,
ALTER TYPE on stored values, restart persistence, the npm driver. Expected behaviour and texts
are Cassandra 4.1's (CreateTypeStatement, AlterTypeStatement, DropTypeStatement, UserTypesTest).
"""
import collections
import os
import shutil
import subprocess

import pytest
from cassandra import InvalidRequest

NODE_DIR = os.path.join(os.path.dirname(__file__), "node")


@pytest.fixture(scope="module")
def ks(session, keyspace):
    session.execute(f"CREATE TYPE {keyspace}.address (street text, city text, zip int)")
    session.execute(f"CREATE TYPE {keyspace}.person (name text, home frozen<address>, "
                    f"tags set<text>)")
    session.execute(f"CREATE TABLE {keyspace}.people (id int PRIMARY KEY, p frozen<person>, "
                    f"a frozen<address>, history list<frozen<address>>, "
                    f"by_kind map<text, frozen<address>>)")
    return keyspace


def test_create_type_is_in_driver_metadata(cluster, session, ks):
    # Why: drivers build their UDT classes from system_schema.types (refreshed on the
    # SCHEMA_CHANGE event with target TYPE).
    cluster.refresh_schema_metadata()
    types = cluster.metadata.keyspaces[ks].user_types
    assert types["address"].field_names == ["street", "city", "zip"]
    assert types["address"].field_types == ["text", "text", "int"]
    assert types["person"].field_types == ["text", "frozen<address>", "set<text>"]
    table = cluster.metadata.keyspaces[ks].tables["people"]
    assert table.columns["p"].cql_type == "frozen<person>"
    assert table.columns["by_kind"].cql_type == "map<text, frozen<address>>"


def test_literals_unprepared_and_field_selection(session, ks):
    # Why: UDT literals name their fields; missing fields are null, and `p.home.city` selects
    # through nested types (Selectable.WithFieldSelection).
    session.execute(f"INSERT INTO {ks}.people (id, p, a) VALUES (1, {{name: 'Ann', home: "
                    f"{{street: '1 Rue', city: 'Paris'}}, tags: {{'b', 'a'}}}}, {{city: 'Oslo'}})")
    row = session.execute(f"SELECT p, a, p.home.city, a.zip FROM {ks}.people WHERE id = 1").one()
    assert row.p.name == "Ann"
    assert row.p.home.city == "Paris" and row.p.home.zip is None
    assert row.p.tags == {"a", "b"}
    assert row.a.street is None and row.a.city == "Oslo"
    assert row.p_home_city == "Paris"
    assert row.a_zip is None


def test_prepared_whole_values_and_fields_in_literals(cluster, session, ks):
    # Why: bind markers for a whole UDT take the driver's encoding of a registered class; markers
    # inside a literal bind each field's type.
    Address = collections.namedtuple("Address", ["street", "city", "zip"])
    cluster.register_user_type(ks, "address", Address)
    ins = session.prepare(f"INSERT INTO {ks}.people (id, a, history, by_kind) VALUES (?, ?, ?, ?)")
    session.execute(ins, (2, Address("s", "Rome", 7), [Address("x", "y", 1)],
                          {"home": Address("h", "Lyon", 2)}))
    part = session.prepare(f"UPDATE {ks}.people SET a = {{street: ?, zip: ?}} WHERE id = ?")
    session.execute(part, ("only street", 9, 3))
    rows = {r.id: r for r in session.execute(
        session.prepare(f"SELECT id, a, history, by_kind FROM {ks}.people WHERE id IN (2, 3)"))}
    assert isinstance(rows[2].a, Address)
    assert rows[2].a == Address("s", "Rome", 7)
    assert rows[2].history == [Address("x", "y", 1)]
    assert rows[2].by_kind["home"].city == "Lyon"
    assert rows[3].a == Address("only street", None, 9)


def test_udt_clustering_key_and_where(session, ks):
    # Why: frozen UDTs order and compare field by field as keys.
    session.execute(f"CREATE TABLE {ks}.visits (k int, at frozen<address>, n int, "
                    f"PRIMARY KEY (k, at))")
    for street, n in (("b", 2), ("a", 1), ("c", 3)):
        session.execute(f"INSERT INTO {ks}.visits (k, at, n) VALUES (1, {{street: '{street}'}}, {n})")
    assert [r.n for r in session.execute(f"SELECT n FROM {ks}.visits WHERE k = 1")] == [1, 2, 3]
    sel = session.prepare(f"SELECT n FROM {ks}.visits WHERE k = 1 AND at = {{street: ?}}")
    assert session.execute(sel, ("b",)).one().n == 2


def test_errors_are_cassandras(session, ks):
    # Why: users and tools match these texts (UserTypesTest.testInvalidUDTStatements).
    cases = [
        (f"CREATE TYPE {ks}.address (x int)", "A user type with name 'address' already exists"),
        (f"CREATE TYPE {ks}.bad (x int, x int)", "Duplicate field name 'x' in type 'bad'"),
        (f"CREATE TYPE {ks}.bad (x address)", "A user type cannot contain non-frozen UDTs"),
        (f"CREATE TABLE {ks}.bad (k int PRIMARY KEY, v frozen<nope>)", f"Unknown type {ks}.nope"),
        (f"CREATE TABLE {ks}.bad (k int PRIMARY KEY, v list<address>)",
         "Non-frozen UDTs are not allowed inside collections: list<address>"),
        (f"INSERT INTO {ks}.people (id, a) VALUES (9, {{town: 'x'}})",
         "Unknown field 'town' in value of user defined type address"),
        (f"DROP TYPE {ks}.address", f"Cannot drop user type '{ks}.address' as it is still used "
                                    f"by user types person"),
        (f"DROP TYPE {ks}.person", f"Cannot drop user type '{ks}.person' as it is still used "
                                   f"by tables people"),
        (f"DROP TYPE {ks}.nope", f"Type '{ks}.nope' doesn't exist"),
        (f"SELECT a.town FROM {ks}.people", "a of type frozen<address> has no field town"),
    ]
    for statement, message in cases:
        with pytest.raises(InvalidRequest) as e:
            session.execute(statement)
        assert message in str(e.value), statement


def test_alter_type_add_and_rename_keep_stored_values(cluster, session, keyspace):
    # Why: ALTER TYPE rewrites no data: values written before ADD read the new field as null,
    # RENAME keeps them (fields are positional), and the SCHEMA_CHANGE event updates drivers.
    session.execute(f"CREATE TYPE {keyspace}.pt (x int)")
    session.execute(f"CREATE TABLE {keyspace}.pts (k int PRIMARY KEY, v frozen<pt>)")
    session.execute(f"INSERT INTO {keyspace}.pts (k, v) VALUES (1, {{x: 1}})")
    session.execute(f"ALTER TYPE {keyspace}.pt ADD y text")
    session.execute(f"ALTER TYPE {keyspace}.pt RENAME x TO xx")
    session.execute(f"INSERT INTO {keyspace}.pts (k, v) VALUES (2, {{xx: 2, y: 'two'}})")
    rows = {r.k: r for r in session.execute(f"SELECT k, v.xx, v.y FROM {keyspace}.pts")}
    assert (rows[1].v_xx, rows[1].v_y) == (1, None)
    assert (rows[2].v_xx, rows[2].v_y) == (2, "two")
    cluster.refresh_user_type_metadata(keyspace, "pt")
    assert cluster.metadata.keyspaces[keyspace].user_types["pt"].field_names == ["xx", "y"]


def test_describe_prints_types_before_tables(session, keyspace):
    # Why: cqlsh's DESCRIBE KEYSPACE output must recreate the schema in order.
    session.execute(f"CREATE TYPE {keyspace}.z_inner (n int)")
    session.execute(f"CREATE TYPE {keyspace}.a_outer (i frozen<z_inner>)")
    rows = list(session.execute(f"DESCRIBE KEYSPACE {keyspace}"))
    names = [(r.type, r.name) for r in rows]
    assert names.index(("type", "z_inner")) < names.index(("type", "a_outer"))
    statement = [r.create_statement for r in rows if r.name == "a_outer"][0]
    assert statement == f"CREATE TYPE {keyspace}.a_outer (\n    i frozen<z_inner>\n);"


def test_non_frozen_udt_updates_one_field(session, keyspace):
    # Why: a non-frozen UDT column (Cassandra 3.6+) stores one cell per field, so
    # `SET v.f = ?` writes only that field and `SET v = {...}` replaces all of them
    # (UserTypesTest.testUpdateNonFrozenUDT / testDeleteNonFrozenUDT).
    session.execute(f"CREATE TYPE {keyspace}.nf (a int, b text)")
    session.execute(f"CREATE TABLE {keyspace}.nft (k int PRIMARY KEY, v nf)")
    session.execute(f"INSERT INTO {keyspace}.nft (k, v) VALUES (0, {{a: 0, b: 'abc'}})")
    set_field = session.prepare(f"UPDATE {keyspace}.nft SET v.a = ? WHERE k = ?")
    assert set_field.column_metadata[0].name == "v.a"
    session.execute(set_field, (1, 0))
    session.execute(f"UPDATE {keyspace}.nft SET v.b = 'def' WHERE k = 0")
    row = session.execute(f"SELECT v, v.a FROM {keyspace}.nft WHERE k = 0").one()
    assert (row.v.a, row.v.b, row.v_a) == (1, "def", 1)
    session.execute(f"DELETE v.b FROM {keyspace}.nft WHERE k = 0")
    assert session.execute(f"SELECT v FROM {keyspace}.nft WHERE k = 0").one().v.b is None
    session.execute(f"UPDATE {keyspace}.nft SET v = {{b: 'only'}} WHERE k = 0")
    v = session.execute(f"SELECT v FROM {keyspace}.nft WHERE k = 0").one().v
    assert (v.a, v.b) == (None, "only")
    session.execute(f"DELETE v.b FROM {keyspace}.nft WHERE k = 0")
    assert session.execute(f"SELECT v FROM {keyspace}.nft WHERE k = 0").one().v is None
    with pytest.raises(InvalidRequest) as e:
        session.execute(f"UPDATE {keyspace}.nft SET v.nope = 1 WHERE k = 0")
    assert "UDT column v does not have a field named nope" in str(e.value)
    with pytest.raises(InvalidRequest) as e:
        session.execute(f"SELECT writetime(v) FROM {keyspace}.nft")
    assert "non-frozen UDT v" in str(e.value)


def test_schema_change_events_reach_other_clients(server, session, keyspace):
    # Why: another client learns of CREATE/ALTER/DROP TYPE only from the SCHEMA_CHANGE event
    # (target TYPE) its control connection registered for.
    import time
    other = server.cluster(schema_event_refresh_window=0.01)
    other.connect()
    try:
        def wait_for(check):
            deadline = time.time() + 5
            while time.time() < deadline:
                if check():
                    return True
                time.sleep(0.02)
            return False
        session.execute(f"CREATE TYPE {keyspace}.evt (a int)")
        assert wait_for(lambda: "evt" in other.metadata.keyspaces[keyspace].user_types)
        session.execute(f"ALTER TYPE {keyspace}.evt ADD b text")
        assert wait_for(lambda: other.metadata.keyspaces[keyspace].user_types["evt"].field_names
                        == ["a", "b"])
        session.execute(f"DROP TYPE {keyspace}.evt")
        assert wait_for(lambda: "evt" not in other.metadata.keyspaces[keyspace].user_types)
    finally:
        other.shutdown()


def test_udt_partition_key_prepared_and_alter_refused(session, keyspace):
    # Why: a frozen UDT partition key routes by its serialized value; adding a field would make
    # equal values different keys, so ALTER TYPE ADD is refused (AlterTypeStatement.AddField).
    session.execute(f"CREATE TYPE {keyspace}.pkt (a int, b text)")
    session.execute(f"CREATE TABLE {keyspace}.bypk (k frozen<pkt> PRIMARY KEY, v int)")
    ins = session.prepare(f"INSERT INTO {keyspace}.bypk (k, v) VALUES (?, ?)")
    assert ins.routing_key_indexes == [0]
    session.execute(f"INSERT INTO {keyspace}.bypk (k, v) VALUES ({{a: 1, b: 'x'}}, 1)")
    sel = session.prepare(f"SELECT v FROM {keyspace}.bypk WHERE k = {{a: ?, b: ?}}")
    assert session.execute(sel, (1, "x")).one().v == 1
    with pytest.raises(InvalidRequest) as e:
        session.execute(f"ALTER TYPE {keyspace}.pkt ADD c int")
    assert (f"Cannot add new field c of type int to user type {keyspace}.pkt as the type is "
            f"being used in partition key by the following tables: {keyspace}.bypk") in str(e.value)


def test_types_survive_restart(fresh_server):
    # Why: types are schema rows; tables that use them resolve again at startup.
    fresh_server.start()
    c = fresh_server.cluster()
    s = c.connect()
    s.execute("CREATE KEYSPACE r WITH replication = {'class': 'SimpleStrategy', "
              "'replication_factor': 1}")
    s.execute("CREATE TYPE r.inner (n int)")
    s.execute("CREATE TYPE r.outer (i frozen<inner>, label text)")
    s.execute("CREATE TABLE r.t (k int PRIMARY KEY, v frozen<outer>)")
    s.execute("INSERT INTO r.t (k, v) VALUES (1, {i: {n: 5}, label: 'five'})")
    c.shutdown()
    fresh_server.stop()
    fresh_server.start()
    c = fresh_server.cluster()
    s = c.connect()
    assert s.execute("SELECT v.i.n, v.label FROM r.t WHERE k = 1").one() == (5, "five")
    assert c.metadata.keyspaces["r"].user_types["outer"].field_types == ["frozen<inner>", "text"]
    s.execute("DROP KEYSPACE r")
    s.execute("CREATE KEYSPACE r WITH replication = {'class': 'SimpleStrategy', "
              "'replication_factor': 1}")
    assert list(s.execute("SELECT * FROM system_schema.types WHERE keyspace_name = 'r'")) == []
    c.shutdown()


@pytest.mark.skipif(not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "cassandra-driver"))
                    or shutil.which("node") is None,
                    reason="npm cassandra-driver not installed (scripts/test.sh installs it)")
def test_node_driver_decodes_udts(server):
    # Why: the Node.js driver decodes UDT values from the 0x0030 type option of the result
    # metadata (keyspace, name, fields).
    out = subprocess.run(["node", os.path.join(NODE_DIR, "udt.js"), str(server.cql_port)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == 'OK {"street":"s","zip":7} Paris', out.stdout
