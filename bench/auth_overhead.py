#!/usr/bin/env python3
"""Authorization's share of a simple statement's cost (issue #4): the same load against two
servers started by this run, one with `--auth none`, one with `--auth iam` and an IAM user whose
policies (inline with a condition, a group's managed policy) decide every statement.

    python3 bench/auth_overhead.py [--bin build/sibyl] [--rows 20000] [--rounds 3]
    python3 bench/auth_overhead.py --loadgen build/bench/loadgen [--duration 5] [--rounds 3]

Prints statements per second (wall clock; bound by the Python driver) and per server
CPU-second (what the server spends) for prepared INSERTs and SELECTs, auth off and on, in
alternating rounds so that both see the same machine state. With --loadgen the load comes from
the project's C++ load generator instead (50 connections, --depth in flight each, its own
bench.kv table; the IAM user logs in with SASL PLAIN): far less client CPU per statement, so the
server's share of the machine, and the resolution of the comparison, are higher.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import boto3
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
from cassandra.concurrent import execute_concurrent_with_args

ROOT_KEY, ROOT_SECRET = "AKIABENCHROOT0000001", "bench-root-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, data_dir, auth):
    cql, http = free_port(), free_port()
    env = dict(os.environ, SIBYL_ROOT_ACCESS_KEY_ID=ROOT_KEY,
               SIBYL_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET)
    proc = subprocess.Popen(
        [binary, "serve", "--data-dir", data_dir, "--cql-port", str(cql), "--cql-tls-port",
         str(free_port()), "--http-port", str(http), "--durability", "periodic", "--auth", auth],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    for port in (cql, http):
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    sys.exit("server exited")
                time.sleep(0.01)
    return proc, cql, http


def user_login(http):
    iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{http}", region_name="us-east-1",
                       aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)
    iam.create_user(UserName="bench")
    iam.put_user_policy(UserName="bench", PolicyName="tables", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["cassandra:Select", "cassandra:Modify"],
             "Resource": "arn:aws:cassandra:*:*:/keyspace/bench/table/*"},
            {"Effect": "Deny", "Action": "cassandra:Modify", "Resource": "*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}]}))
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers",
                            PolicyArn="arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess")
    iam.add_user_to_group(GroupName="readers", UserName="bench")
    iam.attach_user_policy(UserName="bench",
                           PolicyArn="arn:aws:iam::aws:policy/AmazonKeyspacesFullAccess")
    cred = iam.create_service_specific_credential(
        UserName="bench", ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredential"]
    return PlainTextAuthProvider(cred["ServiceUserName"], cred["ServicePassword"])


def loadgen_case(args, proc, cql, op, login):
    cmd = [args.loadgen, "--protocol", "cql", "--port", str(cql), "--server-pid", str(proc.pid),
           "--connections", "50", "--depth", str(args.depth), "--op", op, "--keys", "20000",
           "--duration", str(args.duration), "--warmup", "1"]
    if op == "write":
        cmd.append("--populate")
    if login:
        cmd += ["--user", login[0], "--password", login[1]]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main_loadgen(args):
    with tempfile.TemporaryDirectory(prefix="sibyl-authbench-") as tmp:
        servers = {}
        for auth in ("none", "iam"):
            proc, cql, http = start(args.bin, os.path.join(tmp, auth), auth)
            login = None
            if auth == "iam":
                provider = user_login(http)
                login = (provider.username, provider.password)
            servers[auth] = (proc, cql, login)
        cpu = {(a, op): [] for a in servers for op in ("write", "read")}
        for _ in range(args.rounds):
            for op in ("write", "read"):
                for auth, (proc, cql, login) in servers.items():
                    cpu[(auth, op)].append(
                        loadgen_case(args, proc, cql, op, login)["server_cpu_us_per_op"])
        for proc, _, _ in servers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait()
    print(f"{args.rounds} rounds x {args.duration} s per case, 50 connections x {args.depth} "
          "in flight; server CPU per statement (us), each round auth off then on")
    for op in ("write", "read"):
        off, on = cpu[("none", op)], cpu[("iam", op)]
        ratios = [b / a - 1 for a, b in zip(off, on)]
        print(f"{op:5s}  auth off: {' '.join(f'{v:.1f}' for v in off)} | auth on (IAM user): "
              f"{' '.join(f'{v:.1f}' for v in on)} | on/off: "
              f"{' '.join(f'{r:+.1%}' for r in ratios)} (median {sorted(ratios)[len(ratios) // 2]:+.1%})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "sibyl"))
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--loadgen", help="path of bench/loadgen: use it for the load")
    ap.add_argument("--duration", type=float, default=5, help="--loadgen: seconds per case")
    ap.add_argument("--depth", type=int, default=8, help="--loadgen: requests in flight per connection")
    args = ap.parse_args()
    if args.loadgen:
        return main_loadgen(args)

    with tempfile.TemporaryDirectory(prefix="sibyl-authbench-") as tmp:
        servers = {}
        for auth in ("none", "iam"):
            proc, cql, http = start(args.bin, os.path.join(tmp, auth), auth)
            provider = user_login(http) if auth == "iam" else None
            cluster = Cluster(["127.0.0.1"], port=cql, auth_provider=provider)
            session = cluster.connect()
            servers[auth] = (proc, cluster, session)

        def setup(session):
            session.execute("CREATE KEYSPACE IF NOT EXISTS bench WITH replication = "
                            "{'class': 'SimpleStrategy', 'replication_factor': 1}")
            session.execute("CREATE TABLE IF NOT EXISTS bench.kv (k int PRIMARY KEY, v text)")
        for proc, cluster, session in servers.values():
            setup(session)

        def cpu(proc):
            fields = open(f"/proc/{proc.pid}/stat").read().split()
            return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

        totals = {(a, op): [0.0, 0.0, 0] for a in servers for op in ("insert", "select")}
        value = "x" * 100
        for _ in range(args.rounds):
            for auth, (proc, cluster, session) in servers.items():
                insert = session.prepare("INSERT INTO bench.kv (k, v) VALUES (?, ?)")
                select = session.prepare("SELECT v FROM bench.kv WHERE k = ?")
                for op, stmt, rows in (("insert", insert, [(i, value) for i in range(args.rows)]),
                                       ("select", select, [(i,) for i in range(args.rows)])):
                    t, c = time.perf_counter(), cpu(proc)
                    results = execute_concurrent_with_args(session, stmt, rows,
                                                           concurrency=args.concurrency,
                                                           raise_on_first_error=True)
                    wall, used = time.perf_counter() - t, cpu(proc) - c
                    assert all(ok for ok, _ in results)
                    acc = totals[(auth, op)]
                    acc[0] += wall
                    acc[1] += used
                    acc[2] += len(rows)
        for auth, (proc, cluster, session) in servers.items():
            cluster.shutdown()
            proc.send_signal(signal.SIGTERM)
            proc.wait()

    print(f"{args.rounds} rounds x {args.rows} statements per kind, concurrency {args.concurrency}")
    for op in ("insert", "select"):
        off, on = totals[("none", op)], totals[("iam", op)]
        print(f"{op:6s}  auth off: {off[2] / off[0]:8,.0f}/s wall, {off[2] / max(off[1], 0.01):8,.0f}"
              f"/server CPU-s | auth on (IAM user): {on[2] / on[0]:8,.0f}/s wall, "
              f"{on[2] / max(on[1], 0.01):8,.0f}/server CPU-s")


if __name__ == "__main__":
    main()
