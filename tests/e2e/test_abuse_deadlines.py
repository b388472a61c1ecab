"""One statement cannot take the whole server (issue 9 item 4).

Paging always makes progress; a slow statement ends with ReadTimeout at its deadline (Cassandra's
read_request_timeout, shortened here with --read-request-timeout-ms); a client that disconnects
frees its worker; others are answered while slow statements run; SIGTERM ends the server in
bounded time whatever is running.

The slow statement needs no data: `p IN ? AND c IN ?` with two lists of 20,000 values reads
20,000 partitions with 20,000 clustering ranges each (4 * 10^8 seeks: minutes of work for one
statement of 160 KB).
"""
import signal
import tempfile
import threading
import time

import pytest
from cassandra import ConsistencyLevel, OperationTimedOut, ReadTimeout
from cassandra.query import SimpleStatement

from conftest import Server

SLOW_VALUES = list(range(20000))


def start(data_dir, *flags):
    return Server(data_dir, extra_args=list(flags)).start()


def slow_table(session):
    session.execute("CREATE KEYSPACE IF NOT EXISTS abuse WITH replication = "
                    "{'class': 'SimpleStrategy', 'replication_factor': 3}")
    session.execute("CREATE TABLE IF NOT EXISTS abuse.t (p int, c int, v int, PRIMARY KEY (p, c))")
    return session.prepare("SELECT * FROM abuse.t WHERE p IN ? AND c IN ?")


def start_slow_statements(server, count):
    """`count` slow statements, each on its own connection (cluster); returns the clusters and
    an event per statement, set when it is answered."""
    clusters, answered = [], []
    for _ in range(count):
        cluster = server.cluster()
        session = cluster.connect()
        future = session.execute_async(slow_table(session), (SLOW_VALUES, SLOW_VALUES),
                                       timeout=120)
        event = threading.Event()
        future.add_callbacks(lambda _, e=event: e.set(), lambda _, e=event: e.set())
        answered.append(event)
        clusters.append(cluster)
    time.sleep(0.5)  # let them reach the workers
    assert not any(e.is_set() for e in answered), "the slow statements should still be running"
    return clusters, answered


def timed(session, statement):
    start = time.monotonic()
    row = session.execute(statement).one()
    return time.monotonic() - start, row


def test_per_partition_limit_with_fetch_size_one_returns_every_page(session, keyspace):
    # Why: the third page resumed inside a partition whose PER PARTITION LIMIT was used up, read
    # zero rows with "more to come" and spun a worker at 100% CPU for ever (issue 9 item 4).
    session.execute(f"CREATE TABLE {keyspace}.ppl (p int, c int, PRIMARY KEY (p, c))")
    insert = session.prepare(f"INSERT INTO {keyspace}.ppl (p, c) VALUES (?, ?)")
    for p in range(3):
        for c in range(3):
            session.execute(insert, (p, c))
    statement = SimpleStatement(f"SELECT p, c FROM {keyspace}.ppl PER PARTITION LIMIT 2 LIMIT 3",
                                fetch_size=1)
    rows = [(r.p, r.c) for r in session.execute(statement, timeout=5)]
    assert len(rows) == 3
    assert [c for _, c in rows] == [0, 1, 0]
    assert rows[0][0] == rows[1][0] != rows[2][0]


def test_a_slow_read_answers_read_timeout_with_its_fields():
    # Why: past read_request_timeout the client gets ReadTimeout (code 0x1200) with the
    # consistency, the responses received and required, and whether data was present.
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-") as data_dir:
        server = start(data_dir, "--read-request-timeout-ms", "1000")
        try:
            cluster = server.cluster()
            session = cluster.connect()
            slow = slow_table(session)
            slow.consistency_level = ConsistencyLevel.QUORUM
            start_time = time.monotonic()
            with pytest.raises(ReadTimeout) as error:
                session.execute(slow, (SLOW_VALUES, SLOW_VALUES), timeout=30)
            elapsed = time.monotonic() - start_time
            assert 0.9 < elapsed < 5, elapsed
            assert "Operation timed out - received only 0 responses." in str(error.value)
            assert error.value.consistency == ConsistencyLevel.QUORUM
            assert error.value.required_responses == 2  # a quorum of replication factor 3
            assert error.value.received_responses == 0
            assert error.value.data_retrieved is False
            # The connection and the server carry on.
            assert session.execute("SELECT key FROM system.local").one().key == "local"
            cluster.shutdown()
        finally:
            assert server.stop() == 0


def test_clients_that_disconnect_free_their_workers():
    # Why: a client that goes away cancels its requests: with 4 workers, 4 slow statements
    # hold every one until their clients disconnect, then a bystander is answered at once.
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-") as data_dir:
        server = start(data_dir, "--native-transport-max-threads", "4",
                       "--read-request-timeout-ms", "600000")
        try:
            bystander = server.cluster()
            session = bystander.connect()
            clusters, _ = start_slow_statements(server, 4)
            # Every worker is busy: the bystander waits (its client gives up after 0.5 s).
            with pytest.raises(OperationTimedOut):
                session.execute("SELECT key FROM system.local", timeout=0.5)
            for cluster in clusters:
                cluster.shutdown()
            start_time = time.monotonic()
            session.execute("SELECT key FROM system.local", timeout=10)
            assert time.monotonic() - start_time < 2
            bystander.shutdown()
        finally:
            assert server.stop() == 0


def test_a_bystander_is_answered_promptly_while_four_slow_statements_run():
    # Why: a few pathological statements must not take the whole server.
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-") as data_dir:
        server = start(data_dir, "--read-request-timeout-ms", "600000")
        try:
            bystander = server.cluster()
            session = bystander.connect()
            select = session.prepare("SELECT key FROM system.local")
            clusters, answered = start_slow_statements(server, 4)
            latencies = [timed(session, select)[0] for _ in range(20)]
            assert max(latencies) < 0.5, latencies
            assert not any(e.is_set() for e in answered)
            for cluster in clusters + [bystander]:
                cluster.shutdown()
        finally:
            assert server.stop() == 0


def test_sigterm_ends_the_server_within_ten_seconds_with_stuck_requests():
    # Why: shutdown waited for running requests, so four stuck statements made SIGTERM wait for
    # ever; running requests are now cancelled when their connections close.
    with tempfile.TemporaryDirectory(prefix="sibyl-e2e-") as data_dir:
        server = start(data_dir, "--read-request-timeout-ms", "600000")
        clusters, _ = start_slow_statements(server, 4)
        start_time = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(timeout=30)
        elapsed = time.monotonic() - start_time
        for cluster in clusters:
            cluster.shutdown()
        assert elapsed < 10, elapsed
        assert code == 0
        assert "Shutdown did not finish" not in open(server.log_path).read()
