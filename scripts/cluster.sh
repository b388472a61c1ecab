#!/usr/bin/env bash
# Many stateless Sibyl nodes on one Ceph RADOS pool, all on this machine (issue 15): for
# development, CI and trying the scale-out story.
#
#   scripts/cluster.sh up --nodes N [--osds M] [--store memstore|bluestore] [--dir DIR]
#                         [--base-port P] [--pool NAME] [--heartbeat-grace SEC] [--mgr]
#                         [--bin PATH] [-- <more `sibyl serve` flags>]
#   scripts/cluster.sh down [--dir DIR] [--purge]
#   scripts/cluster.sh status [--dir DIR]
#
# `up` installs what it needs and builds build/sibyl (like scripts/serve.sh; --bin PATH uses a
# built binary instead), starts a loopback Ceph cluster with scripts/ceph.sh in DIR/ceph (M OSDs,
# default 1 memstore; a cluster already in DIR/ceph is restarted instead), then N `sibyl serve
# --storage rados` nodes, node i with its own data dir DIR/node<i> and log DIR/node<i>/server.log.
# Every node gets the same IAM master key (DIR/master.key, 32 random bytes made once). Node 1
# starts first (it creates the account and, unless SIBYL_ROOT_ACCESS_KEY_ID and
# SIBYL_ROOT_SECRET_ACCESS_KEY are set, the root access key, printed on stderr once); the others
# then start together. Once each node answers a CQL OPTIONS request, stdout gets exactly one line
# per node:
#   node=<i> cql=127.0.0.1:<port> http=127.0.0.1:<port> pid=<pid>
# (also kept in DIR/nodes). Ports: node i uses P+3(i-1) (CQL), +1 (HTTP), +2 (CQL TLS); without
# --base-port, free ports are picked. DIR defaults to ./cluster of the source tree.
# `down` stops the nodes (SIGTERM, then SIGKILL after 30 s) and then Ceph; --purge deletes DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

die() { echo "cluster.sh: $*" >&2; exit 2; }
say() { echo "cluster.sh: $*" >&2; }
usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 1 ] || usage
CMD=$1; shift
NODES=""; OSDS=1; STORE=memstore; DIR="$ROOT/cluster"; BASE=""; POOL=sibyl; GRACE=""
MGR_FLAG=(--no-mgr); BIN=""; PURGE=0; SERVE_EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) NODES=${2:-}; shift 2 ;;
    --osds) OSDS=${2:-}; shift 2 ;;
    --store) STORE=${2:-}; shift 2 ;;
    --dir) DIR=${2:-}; shift 2 ;;
    --base-port) BASE=${2:-}; shift 2 ;;
    --pool) POOL=${2:-}; shift 2 ;;
    --heartbeat-grace) GRACE=${2:-}; shift 2 ;;
    --mgr) MGR_FLAG=(); shift ;;
    --bin) BIN=${2:-}; shift 2 ;;
    --purge) PURGE=1; shift ;;
    --) shift; SERVE_EXTRA=("$@"); break ;;
    -h|--help) usage ;;
    *) die "unknown argument: $1 (scripts/cluster.sh --help)" ;;
  esac
done
[ -n "$DIR" ] || die "--dir: a directory"
[ "$CMD" != up ] || mkdir -p "$DIR"
[ -d "$DIR" ] || { [ "$CMD" = up ] || exit 0; }
DIR=$(cd "$DIR" && pwd -P)
CEPH_DIR="$DIR/ceph"

# A node's pid counts as ours only while its command line names its data dir under DIR.
node_pid() {  # i -> pid if node i runs
  local f="$DIR/node$1/pid" pid
  [ -f "$f" ] || return 0
  pid=$(tr -dc 0-9 < "$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
  tr '\0' '\n' < "/proc/$pid/cmdline" | grep -qxF -- "$DIR/node$1" && echo "$pid"
  return 0
}
node_ids() {  # the node numbers DIR holds, in order
  local d
  for d in "$DIR"/node*; do [ -d "$d" ] && echo "${d##*/node}"; done | grep -E '^[0-9]+$' | sort -n
}

stop_nodes() {
  local i pid pids=() t alive
  for i in $(node_ids); do
    pid=$(node_pid "$i")
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  for t in $(seq 1 300); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 1 ] || break
    sleep 0.1
  done
  for i in $(node_ids); do
    pid=$(node_pid "$i")
    [ -z "$pid" ] || { say "node $i did not stop in 30 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  done
  [ "${#pids[@]}" -eq 0 ] || say "stopped ${#pids[@]} node(s)"
}

cmd_down() {
  [ -d "$DIR" ] || exit 0
  stop_nodes
  if [ -f "$CEPH_DIR/ceph.conf" ]; then
    if [ "$PURGE" -eq 1 ]; then bash scripts/ceph.sh down "$CEPH_DIR" --purge
    else bash scripts/ceph.sh down "$CEPH_DIR"; fi
  fi
  if [ "$PURGE" -eq 1 ]; then
    # only what `up` made: the node dirs, the key, the lists
    rm -rf "$DIR"/node[0-9]* "$DIR/master.key" "$DIR/nodes" "$DIR/ceph.env" "$CEPH_DIR"
    rmdir "$DIR" 2>/dev/null || true
  fi
}

cmd_status() {
  local i pid
  for i in $(node_ids); do
    pid=$(node_pid "$i")
    if [ -n "$pid" ]; then grep -E "^node=$i " "$DIR/nodes" 2>/dev/null || echo "node=$i pid=$pid"
    else echo "node=$i stopped"; fi
  done
  [ ! -f "$CEPH_DIR/ceph.conf" ] || bash scripts/ceph.sh status "$CEPH_DIR"
}

# free_ports K: K distinct free TCP ports on 127.0.0.1
free_ports() {
  /usr/bin/python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

port_free() {  # port -> success if nothing listens on it
  /usr/bin/python3 -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(('127.0.0.1', int(sys.argv[1])))
except OSError: sys.exit(1)" "$1"
}

# wait_cql port pid log: until a CQL OPTIONS request gets SUPPORTED (v4 framing), 120 s at most
wait_cql() {
  /usr/bin/python3 - "$@" <<'PY' || return 1
import os, socket, struct, sys, time
port, pid, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
deadline = time.time() + 120
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"the node exited; its log ({log}) ends with:\n" + open(log, errors="replace").read()[-3000:])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(struct.pack(">BBhBi", 4, 0, 1, 5, 0))   # OPTIONS, stream 1
            head = b""
            while len(head) < 9:
                chunk = s.recv(9 - len(head))
                if not chunk:
                    raise OSError("closed")
                head += chunk
            if head[4] == 6:                                 # SUPPORTED
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(f"no CQL answer on port {port} within 120 s; log: {log}")
PY
}

cmd_up() {
  [[ "$NODES" =~ ^[1-9][0-9]?$ ]] || { rmdir "$DIR" 2>/dev/null; die "--nodes N (1..99) is required"; }
  [[ "$OSDS" =~ ^[1-9]$ ]] || die "--osds must be 1..9"
  [ -z "$BASE" ] || { [[ "$BASE" =~ ^[0-9]{4,5}$ ]] && [ "$BASE" -ge 1024 ] &&
    [ $((BASE + 3 * NODES)) -le 65535 ]; } || die "--base-port: 1024..65535 with room for 3 ports a node"
  local i pid
  for i in $(node_ids); do
    [ -z "$(node_pid "$i")" ] || die "node $i of $DIR runs already (scripts/cluster.sh down --dir $DIR)"
  done

  # what serve.sh does: packages, then the build (unless a binary is given)
  if [ -z "$BIN" ]; then
    bash scripts/install-deps.sh >&2
    bash scripts/build.sh sibyl >&2
    BIN="$ROOT/build/sibyl"
  fi
  [ -x "$BIN" ] || die "no sibyl binary at $BIN"
  BIN=$(cd "$(dirname "$BIN")" && pwd -P)/$(basename "$BIN")

  # Ceph: a new cluster, or the one this DIR already has
  local ceph_out
  if [ -f "$CEPH_DIR/ceph.conf" ]; then
    say "restarting the Ceph cluster in $CEPH_DIR"
    ceph_out=$(bash scripts/ceph.sh start "$CEPH_DIR") || die "scripts/ceph.sh start failed"
  else
    local grace=()
    [ -z "$GRACE" ] || grace=(--heartbeat-grace "$GRACE")
    say "starting a Ceph cluster in $CEPH_DIR ($OSDS $STORE OSD(s))"
    ceph_out=$(bash scripts/ceph.sh up "$CEPH_DIR" --osds "$OSDS" --store "$STORE" --pool "$POOL" \
                 "${MGR_FLAG[@]}" "${grace[@]}") || die "scripts/ceph.sh up failed"
  fi
  echo "$ceph_out" | grep -E '^CEPH_(CONF|KEYRING|POOL)=' > "$DIR/ceph.env"
  local ceph_conf ceph_pool
  ceph_conf=$(sed -n 's/^CEPH_CONF=//p' "$DIR/ceph.env")
  ceph_pool=$(sed -n 's/^CEPH_POOL=//p' "$DIR/ceph.env")

  # one IAM master key for every node (they share the IAM state in the pool)
  if [ ! -s "$DIR/master.key" ]; then
    (umask 077 && head -c 32 /dev/urandom > "$DIR/master.key.tmp" && mv "$DIR/master.key.tmp" "$DIR/master.key")
  fi
  local key_flag=()
  local serve_help
  serve_help=$("$BIN" serve --help 2>/dev/null || true)
  if grep -q -- '--master-key-file' <<<"$serve_help"; then
    key_flag=(--master-key-file "$DIR/master.key")
  else
    say "warning: this sibyl has no --master-key-file: each node keeps its own IAM master key"
  fi

  # ports
  local cql=() http=() tls=() free
  if [ -n "$BASE" ]; then
    for i in $(seq 1 "$NODES"); do
      cql+=($((BASE + 3 * (i - 1)))); http+=($((BASE + 3 * (i - 1) + 1))); tls+=($((BASE + 3 * (i - 1) + 2)))
    done
    for pid in "${cql[@]}" "${http[@]}" "${tls[@]}"; do
      port_free "$pid" || die "port $pid is in use (choose another --base-port)"
    done
  else
    read -r -a free <<<"$(free_ports $((3 * NODES)))"
    for i in $(seq 0 $((NODES - 1))); do
      cql+=("${free[$((3 * i))]}"); http+=("${free[$((3 * i + 1))]}"); tls+=("${free[$((3 * i + 2))]}")
    done
  fi

  start_node() {  # i
    local n=$1 d="$DIR/node$1"
    mkdir -p "$d"
    chmod 700 "$d"
    setsid "$BIN" serve --data-dir "$d" --storage rados --ceph-conf "$ceph_conf" --pool "$ceph_pool" \
      --listen-address 127.0.0.1 --cql-port "${cql[$((n - 1))]}" --http-port "${http[$((n - 1))]}" \
      --cql-tls-port "${tls[$((n - 1))]}" "${key_flag[@]}" "${SERVE_EXTRA[@]}" \
      >>"$d/server.log" 2>&1 </dev/null &
    echo $! > "$d/pid"
  }

  : > "$DIR/nodes.tmp"
  # a node that does not come up: stop the nodes this run started (their logs stay), keep Ceph
  trap 'rc=$?; if [ "$rc" -ne 0 ]; then stop_nodes; say "Ceph is left running: scripts/cluster.sh down --dir $DIR stops it"; fi' EXIT
  # node 1 alone first: it creates the account (and the root key) the others then find
  start_node 1
  wait_cql "${cql[0]}" "$(cat "$DIR/node1/pid")" "$DIR/node1/server.log" || die "node 1 did not start"
  if grep -q "A root access key was created" "$DIR/node1/server.log"; then
    sed -n '/A root access key was created/,/Set SIBYL_ROOT_ACCESS_KEY_ID/p' "$DIR/node1/server.log" |
      tail -7 >&2
  fi
  for i in $(seq 2 "$NODES"); do start_node "$i"; done
  for i in $(seq 2 "$NODES"); do
    wait_cql "${cql[$((i - 1))]}" "$(cat "$DIR/node$i/pid")" "$DIR/node$i/server.log" || die "node $i did not start"
  done
  for i in $(seq 1 "$NODES"); do
    echo "node=$i cql=127.0.0.1:${cql[$((i - 1))]} http=127.0.0.1:${http[$((i - 1))]} pid=$(cat "$DIR/node$i/pid")" >> "$DIR/nodes.tmp"
  done
  mv "$DIR/nodes.tmp" "$DIR/nodes"
  trap - EXIT
  cat "$DIR/nodes"
}

case "$CMD" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  -h|--help|help) usage ;;
  *) die "unknown command: $CMD (up, down or status)" ;;
esac
