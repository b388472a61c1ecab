#!/usr/bin/env python3
"""The cost of an uncontended lightweight transaction (issue 12) next to a plain write, against
one server started by this run.

    python3 bench/lwt_cost.py [--bin build/sibyl] [--rows 2000] [--rounds 3] [--durability periodic]

Per round, on fresh keys: prepared plain INSERTs; prepared `INSERT ... IF NOT EXISTS` (every
one applies); prepared `UPDATE ... SET v = ? WHERE k = ? IF v = ?` on the rows just written
(every one applies); and plain UPDATEs of the same rows. Prints statements per second (wall
clock; bound by the Python driver) and per server CPU-second (what the server spends), and the
server CPU microseconds per statement. Goal (issue 12): an LWT costs at most ~2x a plain write.
"""
import argparse

from statement_cost import CostMeter, Server, default_binary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=default_binary())
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--durability", default="periodic", choices=["periodic", "sync"])
    args = ap.parse_args()

    with Server(args.bin, args.durability, prefix="sibyl-lwtbench-") as server:
        session = server.session()
        session.execute("CREATE TABLE bench.t (k int PRIMARY KEY, v int, w text)")
        plain = session.prepare("INSERT INTO bench.t (k, v, w) VALUES (?, ?, 'x')")
        lwt_insert = session.prepare("INSERT INTO bench.t (k, v, w) VALUES (?, ?, 'x') IF NOT EXISTS")
        lwt_update = session.prepare("UPDATE bench.t SET v = ? WHERE k = ? IF v = ?")
        plain_update = session.prepare("UPDATE bench.t SET v = ? WHERE k = ?")
        meter = CostMeter(server, session, args.concurrency)

        def measure_lwt(name, stmt, params):
            results = meter.measure(name, stmt, params)
            assert all(rs.was_applied for rs in results), "an uncontended LWT failed"

        base = 0
        for _ in range(args.rounds):
            keys = range(base, base + args.rows)
            meter.measure("plain INSERT          ", plain, [(k, 0) for k in keys])
            lwt_keys = range(base + args.rows, base + 2 * args.rows)
            measure_lwt("INSERT IF NOT EXISTS  ", lwt_insert, [(k, 0) for k in lwt_keys])
            meter.measure("plain UPDATE          ", plain_update, [(1, k) for k in keys])
            measure_lwt("UPDATE ... IF v = ?   ", lwt_update, [(1, k, 0) for k in lwt_keys])
            base += 2 * args.rows

    print(f"{args.rounds} rounds x {args.rows} statements per kind, concurrency "
          f"{args.concurrency}, durability {args.durability}")
    meter.report()


if __name__ == "__main__":
    main()
