"""Many stateless Sibyl nodes on one Ceph pool (issue 15, docs/dev/rados-mapping.md "Many nodes"):
three `sibyl serve --storage rados` nodes under one --pool-namespace of the test Ceph cluster
(SIBYL_TEST_CEPH_CONF / SIBYL_TEST_CEPH_POOL, scripts/ceph.sh) with one IAM master key. The driver
sees all three; a DDL or an IAM change on one node is in force on the others when it returns;
kill -9 of a node under load loses no acknowledged write and is announced to the drivers."""
import http.client
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
from cassandra import ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
from cassandra.policies import RoundRobinPolicy, TokenAwarePolicy
from cassandra.query import SimpleStatement

from conftest import SIBYL_BIN, free_port
from iam_helpers import READ_ONLY, ROOT_KEY, ROOT_SECRET

pytestmark = pytest.mark.ceph_cluster

CEPH_CONF = os.environ.get("SIBYL_TEST_CEPH_CONF")
CEPH_POOL = os.environ.get("SIBYL_TEST_CEPH_POOL")
if not CEPH_CONF or not CEPH_POOL:
    pytest.skip("no Ceph cluster: set SIBYL_TEST_CEPH_CONF and SIBYL_TEST_CEPH_POOL "
                "(scripts/ceph.sh up DIR prints them; scripts/test.sh --rados does it)",
                allow_module_level=True)


class Node:
    def __init__(self, index, root, namespace, master_key):
        self.index = index
        self.data_dir = os.path.join(root, f"node{index}")
        os.makedirs(self.data_dir)
        self.cql, self.http, self.tls = free_port(), free_port(), free_port()
        self.endpoint = f"http://127.0.0.1:{self.http}"
        self.args = [SIBYL_BIN, "serve", "--data-dir", self.data_dir, "--auth", "iam",
                     "--listen-address", "127.0.0.1", "--cql-port", str(self.cql),
                     "--cql-tls-port", str(self.tls), "--http-port", str(self.http),
                     "--storage", "rados", "--ceph-conf", CEPH_CONF, "--pool", CEPH_POOL,
                     "--pool-namespace", namespace, "--master-key-file", master_key]
        self.proc = None

    def start(self):
        env = dict(os.environ, SIBYL_ROOT_ACCESS_KEY_ID=ROOT_KEY,
                   SIBYL_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET)
        log = open(os.path.join(self.data_dir, "server.log"), "ab")
        self.proc = subprocess.Popen(self.args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        return self

    def wait(self):
        # "Sibyl started" is logged once the node is in the cluster's registry.
        deadline = time.time() + 60
        while "Sibyl started" not in self.log():
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"node {self.index} did not start: " + self.log()[-2000:])
            time.sleep(0.05)

    def log(self):
        return open(os.path.join(self.data_dir, "server.log"), errors="replace").read()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def nodes():
    with tempfile.TemporaryDirectory(prefix="sibyl-cluster-") as root:
        namespace = "c" + uuid.uuid4().hex[:12]
        master_key = os.path.join(root, "master.key")
        all_nodes = [Node(i, root, namespace, master_key) for i in (1, 2, 3)]
        try:
            all_nodes[0].start().wait()  # makes the account and the root key
            for n in all_nodes[1:]:
                n.start()
            for n in all_nodes[1:]:
                n.wait()
            yield all_nodes
        finally:
            for n in all_nodes:
                n.stop()


@pytest.fixture(scope="module")
def admin(nodes):
    """A service-specific credential of an IAM user with full Keyspaces access, made through the
    IAM API of node 1."""
    aws({"endpoint": nodes[0].endpoint}, "iam", "create-user", "--user-name", "admin")
    aws({"endpoint": nodes[0].endpoint}, "iam", "attach-user-policy", "--user-name", "admin",
        "--policy-arn", "arn:aws:iam::aws:policy/AmazonKeyspacesFullAccess")
    cred = aws({"endpoint": nodes[0].endpoint}, "iam", "create-service-specific-credential",
               "--user-name", "admin", "--service-name", "cassandra.amazonaws.com")
    c = cred["ServiceSpecificCredential"]
    return c["ServiceUserName"], c["ServicePassword"]


def aws(server, *args):
    """The IAM call `args` through Sibyl's own CLI (the aws CLI's commands and JSON output; a
    Python start per call of the aws CLI costs seconds on a loaded machine)."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
               AWS_DEFAULT_REGION="us-east-1")
    out = subprocess.run([SIBYL_BIN, *args, "--endpoint-url", server["endpoint"]],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else {}


def connect(node, login, **kwargs):
    cluster = Cluster(["127.0.0.1"], port=node.cql, auth_provider=PlainTextAuthProvider(*login),
                      **kwargs)
    return cluster, cluster.connect()


def test_driver_sees_all_three_nodes_with_tokens_and_one_schema_version(nodes, admin):
    # Why: drivers learn the cluster from system.local + system.peers_v2 and route by tokens;
    # schema agreement compares every node's schema_version.
    cluster, session = connect(nodes[0], admin)
    try:
        hosts = cluster.metadata.all_hosts()
        assert sorted(h.endpoint.port for h in hosts) == sorted(n.cql for n in nodes)
        assert len({h.host_id for h in hosts}) == 3
        ring = cluster.metadata.token_map.ring
        assert len(ring) == 3 * 16
        owners = {cluster.metadata.token_map.token_to_host_owner[t].endpoint.port for t in ring}
        assert owners == {n.cql for n in nodes}
        local = session.execute("SELECT schema_version FROM system.local").one().schema_version
        peers = session.execute("SELECT schema_version FROM system.peers_v2").all()
        assert [p.schema_version for p in peers] == [local, local]
    finally:
        cluster.shutdown()


def test_table_created_on_one_node_is_usable_at_once_on_the_others(nodes, admin):
    # Why: DDL returns only when every live node reloaded the schema (issue 15), and the driver's
    # schema agreement wait after it must end at once, not after max_schema_agreement_wait.
    clusters = [connect(n, admin, load_balancing_policy=RoundRobinPolicy()) for n in nodes]
    try:
        s1 = clusters[0][1]
        ks = "ks_" + uuid.uuid4().hex[:10]
        start = time.time()
        s1.execute(f"CREATE KEYSPACE {ks} WITH replication = "
                   "{'class': 'SimpleStrategy', 'replication_factor': 3}")
        s1.execute(f"CREATE TABLE {ks}.t (k int PRIMARY KEY, v text)")
        assert time.time() - start < 5  # agreement reached, no 10 s wait
        # The driver connected to node 3 (control connection there) learns of the table only from
        # node 3's SCHEMA_CHANGE event for a DDL made on node 1.
        meta = clusters[2][0].metadata
        deadline = time.time() + 10
        while time.time() < deadline and not (ks in meta.keyspaces and "t" in meta.keyspaces[ks].tables):
            time.sleep(0.1)
        assert ks in meta.keyspaces and "t" in meta.keyspaces[ks].tables
        for i, (_, s) in enumerate(clusters[1:], start=2):
            # Pinned to one host: each statement runs on node i itself.
            host = [h for h in s.cluster.metadata.all_hosts() if h.endpoint.port == nodes[i - 1].cql][0]
            s.execute(f"INSERT INTO {ks}.t (k, v) VALUES ({i}, 'from node {i}')", host=host)
            assert s.execute(f"SELECT v FROM {ks}.t WHERE k = {i}", host=host).one().v == f"from node {i}"
        s1.execute(f"ALTER TABLE {ks}.t ADD w int")
        host3 = [h for h in clusters[2][1].cluster.metadata.all_hosts() if h.endpoint.port == nodes[2].cql][0]
        clusters[2][1].execute(f"UPDATE {ks}.t SET w = 7 WHERE k = 3", host=host3)
        assert s1.execute(f"SELECT w FROM {ks}.t WHERE k = 3").one().w == 7
    finally:
        for c, _ in clusters:
            c.shutdown()


def test_credential_made_on_node1_logs_in_on_node3_and_inactive_on_node2_refuses_on_node1(nodes):
    # Why: IAM changes are in force on every node when the API call returns (issue 15).
    from cassandra.cluster import NoHostAvailable
    aws({"endpoint": nodes[0].endpoint}, "iam", "create-user", "--user-name", "carol")
    aws({"endpoint": nodes[0].endpoint}, "iam", "attach-user-policy", "--user-name", "carol",
        "--policy-arn", READ_ONLY)  # a user without any permission may not log in
    cred = aws({"endpoint": nodes[0].endpoint}, "iam", "create-service-specific-credential",
               "--user-name", "carol", "--service-name", "cassandra.amazonaws.com")
    c = cred["ServiceSpecificCredential"]
    login = (c["ServiceUserName"], c["ServicePassword"])
    cluster, session = connect(nodes[2], login, load_balancing_policy=RoundRobinPolicy())
    assert session.execute("SELECT release_version FROM system.local").one()
    cluster.shutdown()
    aws({"endpoint": nodes[1].endpoint}, "iam", "update-service-specific-credential",
        "--user-name", "carol", "--service-specific-credential-id", c["ServiceSpecificCredentialId"],
        "--status", "Inactive")
    with pytest.raises(NoHostAvailable):
        connect(nodes[0], login, load_balancing_policy=RoundRobinPolicy())


def test_the_same_user_created_on_three_nodes_at_once_exists_once(nodes):
    # Why: IAM changes run under the cluster's change lock, each on the state the previous one
    # left; without it every node passed its "no such user yet" check and all three succeeded
    # (issue 15). IAM answers EntityAlreadyExists to the others, as AWS does.
    import concurrent.futures

    def create(node):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
                   AWS_DEFAULT_REGION="us-east-1")
        return subprocess.run([SIBYL_BIN, "iam", "create-user", "--user-name", "racer",
                               "--endpoint-url", node.endpoint],
                              capture_output=True, text=True, env=env, timeout=60)
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        results = list(pool.map(create, nodes))
    assert sorted(r.returncode == 0 for r in results) == [False, False, True], \
        [(r.returncode, r.stderr[-200:]) for r in results]
    for r in results:
        if r.returncode != 0:
            assert "EntityAlreadyExists" in r.stderr, r.stderr
    users = [u["UserName"] for u in aws({"endpoint": nodes[2].endpoint}, "iam", "list-users")["Users"]]
    assert users.count("racer") == 1


def console(node, method, path, body=None, cookie="", csrf=""):
    """One call of the console's JSON API on `node`: (status, JSON body, Set-Cookie)."""
    conn = http.client.HTTPConnection("127.0.0.1", node.http, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, (json.loads(data) if data else {}), res.getheader("Set-Cookie")


def test_console_session_from_node1_works_on_2_and_3_and_sign_out_on_3_ends_it_on_1(nodes):
    # Why (issue 15): sessions lived in each node's memory, so a load balancer sending the next
    # request to another node signed the user out, and a sign-out left the session alive on the
    # other nodes. Now they are rows of the pool: any node knows them, a sign-out is in force
    # everywhere when it returns.
    status, data, set_cookie = console(nodes[0], "POST", "/api/session",
                                       {"kind": "key", "access_key_id": ROOT_KEY,
                                        "secret_access_key": ROOT_SECRET})
    assert status == 200, data
    cookie, csrf = set_cookie.split(";")[0], data["csrf_token"]
    for node in nodes[1:]:
        status, data, _ = console(node, "GET", "/api/session", cookie=cookie)
        assert status == 200, (node.index, data)
        assert data["csrf_token"] == csrf and data["principal"]["is_root"]
    # a state-changing call (CSRF token checked) on node 2
    status, data, _ = console(nodes[1], "POST", "/api/cql",
                              {"query": "SELECT release_version FROM system.local"},
                              cookie=cookie, csrf=csrf)
    assert status == 200 and data["kind"] == "rows", data
    status, data, _ = console(nodes[2], "DELETE", "/api/session", cookie=cookie, csrf=csrf)
    assert status == 200, data
    for node in nodes:  # at once, no waiting
        status, data, _ = console(node, "GET", "/api/session", cookie=cookie)
        assert status == 401 and data["error"]["code"] == "NotSignedIn", (node.index, data)


def test_guesses_on_node1_slow_the_next_guess_on_node2(nodes):
    # Why (issue 15): each node's brake counted only its own failures, so a guesser spreading
    # over N nodes got N times the free guesses. Nodes exchange their counts every second.
    key_id = "AKIA" + uuid.uuid4().hex[:16].upper()
    guess = {"kind": "key", "access_key_id": key_id, "secret_access_key": "wrong"}
    for _ in range(4):
        assert console(nodes[0], "POST", "/api/session", guess)[0] == 403
    time.sleep(2.5)  # two exchange periods
    started = time.monotonic()
    status, data, _ = console(nodes[1], "POST", "/api/session", guess)
    assert status == 403 and data["error"]["code"] == "AccessDenied"
    assert time.monotonic() - started >= 0.4  # the 5th failure in all: 500 ms, not node 2's 1st


def test_kill_9_of_a_node_under_load_loses_no_acknowledged_write(nodes, admin):
    # Why: nodes are stateless; a write is acknowledged only once it is in RADOS, so the
    # survivors serve every acknowledged write, the driver fails over, and the others announce
    # the dead node (STATUS_CHANGE DOWN, then gone from system.peers_v2).
    cluster, session = connect(nodes[0], admin,
                               load_balancing_policy=TokenAwarePolicy(RoundRobinPolicy()))
    try:
        ks = "ks_" + uuid.uuid4().hex[:10]
        session.execute(f"CREATE KEYSPACE {ks} WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': 3}")
        session.execute(f"CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)")
        insert = session.prepare(f"INSERT INTO {ks}.t (k, v) VALUES (?, ?)")
        victim = nodes[2]
        acked, lock, stop = set(), threading.Lock(), threading.Event()

        def writer(offset):
            i = offset
            while not stop.is_set():
                try:
                    session.execute(insert, (i, i))
                    with lock:
                        acked.add(i)
                except Exception:  # a write in flight on the killed node may fail: not acked
                    pass
                i += 4

        threads = [threading.Thread(target=writer, args=(o,)) for o in range(4)]
        for t in threads:
            t.start()
        while len(acked) < 200:
            time.sleep(0.01)
        victim.stop(signal.SIGKILL)
        killed_at = len(acked)
        deadline = time.time() + 10
        while len(acked) < killed_at + 200 and time.time() < deadline:
            time.sleep(0.01)
        stop.set()
        for t in threads:
            t.join()
        assert len(acked) >= killed_at + 200, "the survivors stopped serving"
        select = SimpleStatement(f"SELECT k FROM {ks}.t", fetch_size=1000,
                                 consistency_level=ConsistencyLevel.ONE)
        stored = {row.k for row in session.execute(select)}
        assert acked <= stored
        # The survivors drop it from system.peers_v2 once its heartbeat is older than 10 s.
        deadline = time.time() + 20
        while time.time() < deadline:
            ports = {r.native_port for r in session.execute("SELECT native_port FROM system.peers_v2")}
            if victim.cql not in ports:
                break
            time.sleep(0.5)
        assert victim.cql not in ports
        host = [h for h in cluster.metadata.all_hosts() if h.endpoint.port == victim.cql]
        assert not host or not host[0].is_up
        # Node 1 saw its heartbeat stop at its next registry poll (2 s) and sent STATUS_CHANGE DOWN
        # to the connections registered for it.
        deadline = time.time() + 5
        while f"(127.0.0.1:{victim.cql}) down" not in nodes[0].log() and time.time() < deadline:
            time.sleep(0.2)
        assert f"(127.0.0.1:{victim.cql}) down" in nodes[0].log()
    finally:
        cluster.shutdown()


def remove_node(node, host_id):
    return subprocess.run([SIBYL_BIN, "cluster", "remove-node", "--host-id", host_id,
                           "--ceph-conf", CEPH_CONF, "--pool", CEPH_POOL,
                           "--pool-namespace", node.args[node.args.index("--pool-namespace") + 1]],
                          capture_output=True, text=True, timeout=60)


def test_remove_node_refuses_a_live_node_and_forgets_a_dead_one(nodes, admin):
    # Why: as Cassandra's `nodetool removenode`, an operator forgets a node that will not come
    # back (its registry entry, tokens and batchlog); a live node must never be removed. Runs
    # after the kill -9 test, whose victim (node 3) is dead by now.
    live_id = open(os.path.join(nodes[0].data_dir, "host_id")).read().strip()
    out = remove_node(nodes[0], live_id)
    assert out.returncode == 1
    assert f"node {live_id} is live" in out.stderr
    victim = nodes[2]
    assert victim.proc.poll() is not None, "the kill -9 test did not run first"
    victim_id = open(os.path.join(victim.data_dir, "host_id")).read().strip()
    deadline = time.time() + 15  # its last heartbeat must be older than the 10 s window
    while True:
        out = remove_node(nodes[0], victim_id)
        if out.returncode == 0 or "is live" not in out.stderr or time.time() > deadline:
            break
        time.sleep(1)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"Removed node {victim_id}: ")
    assert "16 tokens freed" in out.stdout
    again = remove_node(nodes[0], victim_id)
    assert again.returncode == 1 and "no node" in again.stderr
