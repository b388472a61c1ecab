#!/usr/bin/env bash
# Runs every test: installs dependencies, builds, runs the GoogleTest units (ctest), then the
# end-to-end tests (pytest with Debian's python3-cassandra and the npm cassandra-driver against
# the real server binary on 127.0.0.1). Ends with one line "N passed, N failed" and exits
# non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1
bash scripts/build.sh || exit 1

log_dir="build/test-logs"
mkdir -p "$log_dir"

ctest --test-dir build --output-on-failure -j2 2>&1 | tee "$log_dir/ctest.txt"
ctest_rc=${PIPESTATUS[0]}
unit_total=$(grep -Eo 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log_dir/ctest.txt" | grep -Eo '[0-9]+$' | tail -1)
unit_failed=$(grep -Eo 'tests passed, [0-9]+ tests failed' "$log_dir/ctest.txt" | grep -Eo '[0-9]+ tests failed' | grep -Eo '^[0-9]+' | tail -1)
unit_total=${unit_total:-0}
unit_failed=${unit_failed:-0}
if [ "$ctest_rc" -ne 0 ] && [ "$unit_failed" -eq 0 ]; then unit_failed=1; fi

if [ -f tests/e2e/node/package.json ]; then
  (cd tests/e2e/node && npm install --no-audit --no-fund --loglevel=error) || echo "npm install failed"
fi
# Screenshots of the console's main pages (tests/e2e/test_console.py) land here.
export SIBYL_ARTIFACTS="$PWD/build/artifacts/console"

SIBYL_BIN="$PWD/build/sibyl" /usr/bin/python3 -m pytest tests/e2e -q -p no:cacheprovider \
  2>&1 | tee "$log_dir/pytest.txt"
pytest_rc=${PIPESTATUS[0]}
summary=$(tail -n 5 "$log_dir/pytest.txt" | grep -E '(passed|failed|error)' | tail -1)
e2e_passed=$(echo "$summary" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' || true)
e2e_failed_n=$(echo "$summary" | grep -Eo '[0-9]+ failed' | grep -Eo '[0-9]+' || true)
e2e_errors_n=$(echo "$summary" | grep -Eo '[0-9]+ errors?' | grep -Eo '[0-9]+' || true)
e2e_passed=${e2e_passed:-0}
e2e_failed=$(( ${e2e_failed_n:-0} + ${e2e_errors_n:-0} ))
# pytest exit 5 means no tests were collected: that is a failure here, not a pass.
if [ "$pytest_rc" -ne 0 ] && [ "$e2e_failed" -eq 0 ]; then e2e_failed=1; fi

passed=$(( unit_total - unit_failed + e2e_passed ))
failed=$(( unit_failed + e2e_failed ))
echo
echo "unit: $((unit_total - unit_failed)) passed, $unit_failed failed; e2e: $e2e_passed passed, $e2e_failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
