#!/usr/bin/env python3
"""The cost of a non-frozen collection (issue 11): a row with a 100-element map<int, int> next
to a row of scalars and a row with the same map frozen, against one server started by this run.

    python3 bench/collections_cost.py [--bin build/sibyl] [--rows 2000] [--rounds 3]

For each table: prepared INSERTs of whole rows, then prepared point SELECTs of those rows, then
(non-frozen only) prepared `m[?] = ?` element updates. Prints statements per second (wall clock;
bound by the Python driver) and per server CPU-second (what the server spends), and the server
CPU microseconds per statement.
"""
import argparse

from statement_cost import CostMeter, Server, default_binary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=default_binary())
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()

    with Server(args.bin, "periodic", prefix="sibyl-collbench-") as server:
        session = server.session()
        session.execute("CREATE TABLE bench.scalars (k int PRIMARY KEY, a int, b bigint, c text, "
                        "d double, e boolean)")
        session.execute("CREATE TABLE bench.map100 (k int PRIMARY KEY, m map<int, int>)")
        session.execute("CREATE TABLE bench.frozen100 (k int PRIMARY KEY, m frozen<map<int, int>>)")
        the_map = {i: i * 7 for i in range(100)}
        loads = {
            "scalars": (session.prepare("INSERT INTO bench.scalars (k, a, b, c, d, e) "
                                        "VALUES (?, ?, ?, ?, ?, ?)"),
                        lambda k: (k, k, k * 3, "value-%d" % k, k / 3, k % 2 == 0),
                        session.prepare("SELECT * FROM bench.scalars WHERE k = ?")),
            "map<int,int> x100": (session.prepare("INSERT INTO bench.map100 (k, m) VALUES (?, ?)"),
                                  lambda k: (k, the_map),
                                  session.prepare("SELECT * FROM bench.map100 WHERE k = ?")),
            "frozen map x100": (session.prepare("INSERT INTO bench.frozen100 (k, m) VALUES (?, ?)"),
                                lambda k: (k, the_map),
                                session.prepare("SELECT * FROM bench.frozen100 WHERE k = ?")),
        }
        put = session.prepare("UPDATE bench.map100 SET m[?] = ? WHERE k = ?")

        meter = CostMeter(server, session, args.concurrency)
        for _ in range(args.rounds):
            for table, (insert, values, select) in loads.items():
                meter.measure(f"{table:18s} write", insert, [values(k) for k in range(args.rows)])
                meter.measure(f"{table:18s} read ", select, [(k,) for k in range(args.rows)])
            meter.measure(f"{'map<int,int> x100':18s} m[k]=v", put,
                          [(k % 100, k, k) for k in range(args.rows)])
        row = session.execute("SELECT m FROM bench.map100 WHERE k = 5").one()
        assert len(row.m) == 100

    print(f"{args.rounds} rounds x {args.rows} statements per kind, concurrency {args.concurrency}")
    meter.report()


if __name__ == "__main__":
    main()
