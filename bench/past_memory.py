#!/usr/bin/env python3
"""Point reads past the block cache (issue 14 goal: with a dataset 10x the block cache, uniform
point reads keep >= 0.5x of their in-cache rate).

    python3 bench/past_memory.py [--bin build/sibyl] [--loadgen build/bench/loadgen]
        [--cache-mb 16] [--ratio 10] [--duration 5] [--rounds 2]

One server (`--auth none --durability periodic --block-cache-mb <cache-mb>`, every other
setting a default) holds two tables written once by bench/loadgen --populate: `small.kv`, a few
MB that fits in the block cache, and `big.kv`, <ratio> times the block cache in row bytes (key,
100-byte value and the row's overhead in the engine). The server is then restarted, so both
tables are read from SST files (RocksDB flushes the recovered write-ahead log at open), and
uniform prepared point reads run alternately over each table, the small one first so its blocks
are cached. It prints reads/s, p50/p99, server CPU per read and the ratio big/small.

What "past memory" means here: past the block cache, not past the machine's memory. The SST
files of `big` stay in the kernel's page cache (this box has 24 GiB), so a miss costs a read()
of a cached page, decompression and the block's parsing, not a disk seek.
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROW_BYTES = 160  # bigint key + 100-byte value + cell and key overhead in the engine (measured)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, data_dir, cql):
    proc = subprocess.Popen(
        [args.bin, "serve", "--data-dir", data_dir, "--cql-port", str(cql), "--cql-tls-port",
         str(free_port()), "--http-port", str(free_port()), "--auth", "none",
         "--durability", "periodic", "--block-cache-mb", str(args.cache_mb)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", cql), timeout=0.1).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("the server did not start")
            time.sleep(0.02)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    if proc.wait(timeout=120) != 0:
        sys.exit(f"the server exited with status {proc.returncode}")


def loadgen(args, cql, pid, keyspace, keys, op, duration, extra=()):
    cmd = [args.loadgen, "--protocol", "cql", "--port", str(cql), "--server-pid", str(pid),
           "--connections", "50", "--depth", str(args.depth), "--keyspace", keyspace,
           "--keys", str(keys), "--op", op, "--duration", str(duration), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"loadgen failed: {' '.join(cmd)}\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def du_mb(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total / 2**20


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "sibyl"))
    ap.add_argument("--loadgen", default=os.path.join(HERE, "..", "build", "bench", "loadgen"))
    ap.add_argument("--cache-mb", type=int, default=16)
    ap.add_argument("--ratio", type=float, default=10)
    ap.add_argument("--small-keys", type=int, default=20000)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--depth", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    big_keys = int(args.ratio * args.cache_mb * 2**20 / ROW_BYTES)

    with tempfile.TemporaryDirectory(prefix="sibyl-pastmem-") as tmp:
        cql = free_port()
        proc = start(args, tmp, cql)
        started = time.monotonic()
        for keyspace, keys in (("small", args.small_keys), ("big", big_keys)):
            loadgen(args, cql, proc.pid, keyspace, keys, "write", 0.5, ["--populate"])
        populate_s = time.monotonic() - started
        stop(proc)
        proc = start(args, tmp, cql)  # reopening flushes the recovered log into SST files
        size = du_mb(tmp)
        rows = {"small": [], "big": []}
        for _ in range(args.rounds):
            for keyspace, keys in (("small", args.small_keys), ("big", big_keys)):
                rows[keyspace].append(loadgen(args, cql, proc.pid, keyspace, keys, "read",
                                              args.duration, ["--no-create", "--warmup", "1"]))
        rss = open(f"/proc/{proc.pid}/status").read().split("VmRSS:")[1].split()[0]
        stop(proc)

    print(f"block cache {args.cache_mb} MB; small.kv {args.small_keys:,} rows, big.kv "
          f"{big_keys:,} rows (~{big_keys * ROW_BYTES / 2**20:.0f} MB of rows, "
          f"{args.ratio:g}x the cache); data dir {size:.0f} MB on disk; populated in "
          f"{populate_s:.0f} s; server RSS at the end {int(rss) // 1024} MB")
    print(f"uniform prepared point reads, 50 connections x {args.depth} in flight, "
          f"{args.duration:g} s per case, {args.rounds} rounds\n")
    print("| case | reads/s | p50 | p99 | server CPU/read |")
    print("|---|---|---|---|---|")
    for keyspace in ("small", "big"):
        for r in rows[keyspace]:
            print(f"| {keyspace}.kv | {r['ops_per_s'] / 1000:.1f}k | {r['p50_us'] / 1000:.2f} ms | "
                  f"{r['p99_us'] / 1000:.2f} ms | {r['server_cpu_us_per_op']:.1f} us |")
    ratios = [b["ops_per_s"] / s["ops_per_s"] for s, b in zip(rows["small"], rows["big"])]
    print(f"\nbig/small reads/s per round: {' '.join(f'{x:.2f}x' for x in ratios)} "
          "(goal >= 0.5x)")


if __name__ == "__main__":
    main()
