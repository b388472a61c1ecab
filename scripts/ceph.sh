#!/usr/bin/env bash
# A self-contained loopback Ceph (Pacific) cluster for development, CI and scripts/cluster.sh.
#
#   scripts/ceph.sh up DIR [--osds 1|2|3] [--store memstore|bluestore] [--pool NAME] [--no-mgr]
#                          [--heartbeat-grace SEC] [--memstore-bytes BYTES] [--pg N]
#       creates and starts a new cluster in DIR (which must not hold one yet); last lines printed:
#         CEPH_CONF=DIR/ceph.conf  CEPH_KEYRING=DIR/keyring  CEPH_POOL=NAME
#   scripts/ceph.sh start DIR    starts every daemon of DIR's cluster that is not running
#                                (a stopped cluster, or one OSD killed by a test); waits for I/O
#   scripts/ceph.sh down DIR [--purge]
#                                stops the daemons it started (pid files under DIR/run whose
#                                command line names DIR/ceph.conf); --purge then deletes DIR
#   scripts/ceph.sh status DIR   `ceph -s` of that cluster
#
# Everything listens on 127.0.0.1 only, on a private block of 100 ports picked at random and
# checked free (mon v2 = base, v1 = base+1, OSDs/mgr base+2..base+99). Admin sockets, logs, pid
# files and data stay under DIR. cephx is on; the client.admin key is in DIR/keyring, which
# DIR/ceph.conf names, so `--ceph-conf DIR/ceph.conf` is all a client needs. The pool is
# replicated with size = number of OSDs and the `rados` application enabled; `up` returns once a
# real write and read round trip through the pool succeeded.
# Facts behind the settings: shared/reference/ceph-rados-probe.md §2-3.
set -euo pipefail

die() { echo "ceph.sh: $*" >&2; exit 2; }
now_ms() { date +%s%3N; }
T0=$(now_ms)
say() { printf '[ceph.sh %5.1fs] %s\n' "$(( $(now_ms) - T0 ))e-3" "$*" >&2; }

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] || usage
CMD=$1; DIR_ARG=$2; shift 2
OSDS=1; STORE=memstore; POOL=sibyl; MGR=1; GRACE=""; PURGE=0; PG=""
MEMSTORE_BYTES=$((1024 * 1024 * 1024))
while [ $# -gt 0 ]; do
  case "$1" in
    --osds) OSDS=${2:-}; shift 2 ;;
    --store) STORE=${2:-}; shift 2 ;;
    --pool) POOL=${2:-}; shift 2 ;;
    --no-mgr) MGR=0; shift ;;
    --heartbeat-grace) GRACE=${2:-}; shift 2 ;;
    --memstore-bytes) MEMSTORE_BYTES=${2:-}; shift 2 ;;
    --pg) PG=${2:-}; shift 2 ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ "$OSDS" =~ ^[1-9]$ ]] || die "--osds must be 1..9"
case "$STORE" in memstore|bluestore) ;; *) die "--store must be memstore or bluestore" ;; esac
[[ "$POOL" =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || die "--pool: letters, digits, _ . - (at most 64)"
[ -z "$GRACE" ] || [[ "$GRACE" =~ ^[1-9][0-9]{0,2}$ ]] || die "--heartbeat-grace: seconds (1..999)"
[[ "$MEMSTORE_BYTES" =~ ^[1-9][0-9]{6,13}$ ]] || die "--memstore-bytes: a byte count"
[ -z "$PG" ] || [[ "$PG" =~ ^[1-9][0-9]{0,3}$ ]] || die "--pg: a number"

mkdir -p "$DIR_ARG"
DIR=$(cd "$DIR_ARG" && pwd -P)
CONF="$DIR/ceph.conf"

# --- packages --------------------------------------------------------------------------------
ensure_packages() {
  local want=(ceph-mon ceph-osd ceph-common) missing=() p
  [ "$MGR" -eq 0 ] || want+=(ceph-mgr)
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >&2
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# --- daemons -----------------------------------------------------------------------------------
# pid files are DIR/run/<name>.pid (ceph's pid_file); a pid counts as ours only if its command
# line names DIR/ceph.conf, so a recycled pid is never killed.
pid_of() {  # name -> pid if that daemon runs, else nothing
  local f="$DIR/run/$1.pid" pid
  [ -f "$f" ] || return 0
  pid=$(tr -dc 0-9 < "$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$CONF" && echo "$pid"
  return 0
}

start_daemon() {  # type id: starts it unless it already runs (daemonizes; writes its pid file)
  local name="$1.$2"
  [ -z "$(pid_of "$name")" ] || return 0
  rm -f "$DIR/run/$name.pid"
  "ceph-$1" -c "$CONF" -i "$2" >>"$DIR/log/$name.stderr" 2>&1 || {
    tail -20 "$DIR/log/$name.stderr" "$DIR/log/ceph-$name.log" 2>/dev/null >&2
    die "ceph-$1 -i $2 failed to start (logs: $DIR/log)"
  }
}

# --- one Python process per phase: librados mon_commands instead of a `ceph` CLI start each -----
py_admin() {  # action [args...]
  /usr/bin/python3 - "$CONF" "$@" <<'PY'
import json, sys, time, rados

conf, action, args = sys.argv[1], sys.argv[2], sys.argv[3:]

def connect(deadline):
    while True:
        try:
            c = rados.Rados(conffile=conf, conf={"admin_socket": "", "log_file": "",
                                                  "rados_mon_op_timeout": "10",
                                                  "rados_osd_op_timeout": "4",
                                                  "client_mount_timeout": "10"})
            c.connect(timeout=10)
            return c
        except Exception as e:
            if time.time() > deadline:
                sys.exit(f"ceph.sh: cannot reach the monitor: {e}")
            time.sleep(0.2)

def mon(c, **cmd):
    rc, out, err = c.mon_command(json.dumps(cmd), b"")
    if rc != 0:
        raise RuntimeError(f"{cmd['prefix']}: rc={rc} {err}")
    return out

deadline = time.time() + 120
c = connect(deadline)
if action == "new-osds":                    # args: secret uuid [secret uuid ...] -> ids
    ids = []
    for secret, uuid in zip(args[0::2], args[1::2]):
        rc, out, err = c.mon_command(json.dumps({"prefix": "osd new", "uuid": uuid, "format": "json"}),
                                     json.dumps({"cephx_secret": secret}).encode())
        if rc != 0:
            sys.exit(f"ceph.sh: osd new: rc={rc} {err}")
        ids.append(str(json.loads(out)["osdid"]))
    print(" ".join(ids))
elif action == "mgr-key":                   # args: id -> keyring text
    out = mon(c, prefix="auth get-or-create", entity=f"mgr.{args[0]}",
              caps=["mon", "allow profile mgr", "osd", "allow *", "mds", "allow *"])
    sys.stdout.write(out.decode())
elif action == "pool":                      # args: name size pg
    name, size, pg = args[0], int(args[1]), int(args[2])
    # the pool can only be created once the OSDs booted into the CRUSH map
    while True:
        st = json.loads(mon(c, prefix="osd stat", format="json"))
        if st.get("num_up_osds", st.get("osdmap", {}).get("num_up_osds", 0)) >= size:
            break
        if time.time() > deadline:
            sys.exit(f"ceph.sh: OSDs did not come up: {st}")
        time.sleep(0.2)
    mon(c, prefix="osd pool create", pool=name, pg_num=pg, pgp_num=pg, pool_type="replicated")
    if size == 1:
        mon(c, prefix="osd pool set", pool=name, var="size", val="1", yes_i_really_mean_it=True)
    mon(c, prefix="osd pool application enable", pool=name, app="rados", yes_i_really_mean_it=True)
elif action == "roundtrip":                 # args: pool: a write then a read through every PG's OSD
    name = args[0]
    payload = f"ceph.sh {time.time()}".encode()
    attempt = 0
    while True:
        if attempt > 0:
            # a fresh client each retry: right after a restart, a session that connected while
            # the OSD was still booting was seen to wait on a stale map for minutes
            c.shutdown()
            c = connect(deadline)
        attempt += 1
        try:
            io = c.open_ioctx(name)
            io.set_namespace("ceph.sh")
            io.write_full("roundtrip", payload)
            if io.read("roundtrip") != payload:
                sys.exit("ceph.sh: read back a different value")
            io.remove_object("roundtrip")
            io.close()
            break
        except (rados.TimedOut, rados.Error) as e:
            if time.time() > deadline:
                sys.exit(f"ceph.sh: the pool does not answer: {e}")
            time.sleep(0.2)
c.shutdown()
PY
}

wait_for_pids() {  # names...: wait until each daemon's pid file names a live process
  local name t
  for name in "$@"; do
    for t in $(seq 1 100); do
      [ -n "$(pid_of "$name")" ] && break
      sleep 0.1
    done
    [ -n "$(pid_of "$name")" ] || die "$name did not start (logs: $DIR/log)"
  done
}

# --- free port block ------------------------------------------------------------------------------
pick_port_block() {
  local base try clash
  for try in $(seq 1 60); do
    base=$(( (RANDOM % 90 + 100) * 100 ))   # 10000..18900: below the ephemeral ports and the
    # e2e servers' ports (tests/e2e/conftest.py free_port: 20000..31999)
    clash=0
    /usr/bin/python3 - "$base" <<'PY' || clash=1
import socket, sys
base = int(sys.argv[1])
for port in range(base, base + 100):   # every port of the block must be bindable on 127.0.0.1
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
PY
    # a cluster being set up right now in another dir may not listen yet: claim the block
    # until `up` returns (then its daemons hold the ports)
    if [ "$clash" -eq 0 ] && mkdir "/tmp/.sibyl-ceph-port-$base" 2>/dev/null; then
      echo "$base"; return 0
    fi
  done
  die "no free block of 100 ports found"
}

# --- config -------------------------------------------------------------------------------------
write_conf() {  # fsid base
  local fsid=$1 base=$2 grace_lines=""
  if [ -n "$GRACE" ]; then
    local interval=$(( GRACE / 4 )); [ "$interval" -ge 1 ] || interval=1
    grace_lines="osd_heartbeat_grace = $GRACE
osd_heartbeat_interval = $interval
mon_osd_adjust_heartbeat_grace = false
mon_osd_adjust_down_out_interval = false
osd_mon_report_interval = 1"
  fi
  cat > "$CONF" <<CONF
# Written by scripts/ceph.sh: a loopback test cluster. Store $STORE, $OSDS OSD(s), pool $POOL.
[global]
fsid = $fsid
mon_host = [v2:127.0.0.1:$base,v1:127.0.0.1:$((base + 1))]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv4 = true
ms_bind_ipv6 = false
ms_bind_port_min = $((base + 2))
ms_bind_port_max = $((base + 99))
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $DIR/keyring
run_dir = $DIR/run
pid_file = $DIR/run/\$name.pid
log_file = $DIR/log/\$cluster-\$name.log
mon_cluster_log_file = $DIR/log/\$cluster.cluster.log
crash_dir = $DIR/crash
# one host: replicas go to OSDs, a single OSD may report another down
osd_crush_chooseleaf_type = 0
mon_osd_reporter_subtree_level = osd
mon_osd_min_down_reporters = 1
osd_pool_default_size = $OSDS
osd_pool_default_min_size = $(( OSDS - OSDS / 2 ))
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_warn_on_pool_no_app = false
mon_warn_on_insecure_global_id_reclaim = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
mon_data_avail_warn = 5
mon_max_pg_per_osd = 500
osd_memory_target = 939524096
$grace_lines

[client]
# several librados clients in one process must not clash on an admin socket path
admin_socket = $DIR/run/\$cluster-\$name.\$pid.\$cctid.asok
log_file = $DIR/log/\$cluster-\$name.\$pid.log

[mon]
mon_data = $DIR/mon.\$id
keyring = $DIR/mon.\$id/keyring
admin_socket = $DIR/run/\$cluster-\$name.asok

[mgr]
mgr_data = $DIR/mgr.\$id
keyring = $DIR/mgr.\$id/keyring
admin_socket = $DIR/run/\$cluster-\$name.asok

[osd]
osd_data = $DIR/osd.\$id
osd_journal = $DIR/osd.\$id/journal
keyring = $DIR/osd.\$id/keyring
admin_socket = $DIR/run/\$cluster-\$name.asok
osd_objectstore = $STORE
# memstore writes its RAM to osd.N/ only on a clean umount, which a fast shutdown skips
osd_fast_shutdown = false
memstore_device_bytes = $MEMSTORE_BYTES
bluestore_block_size = 10737418240
bluestore_fsck_on_mkfs = false
osd_op_num_shards = 2
# a restarted OSD catches up at once (the defaults pace recovery for production HDDs: 0.1 s of
# sleep per object, one PG at a time)
osd_recovery_sleep = 0
osd_recovery_sleep_hdd = 0
osd_recovery_sleep_ssd = 0
osd_recovery_sleep_hybrid = 0
osd_max_backfills = 8
osd_recovery_max_active = 8
osd_op_num_threads_per_shard = 1
CONF
}

print_env() {
  echo "CEPH_CONF=$CONF"
  echo "CEPH_KEYRING=$DIR/keyring"
  echo "CEPH_POOL=$(cat "$DIR/pool")"
}

osd_ids() { cat "$DIR/osd-ids" 2>/dev/null || true; }

# --- commands -------------------------------------------------------------------------------------
cmd_up() {
  [ ! -e "$CONF" ] || die "$DIR already holds a cluster (scripts/ceph.sh start|down $DIR)"
  ensure_packages
  mkdir -p "$DIR/run" "$DIR/log" "$DIR/crash"
  local base fsid
  base=$(pick_port_block)
  trap 'rmdir "/tmp/.sibyl-ceph-port-'"$base"'" 2>/dev/null || true' EXIT
  echo "$base" > "$DIR/port-base"
  fsid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$fsid" "$base"
  echo "$POOL" > "$DIR/pool"
  echo "$STORE" > "$DIR/store"
  echo "$MGR" > "$DIR/mgr"

  # keys: mon. and client.admin; the monitor's map names 127.0.0.1 only
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$DIR/mon.keyring" --import-keyring "$DIR/keyring" >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$base,v1:127.0.0.1:$((base + 1))]" \
    "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring" \
    >>"$DIR/log/mkfs.log" 2>&1 || die "ceph-mon --mkfs failed (see $DIR/log)"
  start_daemon mon a
  say "mon.a started on 127.0.0.1:$base"

  # OSDs: register them (one librados session), then mkfs and start them in parallel
  local args=() i secrets=() uuids=() ids id
  for i in $(seq 1 "$OSDS"); do
    secrets+=("$(ceph-authtool --gen-print-key)"); uuids+=("$(cat /proc/sys/kernel/random/uuid)")
    args+=("${secrets[-1]}" "${uuids[-1]}")
  done
  if [ "$MGR" -eq 1 ]; then
    mkdir -p "$DIR/mgr.x"
    py_admin mgr-key x > "$DIR/mgr.x/keyring"
    start_daemon mgr x
  fi
  ids=$(py_admin new-osds "${args[@]}")
  echo "$ids" > "$DIR/osd-ids"
  i=0
  local pids=()
  for id in $ids; do
    mkdir -p "$DIR/osd.$id"
    printf '[osd.%s]\n\tkey = %s\n' "$id" "${secrets[$i]}" > "$DIR/osd.$id/keyring"
    ( ceph-osd -c "$CONF" -i "$id" --mkfs --osd-uuid "${uuids[$i]}" >>"$DIR/log/mkfs.log" 2>&1 \
        || { echo "ceph-osd --mkfs -i $id failed" >&2; exit 1; }
      start_daemon osd "$id" ) &
    pids+=($!)
    i=$((i + 1))
  done
  for i in "${pids[@]}"; do wait "$i" || die "an OSD failed to start (logs: $DIR/log)"; done
  say "OSD(s) $ids started ($STORE)"

  local pg=$PG
  [ -n "$pg" ] || pg=$(( OSDS == 1 ? 8 : 16 ))
  py_admin pool "$POOL" "$OSDS" "$pg"
  say "pool $POOL created (size $OSDS, $pg PGs)"
  py_admin roundtrip "$POOL"
  say "write round trip through pool $POOL ok"
  print_env
}

cmd_start() {
  [ -f "$CONF" ] || die "no cluster in $DIR"
  MGR=$(cat "$DIR/mgr")
  local id names=(mon.a)
  start_daemon mon a
  [ "$MGR" -eq 0 ] || { start_daemon mgr x; names+=(mgr.x); }
  for id in $(osd_ids); do start_daemon osd "$id"; names+=("osd.$id"); done
  wait_for_pids "${names[@]}"
  say "daemons running: ${names[*]}"
  py_admin roundtrip "$(cat "$DIR/pool")"
  say "write round trip ok"
  print_env
}

cmd_down() {
  [ -f "$CONF" ] || { [ "$PURGE" -eq 0 ] || [ ! -d "$DIR" ] || [ -z "$(ls -A "$DIR")" ] \
    || die "$DIR holds no ceph.conf: not purging it"; exit 0; }
  local f name pid pids=() t
  # OSDs first, then mgr and mon, so the OSDs can still report to the monitor
  for f in "$DIR"/run/osd.*.pid "$DIR"/run/mgr.*.pid "$DIR"/run/mon.*.pid; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .pid)
    pid=$(pid_of "$name")
    [ -n "$pid" ] || continue
    # a purged cluster's data is discarded anyway: no need for a clean shutdown
    if [ "$PURGE" -eq 1 ]; then kill -KILL "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
    pids+=("$pid")
  done
  for t in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 1 ] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$CONF"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  say "stopped ${#pids[@]} daemon(s)"
  if [ "$PURGE" -eq 1 ]; then
    rm -rf "$DIR"
    say "purged $DIR"
  fi
}

case "$CMD" in
  up) cmd_up ;;
  start) cmd_start ;;
  down) cmd_down ;;
  status) ceph -c "$CONF" -s ;;
  *) usage ;;
esac
