#!/usr/bin/env bash
# Installs the Debian 12 packages weir needs to build, test and run its demos.
# Idempotent: installs only what is missing. Runs as root (or through sudo), no input.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-serialization1.81-dev
  librdkafka-dev libfmt-dev catch2 libsqlite3-dev kcat libcli11-dev libspdlog-dev prometheus
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "weir setup: these packages are missing and this user is not root: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "weir setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
