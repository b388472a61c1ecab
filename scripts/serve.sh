#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running server: installs what Sibyl needs,
# builds it, and starts `sibyl serve` with embedded storage in ./data (override with
# --data-dir). Any other flags are passed to `sibyl serve` (see `build/sibyl serve --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh sibyl
cat <<TXT

Sibyl is starting: CQL on 127.0.0.1:9042, the IAM API on http://127.0.0.1:8080.
IAM logins are on: on first start the root access key is printed below (once); then
  build/sibyl iam create-user --user-name alice
  build/sibyl iam create-service-specific-credential --user-name alice --service-name cassandra.amazonaws.com
  cqlsh 127.0.0.1 9042 -u <ServiceUserName> -p <ServicePassword>
(README.md has the details; scripts/serve.sh --auth none runs without logins.)
Stop it with Ctrl-C (SIGINT) or SIGTERM.

TXT
has_data_dir=0
for arg in "$@"; do
  case "$arg" in --data-dir|--data-dir=*|--config|--config=*) has_data_dir=1 ;; esac
done
if [ "$has_data_dir" -eq 0 ]; then
  exec build/sibyl serve --data-dir ./data "$@"
fi
exec build/sibyl serve "$@"
