#!/usr/bin/env bash
# Builds the sanitizer build (clang, ASan+UBSan, libFuzzer; build-asan/) and runs every libFuzzer
# target of tests/fuzz over its seed corpus (tests/fuzz/corpus/<target>/). docs/dev/fuzzing.md.
#
#   scripts/fuzz.sh                      every target 60 minutes (a long local run)
#   scripts/fuzz.sh --minutes 10         every target 10 minutes
#   scripts/fuzz.sh --total-hours 8      8 hours shared between the targets
#   scripts/fuzz.sh fuzz_value fuzz_cql_parser --minutes 30    only these targets
#   scripts/fuzz.sh --ci --seconds 25    CI: each target briefly; fails on any finding
#
# Options: --jobs N (targets run at once; default: the number of cores), --work DIR (default
# build-asan/fuzz-work; CI uses a fresh build-asan/fuzz-ci), --no-build.
# New corpus entries go to <work>/corpus/<target> (never into the repository); a local run ends
# by minimising that corpus (-merge=1). Crashes, leaks, timeouts and out-of-memory inputs land
# in <work>/artifacts/<target>/. Each run appends its figures to <work>/stats.tsv, and the
# summary prints executions per second and the totals over every run kept in the work dir.
# Ends with "fuzz: N passed, N failed" (a target with a finding is a failure) and exits
# non-zero when any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."

ci=0
seconds=3600
total_hours=""
jobs=$(nproc)
work=""
build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) ci=1 ;;
    --seconds) seconds=$2; shift ;;
    --minutes) seconds=$(( $2 * 60 )); shift ;;
    --total-hours) total_hours=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --work) work=$2; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    fuzz_*) targets+=("$1") ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

BUILD_DIR="${SANITIZE_BUILD_DIR:-build-asan}"
if [ "$build" -eq 1 ]; then
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DSIBYL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      >/dev/null || exit 1
  fi
  cmake --build "$BUILD_DIR" --target fuzz_targets || exit 1
fi

# name max_len timeout(s) rss_limit(MB): per-input work differs by orders of magnitude.
TARGETS="
fuzz_frame 16384 10 2048
fuzz_request_body 16384 10 2048
fuzz_compression 65536 10 2048
fuzz_value 4096 10 2048
fuzz_cql_parser 16384 10 2048
fuzz_prepare 4096 20 3072
fuzz_sigv4 8192 10 2048
fuzz_policy 8192 10 2048
fuzz_iam_form 8192 20 3072
fuzz_console_json 8192 20 3072
fuzz_json 8192 10 2048
fuzz_node_record 20000 10 2048
fuzz_rados_objects 16384 10 2048
fuzz_stored_records 8192 10 2048
fuzz_row_merge 8192 10 2048
"
if [ "${#targets[@]}" -eq 0 ]; then
  while read -r name _; do [ -n "$name" ] && targets+=("$name"); done <<<"$TARGETS"
fi
if [ -n "$total_hours" ]; then
  # The hours are shared: each of `jobs` slots runs its share of the targets in turn.
  seconds=$(awk -v h="$total_hours" -v n="${#targets[@]}" -v j="$jobs" \
    'BEGIN { s = h * 3600 * j / n; if (s < 10) s = 10; printf "%d", s }')
fi

if [ -z "$work" ]; then
  if [ "$ci" -eq 1 ]; then work="$BUILD_DIR/fuzz-ci"; rm -rf "$work"; else work="$BUILD_DIR/fuzz-work"; fi
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
# The targets' scratch databases (fuzz_util.h ScratchDir) live here, so a crashed run leaves
# nothing in /tmp.
export TMPDIR="$work/tmp"
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
symbolizer=$(command -v llvm-symbolizer || ls /usr/lib/llvm-*/bin/llvm-symbolizer 2>/dev/null | head -1)
# libFuzzer reports ASan/LSan findings itself; UBSan needs asking for stacks (and UB is already
# fatal: -fno-sanitize-recover).
export ASAN_OPTIONS="detect_leaks=1:symbolize=1:external_symbolizer_path=${symbolizer}${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:symbolize=1:external_symbolizer_path=${symbolizer}${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

run_target() {
  local name=$1 max_len=$2 timeout=$3 rss=$4
  local bin="$BUILD_DIR/fuzz/$name" seeds="tests/fuzz/corpus/$name"
  local corpus="$work/corpus/$name" artifacts="$work/artifacts/$name/" log="$work/logs/$name.log"
  mkdir -p "$corpus" "$artifacts" "$work/logs" "$seeds"
  rm -f "$work/logs/$name.result"
  if [ ! -x "$bin" ]; then
    echo "$name: not built ($bin)" >"$log"
    return 1
  fi
  local dict=()
  [ -f "tests/fuzz/dict/$name.dict" ] && dict=("-dict=tests/fuzz/dict/$name.dict")
  local start=$SECONDS
  local before
  before=$(ls "$artifacts" | wc -l)
  "$bin" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" -max_len="$max_len" \
    -malloc_limit_mb="$rss" -print_final_stats=1 -artifact_prefix="$artifacts" "${dict[@]}" \
    "$corpus" "$seeds" >"$log" 2>&1
  local rc=$?
  local execs rate
  execs=$(grep -aEo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  rate=$(grep -aEo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  local result=ok
  if [ "$rc" -ne 0 ] || [ "$(ls "$artifacts" | wc -l)" -ne "$before" ]; then result=FAILED; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$((SECONDS - start))" \
    "${execs:-0}" "${rate:-0}" "$result" >>"$work/stats.tsv"
  printf '%s\t%s\t%s\t%s\n' "$((SECONDS - start))" "${execs:-0}" "${rate:-0}" "$result" \
    >"$work/logs/$name.result"
  if [ "$ci" -eq 0 ] && [ "$result" = ok ]; then
    # Keep the work corpus small: only inputs that add coverage.
    local merged="$work/corpus/$name.merged"
    rm -rf "$merged"; mkdir -p "$merged"
    if "$bin" -merge=1 -timeout="$timeout" -rss_limit_mb="$rss" -max_len="$max_len" \
         "$merged" "$corpus" >>"$log.merge" 2>&1; then
      rm -rf "$corpus"; mv "$merged" "$corpus"
    else
      rm -rf "$merged"
    fi
  fi
  [ "$result" = ok ]
}

echo "fuzzing ${#targets[@]} targets, ${seconds}s each, $jobs at a time; work dir $work"
for name in "${targets[@]}"; do
  line=$(awk -v n="$name" '$1 == n' <<<"$TARGETS")
  if [ -z "$line" ]; then echo "unknown target $name" >&2; exit 2; fi
  # shellcheck disable=SC2086
  run_target $line &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait
passed=0
failed=0
for name in "${targets[@]}"; do
  if grep -q 'ok$' "$work/logs/$name.result" 2>/dev/null; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done

echo
printf '%-20s %8s %12s %8s %14s  %s\n' target seconds executions exec/s "all runs" result
for name in "${targets[@]}"; do
  IFS=$'\t' read -r secs execs rate result <"$work/logs/$name.result" 2>/dev/null ||
    { secs=0; execs=0; rate=0; result=FAILED; }
  total=$(awk -F'\t' -v n="$name" '$2 == n { t += $4 } END { printf "%d", t }' "$work/stats.tsv")
  printf '%-20s %8s %12s %8s %14s  %s\n' "$name" "$secs" "$execs" "$rate" "$total" "$result"
done
for name in "${targets[@]}"; do
  if ! grep -q 'ok$' "$work/logs/$name.result" 2>/dev/null; then
    echo
    echo "== $name: finding (artifacts in $work/artifacts/$name/, log $work/logs/$name.log)"
    grep -aE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^fuzz_|not built|SUMMARY|^unexpected|failed:' \
      "$work/logs/$name.log" | head -8 | cut -c1-400
    grep -aE '^ +#[0-9]+ .* in .*(/src/|/tests/fuzz/)' "$work/logs/$name.log" | head -8 | cut -c1-240
    # The input itself, so that a finding on a CI machine (whose files are gone) can be replayed:
    # `printf '<escaped>' > seed` or decode the base64 line.
    for artifact in $(ls -t "$work/artifacts/$name/" 2>/dev/null | head -3); do
      echo "   artifact: $artifact"
      head -c 4096 "$work/artifacts/$name/$artifact" | base64 -w0 | sed 's/^/   base64: /'
      echo
    done
  fi
done
echo
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
