#!/usr/bin/env bash
# Builds the wheelhouse a station installs from (install-station.sh --wheelhouse DIR):
# chuangkou from this checkout and every dependency, including the PostgreSQL driver and
# evdev for the USB keypad. Run it on a Debian 12 amd64 machine (the stations' Python 3.11);
# evdev is compiled here, which needs gcc and python3-dev.
#
#   bash deploy/build-wheelhouse.sh OUTDIR [PYTHON]
set -euo pipefail
out="${1:?用法：build-wheelhouse.sh 输出目录 [python]}"
python="${2:-python3}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Built from a copy: setuptools would leave build/ and *.egg-info in the checkout.
src="$(mktemp -d)"
trap 'rm -rf -- "$src"' EXIT
cp -r "$repo/pyproject.toml" "$repo/README.md" "$repo"/{tui,store,devices,policies,themes} "$src/"
find "$src" -name __pycache__ -prune -exec rm -rf {} +
mkdir -p "$out"
"$python" -m pip wheel --quiet --no-cache-dir --wheel-dir "$out" "$src[postgres,keypad]"
echo "wheelhouse: $out ($(ls "$out" | wc -l) wheels)" >&2
