#!/usr/bin/env python3
"""The cost of a counter increment (issue 12) next to a plain write, against one server started by
this run.

    python3 bench/counters_cost.py [--bin build/sibyl] [--ops 4000] [--rounds 3]
                                   [--durability sync|periodic]

Prepared statements, `--concurrency` in flight from one driver connection:
  plain write        UPDATE plain SET v = ? WHERE k = ?      (one bigint cell, distinct keys)
  counter, spread    UPDATE ctr SET n = n + 1 WHERE k = ?    (distinct keys)
  counter, one cell  UPDATE ctr SET n = n + 1 WHERE k = -1   (every increment on one cell)
  counter read       SELECT n FROM ctr WHERE k = ?           (a cell merged from many increments)
Prints statements per second (wall clock; bound by the Python driver) and per server CPU-second,
and the server CPU microseconds per statement. Checks the hot counter's final value.
"""
import argparse

from statement_cost import CostMeter, Server, default_binary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=default_binary())
    ap.add_argument("--ops", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--durability", default="sync", choices=["sync", "periodic"])
    args = ap.parse_args()

    with Server(args.bin, args.durability, prefix="sibyl-counterbench-") as server:
        session = server.session()
        session.execute("CREATE TABLE bench.plain (k int PRIMARY KEY, v bigint)")
        session.execute("CREATE TABLE bench.ctr (k int PRIMARY KEY, n counter)")
        plain = session.prepare("UPDATE bench.plain SET v = ? WHERE k = ?")
        inc = session.prepare("UPDATE bench.ctr SET n = n + 1 WHERE k = ?")
        read = session.prepare("SELECT n FROM bench.ctr WHERE k = ?")
        meter = CostMeter(server, session, args.concurrency)
        n = args.ops
        for r in range(args.rounds):
            meter.measure("plain write      ", plain, [(k, k) for k in range(n)])
            meter.measure("counter, spread  ", inc, [(k,) for k in range(n)])
            meter.measure("counter, one cell", inc, [(-1,)] * n)
            meter.measure("counter read     ", read, [(k % 100,) for k in range(n)])
        hot = session.execute("SELECT n FROM bench.ctr WHERE k = -1").one().n
        assert hot == args.rounds * n, hot

    print(f"{args.rounds} rounds x {n} statements per kind, concurrency {args.concurrency}, "
          f"durability {args.durability}; hot counter = {hot} (lost updates: {args.rounds * n - hot})")
    meter.report()


if __name__ == "__main__":
    main()
