#!/usr/bin/env python3
"""bench/cluster_scale.py (issue 15): throughput of 1 and of 3 stateless Sibyl nodes on the same
loopback Ceph cluster, with RADOS's own `rados bench` beside them as the ceiling.

    python3 bench/cluster_scale.py [--duration 10] [--osds 1] [--connections 24] [--keys 2000]
                                   [--value-size 100] [--build-dir build] [--perf-dir DIR]
                                   [--order 1,3|3,1] [--smoke] [--out FILE]

One Ceph cluster (scripts/ceph.sh up: --osds memstore OSDs, no mgr) serves every case, one after
the other:
  rados bench   `rados bench -t <connections> -b <value-size>` write, then seq and rand reads of
                what it wrote (the ceiling: RADOS ops with no Sibyl in the way)
  sibyl x1      scripts/cluster.sh up --nodes 1 -- --auth none; bench/loadgen prepared point
                writes, then point reads (every key written first, unmeasured)
  sibyl x3      the same node 1 stopped, scripts/cluster.sh up --nodes 3 (same pool, same data);
                one loadgen per node in parallel, the connections split among them, summed
                (--order 3,1 runs x3 first: the OSD's state grows with every write, see below)
Every case uses the same total connections (1 request in flight each) and duration.

Columns: ops/s; p50/p99 (rados bench prints only its average latency, shown in both; x3: the
worst of the three loadgens); server CPU per op (utime+stime of every Sibyl node from /proc,
summed over the run); OSD+mon CPU per op (the ceph-osd and ceph-mon processes, the same way);
client CPU per op (loadgen's getrusage, or the `rados` process's); and the ratios x3/x1 and
against rados bench (writes vs write, reads vs rand).

Everything shares this machine's cores (2 on the development box): compare ratios within one run
and read the CPU columns, not the absolute ops/s. The load average before and after each case is
printed with the table, since other work on the machine moves the figures.

--perf-dir DIR: `perf record -g` of node 1 and of the OSD during the x3 write case (DIR/node1.data,
DIR/osd.data; `perf report --no-children --stdio -i ...`).
--smoke: 2 s per case over 200 keys; checks only that every case completes without errors.
Exit status 1 when a case failed or a loadgen reported errors.
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(f"cluster_scale: {msg}", file=sys.stderr, flush=True)


def cpu_seconds(pids):
    """utime+stime of `pids` (those still alive) in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / CLOCK_TICKS


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def ceph_pids(ceph_dir, prefix):
    pids = []
    run = os.path.join(ceph_dir, "run")
    for name in sorted(os.listdir(run)):
        if name.startswith(prefix) and name.endswith(".pid"):
            with open(os.path.join(run, name)) as f:
                pids.append(int(f.read().strip()))
    return pids


class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.ceph_dir = os.path.join(work, "ceph")
        self.conf = os.path.join(self.ceph_dir, "ceph.conf")
        self.pool = "sibyl"
        self.loadgen = os.path.join(args.build_dir, "bench", "loadgen")
        self.sibyl = os.path.join(args.build_dir, "sibyl")
        self.rows = []
        self.failed = False
        self.populated = False

    # ---- Ceph ----
    def ceph_up(self):
        log(f"starting Ceph ({self.args.osds} memstore OSD(s)) in {self.ceph_dir}")
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "ceph.sh"), "up", self.ceph_dir,
                        "--osds", str(self.args.osds), "--store", "memstore", "--no-mgr",
                        "--pool", self.pool], check=True, stdout=subprocess.DEVNULL)

    def ceph_cpu(self):
        return cpu_seconds(ceph_pids(self.ceph_dir, "osd.") + ceph_pids(self.ceph_dir, "mon."))

    # ---- rados bench ----
    def rados_bench(self):
        a = self.args
        seconds = str(max(1, round(a.duration)))  # rados bench takes whole seconds
        base = ["rados", "-c", self.conf, "-p", self.pool, "bench", seconds]
        common = ["-t", str(a.connections), "--run-name", "cluster_scale"]
        for mode in ("write", "seq", "rand"):
            extra = ["-b", str(a.value_size), "--no-cleanup"] if mode == "write" else []
            load_before = loadavg()
            ceph0, client0 = self.ceph_cpu(), children_cpu()
            proc = subprocess.run(base + [mode] + common + extra, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            out = proc.stdout
            # the only child reaped meanwhile is this `rados`
            ceph, client = self.ceph_cpu() - ceph0, children_cpu() - client0
            if proc.returncode != 0:
                log(f"rados bench {mode} failed:\n{out[-2000:]}")
                self.failed = True
                continue
            iops = re.search(r"Average IOPS:\s+([\d.]+)", out)
            lat = re.search(r"Average Latency\(s\):\s+([\d.]+)", out)
            ops = float(iops.group(1)) if iops else 0.0
            total_ops = ops * a.duration
            self.rows.append({
                "case": f"rados bench {mode}", "kind": "write" if mode == "write" else mode,
                "ops": ops, "p50_ms": float(lat.group(1)) * 1000 if lat else None,
                "p99_ms": float(lat.group(1)) * 1000 if lat else None, "latency": "avg",
                "server_us": None, "ceph_us": ceph * 1e6 / total_ops if total_ops else None,
                "client_us": client * 1e6 / total_ops if total_ops else None,
                "load": f"{load_before} -> {loadavg()}"})
        subprocess.run(["rados", "-c", self.conf, "-p", self.pool, "cleanup", "--run-name",
                        "cluster_scale"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # ---- Sibyl nodes (scripts/cluster.sh) ----
    def nodes_up(self, n):
        out = subprocess.run(
            ["bash", os.path.join(ROOT, "scripts", "cluster.sh"), "up", "--nodes", str(n),
             "--dir", self.work, "--bin", self.sibyl, "--pool", self.pool, "--", "--auth", "none"],
            check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
        nodes = []
        for line in out.splitlines():
            m = re.match(r"node=(\d+) cql=[\d.]+:(\d+) http=\S+ pid=(\d+)", line)
            if m:
                nodes.append({"index": int(m.group(1)), "port": int(m.group(2)),
                              "pid": int(m.group(3))})
        if len(nodes) != n:
            raise RuntimeError(f"cluster.sh up --nodes {n} printed: {out}")
        return nodes

    def nodes_down(self, nodes):
        # Only the nodes: Ceph stays up (its memstore data would not survive a restart).
        for node in nodes:
            os.kill(node["pid"], signal.SIGTERM)
        for node in nodes:
            for _ in range(300):
                if not os.path.exists(f"/proc/{node['pid']}"):
                    break
                time.sleep(0.1)
            else:
                os.kill(node["pid"], signal.SIGKILL)

    def loadgen_cmd(self, node, op, connections, seed, duration, extra=()):
        a = self.args
        return [self.loadgen, "--protocol", "cql", "--port", str(node["port"]),
                "--connections", str(connections), "--depth", "1", "--op", op,
                "--keys", str(a.keys), "--value-size", str(a.value_size),
                "--duration", str(duration), "--seed", str(seed), *extra]

    def populate(self, node):
        # Creates bench.kv and writes every key once, so reads find a value (unmeasured).
        cmd = self.loadgen_cmd(node, "read", 8, 99, 0.1, ["--populate"])
        cmd[cmd.index("--depth") + 1] = "32"
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("populate failed: " + out.stderr[-2000:])

    def sibyl_case(self, nodes, op, perf_dir=None):
        a = self.args
        n = len(nodes)
        split = [a.connections // n + (1 if i < a.connections % n else 0) for i in range(n)]
        load_before = loadavg()
        server0, ceph0 = cpu_seconds([x["pid"] for x in nodes]), self.ceph_cpu()
        procs = [subprocess.Popen(self.loadgen_cmd(node, op, split[i], i + 1, a.duration,
                                                   ["--no-create"]),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i, node in enumerate(nodes)]
        perfs = []
        if perf_dir:
            for name, pid in (("node1", nodes[0]["pid"]),
                              ("osd", ceph_pids(self.ceph_dir, "osd.")[0])):
                perfs.append(subprocess.Popen(
                    ["perf", "record", "-g", "-p", str(pid), "-o",
                     os.path.join(perf_dir, f"{name}.data"), "--", "sleep",
                     str(max(1, a.duration - 1))],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        results = []
        for proc in procs:
            out, err = proc.communicate()
            lines = [l for l in out.splitlines() if l.startswith("{")]
            if proc.returncode != 0 or not lines:
                log(f"loadgen failed (exit {proc.returncode}): {err[-1500:]}")
                self.failed = True
                continue
            results.append(json.loads(lines[-1]))
        for p in perfs:
            p.wait()
        server = cpu_seconds([x["pid"] for x in nodes]) - server0
        ceph = self.ceph_cpu() - ceph0
        if len(results) != n:
            return
        ops = sum(r["ops_per_s"] for r in results)
        total_ops = ops * a.duration
        errors = sum(sum(r["errors"].values()) if isinstance(r.get("errors"), dict)
                     else int(r.get("errors") or 0) for r in results)
        if errors:
            log(f"sibyl x{n} {op}: {errors} errors")
            self.failed = True
        client = sum(r["client_cpu_us_per_op"] * r["ops_per_s"] for r in results) / ops if ops else None
        self.rows.append({
            "case": f"sibyl x{n} {op}s", "kind": op, "nodes": n, "ops": ops,
            "p50_ms": max(r["p50_us"] for r in results) / 1000,
            "p99_ms": max(r["p99_us"] for r in results) / 1000, "latency": "",
            "server_us": server * 1e6 / total_ops if total_ops else None,
            "ceph_us": ceph * 1e6 / total_ops if total_ops else None, "client_us": client,
            "load": f"{load_before} -> {loadavg()}"})

    def run_sibyl(self, n, perf_dir=None):
        log(f"starting {n} Sibyl node(s)")
        nodes = self.nodes_up(n)
        try:
            if not self.populated:
                self.populate(nodes[0])
                self.populated = True
            self.sibyl_case(nodes, "write", perf_dir)
            self.sibyl_case(nodes, "read")
        finally:
            self.nodes_down(nodes)

    # ---- table ----
    def table(self):
        def fmt(v, spec):
            return "" if v is None else format(v, spec)

        rados = {r["kind"]: r["ops"] for r in self.rows if r["case"].startswith("rados")}
        one = {r["kind"]: r["ops"] for r in self.rows if r.get("nodes") == 1}
        a = self.args
        lines = [f"{a.osds} memstore OSD(s), {a.connections} connections x 1 in flight, "
                 f"{a.value_size}-byte values over {a.keys} keys, {a.duration:g} s per case",
                 "",
                 "| case | ops/s | p50 ms | p99 ms | server CPU/op us | OSD+mon CPU/op us "
                 "| client CPU/op us | x3/x1 | vs rados bench | load average before -> after |",
                 "|---|---|---|---|---|---|---|---|---|---|"]
        for r in self.rows:
            ratio_nodes = ratio_rados = ""
            if r.get("nodes") == 3 and one.get(r["kind"]):
                ratio_nodes = f"{r['ops'] / one[r['kind']]:.2f}"
            ceiling = rados.get("write" if r["kind"] == "write" else "rand")
            if r.get("nodes") and ceiling:
                ratio_rados = f"{r['ops'] / ceiling:.2f}"
            lat = " (avg)" if r["latency"] == "avg" else ""
            lines.append(
                f"| {r['case']} | {r['ops']:,.0f} | {fmt(r['p50_ms'], '.2f')}{lat} | "
                f"{fmt(r['p99_ms'], '.2f')}{lat} | {fmt(r['server_us'], '.0f')} | "
                f"{fmt(r['ceph_us'], '.0f')} | {fmt(r['client_us'], '.0f')} | {ratio_nodes} | "
                f"{ratio_rados} | {r['load']} |")
        return "\n".join(lines)


def children_cpu():
    """User+system CPU seconds of this process's reaped children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--osds", type=int, default=1, choices=range(1, 4))
    p.add_argument("--connections", type=int, default=24)
    p.add_argument("--keys", type=int, default=2000)
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    p.add_argument("--perf-dir", help="perf record node 1 and the OSD during the x3 writes")
    p.add_argument("--smoke", action="store_true", help="2 s per case, 200 keys: errors only")
    p.add_argument("--out", help="also write the table to this file")
    p.add_argument("--order", default="1,3",
                   help="node counts in the order they run (default 1,3; 3,1 shows what the "
                        "OSD's growing state costs the later case)")
    args = p.parse_args()
    args.order = [int(n) for n in args.order.split(",")]
    if sorted(args.order) != [1, 3]:
        sys.exit("cluster_scale: --order is 1,3 or 3,1")
    if args.smoke:
        args.duration, args.keys = 2, 200
    args.build_dir = os.path.abspath(args.build_dir)
    for path in (os.path.join(args.build_dir, "sibyl"),
                 os.path.join(args.build_dir, "bench", "loadgen")):
        if not os.access(path, os.X_OK):
            sys.exit(f"cluster_scale: {path} is missing: build it (bash scripts/build.sh)")
    if shutil.which("rados") is None:
        sys.exit("cluster_scale: `rados` is missing: bash scripts/install-deps.sh")
    if args.perf_dir:
        os.makedirs(args.perf_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="sibyl-cluster-scale-")
    bench = Bench(args, work)
    try:
        bench.ceph_up()
        bench.rados_bench()
        for n in args.order:
            bench.run_sibyl(n, args.perf_dir if n == 3 else None)
    finally:
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "cluster.sh"), "down", "--dir",
                        work, "--purge"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    table = bench.table()
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table + "\n")
    sys.exit(1 if bench.failed else 0)


if __name__ == "__main__":
    main()
