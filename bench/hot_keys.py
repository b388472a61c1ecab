#!/usr/bin/env python3
"""A few hot keys written and read without pause (issue 14, docs/dev/performance.md "Hot keys").

    python3 bench/hot_keys.py [--bin build/sibyl ...] [--keys 10] [--windows 4] [--window 3]

Every write is a merge operand, and a read merges the key's operands still in the memtable, so on
a key written thousands of times between flushes each read cost more than the last. For each
binary given (alternated --rounds times, so that two builds compare side by side): a fresh server
(`--auth none --durability periodic`), then --windows back-to-back runs of half writes, half reads
over --keys keys (50 connections x --depth in flight): a rate that falls from window to window is
the cost growing. Then, on the same server, uniform writes over 100,000 keys at 32 in flight, the
common case, to show what bounding the operands costs every write.
"""
import argparse
import os
import tempfile

from past_memory import HERE, free_port, loadgen, start, stop


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", action="append",
                    help="server binary (repeat to compare; default build/sibyl)")
    ap.add_argument("--loadgen", default=os.path.join(HERE, "..", "build", "bench", "loadgen"))
    ap.add_argument("--keys", type=int, default=10)
    ap.add_argument("--windows", type=int, default=4)
    ap.add_argument("--window", type=float, default=3)
    ap.add_argument("--depth", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    bins = args.bin or [os.path.join(HERE, "..", "build", "sibyl")]
    args.cache_mb = 256  # the default block cache (past_memory.start passes it)
    print(f"{args.keys} hot keys, half writes half reads, 50 connections x {args.depth} in "
          f"flight, {args.windows} windows of {args.window:g} s; then uniform writes over 100,000 "
          f"keys at 32 in flight\n")
    print("| binary | round | hot: ops/s per window | hot: server CPU/op per window | "
          "uniform writes d32 | CPU/write |")
    print("|---|---|---|---|---|---|")
    for rnd in range(1, args.rounds + 1):
        for binary in bins:
            args.bin = binary
            with tempfile.TemporaryDirectory(prefix="sibyl-hot-") as tmp:
                cql = free_port()
                proc = start(args, tmp, cql)
                hot = [loadgen(args, cql, proc.pid, "hot", args.keys, "mixed", args.window,
                               ["--populate"] if w == 0 else ["--no-create"])
                       for w in range(args.windows)]
                depth = args.depth
                args.depth = 32
                uniform = loadgen(args, cql, proc.pid, "uniform", 100000, "write", args.window)
                args.depth = depth
                stop(proc)
            rates = " / ".join(f"{r['ops_per_s'] / 1000:.1f}k" for r in hot)
            cpu = " / ".join(f"{r['server_cpu_us_per_op']:.0f} us" for r in hot)
            print(f"| {os.path.basename(binary)} | {rnd} | {rates} | {cpu} | "
                  f"{uniform['ops_per_s'] / 1000:.1f}k/s | "
                  f"{uniform['server_cpu_us_per_op']:.1f} us |", flush=True)


if __name__ == "__main__":
    main()
