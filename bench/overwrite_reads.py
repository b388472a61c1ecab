#!/usr/bin/env python3
"""Point reads after heavy overwrite (issue 14 goal: reads stay within 1.5x of their best after
heavy overwrite).

    python3 bench/overwrite_reads.py [--keys 10000] [--overwrite-seconds 8] [--duration 4]

Two servers one after the other (`--auth none --durability periodic`, empty data dirs): on the
first every key is written once, on the second every key is overwritten for --overwrite-seconds
(about 30 writes per key on the development box, merge operands that stay in the memtable until
a flush); then uniform prepared point reads of the same keys on each, and the ratio.
"""
import argparse
import os
import tempfile

from past_memory import HERE, free_port, loadgen, start, stop


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "sibyl"))
    ap.add_argument("--loadgen", default=os.path.join(HERE, "..", "build", "bench", "loadgen"))
    ap.add_argument("--keys", type=int, default=10000)
    ap.add_argument("--overwrite-seconds", type=float, default=8)
    ap.add_argument("--duration", type=float, default=4)
    ap.add_argument("--depth", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    args.cache_mb = 256  # the default block cache (past_memory.start passes it)
    results = {}
    for case, write_seconds in (("written once", 0.2), ("overwritten", args.overwrite_seconds)):
        with tempfile.TemporaryDirectory(prefix="sibyl-overwrite-") as tmp:
            cql = free_port()
            proc = start(args, tmp, cql)
            w = loadgen(args, cql, proc.pid, "bench", args.keys, "write", write_seconds,
                        ["--populate"])
            results[case] = (w["ops"] + args.keys, [
                loadgen(args, cql, proc.pid, "bench", args.keys, "read", args.duration,
                        ["--no-create"]) for _ in range(args.rounds)])
            stop(proc)
    print(f"{args.keys:,} keys, 50 connections x {args.depth} in flight, {args.duration:g} s "
          f"per read run\n")
    print("| case | writes per key | reads/s | p99 | server CPU/read |")
    print("|---|---|---|---|---|")
    for case, (writes, runs) in results.items():
        for r in runs:
            print(f"| {case} | {writes / args.keys:.0f} | {r['ops_per_s'] / 1000:.1f}k | "
                  f"{r['p99_us'] / 1000:.2f} ms | {r['server_cpu_us_per_op']:.1f} us |")
    best = max(r["ops_per_s"] for r in results["written once"][1])
    after = [r["ops_per_s"] for r in results["overwritten"][1]]
    print(f"\nslowdown after overwrite (best written-once rate / rate): "
          f"{' '.join(f'{best / a:.2f}x' for a in after)} (goal <= 1.5x)")


if __name__ == "__main__":
    main()
