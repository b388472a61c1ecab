#!/usr/bin/env bash
# Installs every Debian package Sibyl needs to build, run and test. Idempotent, never prompts.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  librocksdb-dev libasio-dev libssl-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libsodium-dev libcli11-dev libboost-dev libpugixml-dev liblz4-dev libsnappy-dev libzstd-dev libbz2-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libgmp-dev
  python3 python3-cassandra python3-pytest python3-lz4 python3-snappy python3-boto3 awscli
  chromium fonts-dejavu-core
  clang libclang-rt-14-dev llvm  # the sanitizer build and libFuzzer targets (issue 9)
  lld python3-pytest-xdist  # CI time (docs/dev/ci.md): lld links (CMakeLists.txt), e2e with pytest -n
  libgoogle-perftools-dev  # issue 14: tcmalloc, the server's allocator (src/server/CMakeLists.txt)
  librados-dev libradospp-dev  # issue 15: the Ceph RADOS engine (--storage rados); librados.hpp is in libradospp-dev
  ceph-mon ceph-osd ceph-common  # issue 15: scripts/cluster.sh's loopback Ceph cluster
  redis-server  # issue 14: bench/compare.sh measures Sibyl side by side with Redis
  openssl  # issue 14: the certificate of compare.sh's TLS cases (openssl req)
)
# Node.js may come from elsewhere (NodeSource); only ask Debian for it when it is absent.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
