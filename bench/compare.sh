#!/usr/bin/env bash
# bench/compare.sh (issue 14): Redis and Sibyl back to back, measured by the same load generator
# (bench/loadgen) with identical settings, and the issue's table with ratios Sibyl/Redis.
#
#   bash bench/compare.sh [--duration S] [--warmup S] [--connections N] [--keys N]
#                         [--value-size N] [--rounds N] [--build-dir DIR] [--smoke] [--out FILE]
#                         [--no-tls] [--settle S]
#
# Servers, each started fresh on free loopback ports with an empty temporary directory:
#   redis         redis-server --appendonly no --save ''        (nothing on disk)
#   redis-always  redis-server --appendonly yes --appendfsync always   (fsync before replying)
#   sibyl-periodic  sibyl serve --auth none --durability periodic
#   sibyl-sync      sibyl serve --auth none                     (the default: --durability sync)
#   redis-tls       redis-server --appendonly no --save '' --port 0 --tls-port P   (TLS only)
#   sibyl-tls       sibyl serve --auth none --durability periodic, through its TLS port (9142's)
# The two TLS servers use one certificate made for the run (openssl req, RSA 2048); the load
# generator negotiates with OpenSSL's defaults (TLS 1.3) and checks no certificate. --no-tls
# leaves them out.
# Cases: writes and reads at 1 and 32 requests in flight per connection (redis-always: writes),
# then half reads and half writes at 32 in flight (loadgen --op mixed; not over TLS).
# Reads run after the keys are written (--populate at depth 32, then depth 1 reads, then the
# mixed case; redis-always, which ran no reads, populates for it).
# Each case waits for the server to go idle after it (loadgen --settle, at most S seconds, 60 by
# default): the next case starts on a quiet server, and the CPU a case left behind (Sibyl's
# flushes and compactions) is shown as its own row, per op of the case. The wait after
# --populate is not counted.
# Before the cases it prints what an fdatasync after a 150-byte append costs in the run's
# directory, outside any server: the floor of both servers' durable modes on this disk.
#
# --rounds N: the servers N times over, each round with fresh servers and directories. Each
# cell is then the median over the rounds, and each ratio the median of the rounds' own ratios
# (the two figures of a ratio are measured minutes apart at most), with their range. On a shared
# or virtual machine the host's load moves Redis's figures as much as Sibyl's: use 3 or more.
#
# --smoke (CI, or a quick check): 1 s per case over 2,000 keys; it checks only that every run
# completes with zero errors, never a speed. Client and server share this machine's cores, so
# the absolute figures depend on the machine; compare the ratios.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR="$ROOT/build"
DURATION=10
WARMUP=1
CONNECTIONS=50
KEYS=100000
VALUE_SIZE=100
SMOKE=""
OUT=""
SETTLE=60
ROUNDS=1
TLS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --keys) KEYS=$2; shift 2 ;;
    --value-size) VALUE_SIZE=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$(cd "$2" && pwd); shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --no-tls) TLS=""; shift ;;
    --settle) SETTLE=$2; shift 2 ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$SMOKE" ]; then DURATION=1; WARMUP=0; KEYS=2000; SETTLE=10; fi
case "$ROUNDS" in ''|*[!0-9]*|0) echo "compare.sh: --rounds takes a positive count" >&2; exit 2 ;; esac
case "$SETTLE" in ''|*[!0-9]*) echo "compare.sh: --settle takes whole seconds (0: no wait)" >&2; exit 2 ;; esac
ROUND=1

LOADGEN="$BUILD_DIR/bench/loadgen"
SIBYL="$BUILD_DIR/sibyl"
for bin in "$LOADGEN" "$SIBYL"; do
  [ -x "$bin" ] || { echo "compare.sh: $bin is missing: build it (bash scripts/build.sh)" >&2; exit 2; }
done
command -v redis-server >/dev/null ||
  { echo "compare.sh: redis-server is missing: bash scripts/install-deps.sh" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sibyl-compare.XXXXXX")
RESULTS="$WORK/results.jsonl"
SERVER_PID=""
LOADGEN_TLS=()  # --tls while the server under test is one of the TLS servers
if [ -n "$TLS" ]; then
  command -v openssl >/dev/null || { echo "compare.sh: openssl is missing (or pass --no-tls)" >&2; exit 2; }
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls-key.pem" -out "$WORK/tls-cert.pem" \
    -days 2 -subj "/CN=127.0.0.1" >/dev/null 2>&1 ||
    { echo "compare.sh: openssl could not make the run's certificate" >&2; exit 2; }
fi
cleanup() {
  [ -z "$SERVER_PID" ] || { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_listening() {  # port pid log
  for _ in $(seq 1 400); do
    kill -0 "$2" 2>/dev/null || { echo "compare.sh: server exited:" >&2; tail -20 "$3" >&2; exit 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "compare.sh: server did not listen on $1 within 20 s" >&2
  exit 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

start_redis() {  # name, extra redis-server arguments...
  local name=$1; shift
  local dir="$WORK/round$ROUND/$name"; mkdir -p "$dir"
  PORT=$(free_port)
  redis-server --port "$PORT" --bind 127.0.0.1 --dir "$dir" --save '' --daemonize no \
    --logfile "$dir/server.log" "$@" &
  SERVER_PID=$!
  PROTOCOL=redis
  LOADGEN_TLS=()
  wait_listening "$PORT" "$SERVER_PID" "$dir/server.log"
}

start_redis_tls() {  # name, extra redis-server arguments...
  local name=$1; shift
  local dir="$WORK/round$ROUND/$name"; mkdir -p "$dir"
  PORT=$(free_port)
  redis-server --port 0 --tls-port "$PORT" --tls-cert-file "$WORK/tls-cert.pem" \
    --tls-key-file "$WORK/tls-key.pem" --tls-auth-clients no --bind 127.0.0.1 --dir "$dir" \
    --save '' --daemonize no --logfile "$dir/server.log" "$@" &
  SERVER_PID=$!
  PROTOCOL=redis
  LOADGEN_TLS=(--tls)
  wait_listening "$PORT" "$SERVER_PID" "$dir/server.log"
}

start_sibyl() {  # name, extra sibyl serve arguments...
  local name=$1; shift
  local dir="$WORK/round$ROUND/$name"; mkdir -p "$dir/data"
  PORT=$(free_port)
  TLS_PORT=$(free_port)
  "$SIBYL" serve --auth none --data-dir "$dir/data" --listen-address 127.0.0.1 \
    --cql-port "$PORT" --cql-tls-port "$TLS_PORT" --http-port "$(free_port)" "$@" \
    >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  PROTOCOL=cql
  LOADGEN_TLS=()
  wait_listening "$PORT" "$SERVER_PID" "$dir/server.log"
  wait_listening "$TLS_PORT" "$SERVER_PID" "$dir/server.log"
}

start_sibyl_tls() {  # name, extra sibyl serve arguments...: measured through the TLS port
  start_sibyl "$1" --tls-cert "$WORK/tls-cert.pem" --tls-key "$WORK/tls-key.pem" "${@:2}"
  PORT=$TLS_PORT
  LOADGEN_TLS=(--tls)
}

FAILED=0
run() {  # server-name, op, depth, extra loadgen arguments...
  local name=$1 op=$2 depth=$3; shift 3
  local out="$WORK/run.out" rc=0
  "$LOADGEN" --protocol "$PROTOCOL" --port "$PORT" --server-pid "$SERVER_PID" ${LOADGEN_TLS[@]+"${LOADGEN_TLS[@]}"} \
    --connections "$CONNECTIONS" --depth "$depth" --op "$op" --keys "$KEYS" \
    --value-size "$VALUE_SIZE" --duration "$DURATION" --warmup "$WARMUP" --settle "$SETTLE" "$@" \
    >"$out" || rc=$?
  local json
  json=$(grep '^{' "$out" | tail -1 || true)
  echo "  $name: $(grep -v '^{' "$out" | tail -1)"
  if [ "$rc" -ne 0 ] || [ -z "$json" ]; then
    echo "compare.sh: $name $op depth $depth: loadgen exited $rc" >&2
    FAILED=1
  fi
  [ -z "$json" ] || echo "{\"server\":\"$name\",\"round\":$ROUND,\"rc\":$rc,${json#\{}" >>"$RESULTS"
}

echo "compare.sh: $CONNECTIONS connections, $KEYS keys, $VALUE_SIZE-byte values, ${DURATION}s per case" \
  "(warm-up ${WARMUP}s); client and server share $(nproc) cores"
# Anything else running skews the figures: say how busy the machine was, before and after.
echo "compare.sh: sibyl $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "?"), $(redis-server --version | grep -o 'v=[0-9.]*'), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
# The sync cases are bounded by the disk as much as by either server (docs/dev/performance.md,
# "sync's floor"): what one small durable append costs where the servers' data goes, outside any
# server, so that their rows can be read against it.
echo "compare.sh: $(python3 - "$WORK" <<'EOF'
import os, statistics, sys, time
path = os.path.join(sys.argv[1], "fdatasync-probe")
fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
took = []
for _ in range(200):
    start = time.perf_counter()
    os.write(fd, b"x" * 150)
    os.fdatasync(fd)
    took.append(time.perf_counter() - start)
os.close(fd)
os.unlink(path)
took.sort()
print(f"fdatasync after a 150-byte append in {sys.argv[1]}: median {statistics.median(took) * 1e3:.2f} ms, "
      f"p90 {took[179] * 1e3:.2f} ms (200 in a row)")
EOF
)"

for ROUND in $(seq 1 "$ROUNDS"); do
[ "$ROUNDS" -eq 1 ] || echo "compare.sh: round $ROUND of $ROUNDS"
start_redis redis --appendonly no
run redis write 1; run redis write 32
run redis read 32 --populate; run redis read 1
run redis mixed 32
stop_server

start_redis redis-always --appendonly yes --appendfsync always
run redis-always write 1; run redis-always write 32
run redis-always mixed 32 --populate
stop_server

start_sibyl sibyl-periodic --durability periodic
run sibyl-periodic write 1; run sibyl-periodic write 32
run sibyl-periodic read 32 --populate; run sibyl-periodic read 1
run sibyl-periodic mixed 32
stop_server

start_sibyl sibyl-sync
run sibyl-sync write 1; run sibyl-sync write 32
run sibyl-sync read 32 --populate; run sibyl-sync read 1
run sibyl-sync mixed 32
stop_server

if [ -n "$TLS" ]; then
start_redis_tls redis-tls --appendonly no
run redis-tls write 1; run redis-tls write 32
run redis-tls read 32 --populate; run redis-tls read 1
stop_server

start_sibyl_tls sibyl-tls --durability periodic
run sibyl-tls write 1; run sibyl-tls write 32
run sibyl-tls read 32 --populate; run sibyl-tls read 1
stop_server
fi
done

echo "compare.sh: load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$RESULTS" "${OUT:-}" "$ROUNDS" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
rounds = int(sys.argv[3])
bad = [x for x in rows if x["errors"] or x["rc"] or (x["op"] != "write" and x["misses"])]
runs = {}  # (server, op, depth) -> {round: result}
for x in rows:
    runs.setdefault((x["server"], x["op"], x["depth"]), {})[x["round"]] = x

def median(values):
    return statistics.median(values) if values else None

def get(server, op, depth):
    """The case's median over the rounds, field by field (one round: its own figures)."""
    by_round = runs.get((server, op, depth))
    if not by_round:
        return None
    xs = list(by_round.values())
    return {f: median([x[f] for x in xs if x.get(f) is not None and x.get(f) is not False])
            for f in ("ops_per_s", "p50_us", "p99_us", "server_cpu_us_per_op",
                      "server_after_cpu_us_per_op")}

def k(v):
    return f"{v / 1000:.1f}k" if v >= 1000 else f"{v:.0f}"

def cell(x):
    if not x:
        return "n/a"
    return f"{k(x['ops_per_s'])} ops/s, p50 {x['p50_us'] / 1000:.2f} ms, p99 {x['p99_us'] / 1000:.2f} ms"

def ratio(a, b, op, depth):
    """Median of each round's a/b ops/s, with their range when there are several rounds."""
    ra, rb = runs.get((a, op, depth), {}), runs.get((b, op, depth), {})
    each = [ra[n]["ops_per_s"] / rb[n]["ops_per_s"] for n in ra if n in rb and rb[n]["ops_per_s"]]
    if not each:
        return "n/a"
    if len(each) == 1:
        return f"{each[0]:.2f}x"
    return f"{median(each):.2f}x ({min(each):.2f}-{max(each):.2f})"

def cpu(server, op, field="server_cpu_us_per_op"):
    vals = []
    for d in (1, 32):
        x = get(server, op, d)
        v = x and x.get(field)
        vals.append(f"{v:.1f}" if v is not None and v is not False else "n/a")
    return " / ".join(vals) + " us"

lines = ["| case | Redis | Sibyl (periodic sync) | ratio | Redis (appendfsync always) "
         "| Sibyl (sync, the default) | ratio sync/always | ratio sync/periodic |",
         "|---|---|---|---|---|---|---|---|"]
for op, label in (("write", "writes"), ("read", "reads")):
    for d in (1, 32):
        red, per, alw, syn = (get("redis", op, d), get("sibyl-periodic", op, d),
                              get("redis-always", op, d), get("sibyl-sync", op, d))
        lines.append(f"| {label}, {d} in flight | {cell(red)} | {cell(per)} "
                     f"| {ratio('sibyl-periodic', 'redis', op, d)} | {cell(alw)} | {cell(syn)} "
                     f"| {ratio('sibyl-sync', 'redis-always', op, d)} "
                     f"| {ratio('sibyl-sync', 'sibyl-periodic', op, d)} |")
mixed = [get(server, "mixed", 32) for server in ("redis", "sibyl-periodic", "redis-always", "sibyl-sync")]
lines.append(f"| half reads, half writes, 32 in flight | {cell(mixed[0])} | {cell(mixed[1])} "
             f"| {ratio('sibyl-periodic', 'redis', 'mixed', 32)} | {cell(mixed[2])} | {cell(mixed[3])} "
             f"| {ratio('sibyl-sync', 'redis-always', 'mixed', 32)} "
             f"| {ratio('sibyl-sync', 'sibyl-periodic', 'mixed', 32)} |")
for op, label in (("write", "writes"), ("read", "reads")):
    lines.append(f"| server CPU/op, {label} (1 / 32 in flight) | {cpu('redis', op)} "
                 f"| {cpu('sibyl-periodic', op)} | | {cpu('redis-always', op) if op == 'write' else 'n/a'} "
                 f"| {cpu('sibyl-sync', op)} | | |")
def cpu32(x, field="server_cpu_us_per_op"):
    v = x and x.get(field)
    return f"{v:.1f} us" if v is not None and v is not False else "n/a"
lines.append(f"| server CPU/op, half reads (32 in flight) | {cpu32(mixed[0])} | {cpu32(mixed[1])} | "
             f"| {cpu32(mixed[2])} | {cpu32(mixed[3])} | | |")
for op, label in (("write", "writes"), ("read", "reads")):
    after = "server_after_cpu_us_per_op"
    lines.append(f"| then until idle, per op of the case: {label} | {cpu('redis', op, after)} "
                 f"| {cpu('sibyl-periodic', op, after)} | "
                 f"| {cpu('redis-always', op, after) if op == 'write' else 'n/a'} "
                 f"| {cpu('sibyl-sync', op, after)} | | |")
def client(server):
    xs = [x["client_cpu_us_per_op"] for x in rows if x["server"] == server]
    return f"{min(xs):.1f}-{max(xs):.1f} us" if xs else "n/a"
def rss(server):
    xs = [x["server_rss_mb"] for x in rows if x["server"] == server and x["server_rss_mb"]]
    return f"{xs[-1]:.0f} MB" if xs else "n/a"
lines.append(f"| client CPU/op (all cases) | {client('redis')} | {client('sibyl-periodic')} | "
             f"| {client('redis-always')} | {client('sibyl-sync')} | | |")
lines.append(f"| server RSS after the runs | {rss('redis')} | {rss('sibyl-periodic')} | "
             f"| {rss('redis-always')} | {rss('sibyl-sync')} | | |")
if runs.keys() & {("redis-tls", "write", 1), ("sibyl-tls", "write", 1)}:
    lines += ["", "Over TLS (one certificate for both; TLS 1.3 as OpenSSL negotiates it):", "",
              "| case | Redis, TLS | Sibyl (periodic sync), TLS | ratio | Sibyl TLS / Sibyl plain |",
              "|---|---|---|---|---|"]
    for op, label in (("write", "writes"), ("read", "reads")):
        for d in (1, 32):
            lines.append(f"| {label}, {d} in flight | {cell(get('redis-tls', op, d))} "
                         f"| {cell(get('sibyl-tls', op, d))} "
                         f"| {ratio('sibyl-tls', 'redis-tls', op, d)} "
                         f"| {ratio('sibyl-tls', 'sibyl-periodic', op, d)} |")
    for op, label in (("write", "writes"), ("read", "reads")):
        lines.append(f"| server CPU/op, {label} (1 / 32 in flight) | {cpu('redis-tls', op)} "
                     f"| {cpu('sibyl-tls', op)} | | |")
    for op, label in (("write", "writes"), ("read", "reads")):
        after = "server_after_cpu_us_per_op"
        lines.append(f"| then until idle, per op of the case: {label} "
                     f"| {cpu('redis-tls', op, after)} | {cpu('sibyl-tls', op, after)} | | |")
    lines.append(f"| client CPU/op (all cases) | {client('redis-tls')} | {client('sibyl-tls')} | | |")
table = "\n".join(lines)
if rounds > 1:
    table = (f"Median of {rounds} rounds; a ratio is the median of the rounds' own ratios "
             "(their range in brackets).\n\n" + table)
print()
print(table)
if sys.argv[2]:
    with open(sys.argv[2], "w") as f:
        f.write(table + "\n")
if bad:
    print("\ncompare.sh: runs with errors, read misses or a failed exit:", file=sys.stderr)
    for x in bad:
        print(f"  {x['server']} {x['op']} depth {x['depth']}: errors {x['errors']}, "
              f"misses {x['misses']}, exit {x['rc']}", file=sys.stderr)
    sys.exit(1)
EOF
[ "$FAILED" -eq 0 ]
