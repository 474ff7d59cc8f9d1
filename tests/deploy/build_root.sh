#!/usr/bin/env bash
# Builds, in the background of a test session, what tests/deploy/test_install_script.py
# checks: a Debian 12 root made by debootstrap, a wheelhouse of the checkout, then
# deploy/install-station.sh run into that root. Everything stays inside WORKDIR.
#
#   bash tests/deploy/build_root.sh WORKDIR PYTHON [MIRROR]
#
# Writes WORKDIR/status last: "ok", "skip: <reason>" (no root, no debootstrap, no mirror or
# a download from it failed) or "fail: <step>"; the log, WORKDIR/build.log, is this
# script's stdout and stderr (background.py opens it).
set -uo pipefail
work="$1"
python="$2"
mirror="${3:-}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
started=$SECONDS

status() {
    printf '%s\n' "$*" >"$work/status.part" && mv "$work/status.part" "$work/status"
    echo "=== status: $* (${SECONDS}s)"
    exit 0
}
step() { echo "=== $(date +%T) +$((SECONDS - started))s $*"; }

[[ $EUID -eq 0 ]] || status "skip: 需要 root（debootstrap 和 chroot），当前用户不是 root"

if ! command -v debootstrap >/dev/null; then
    step "apt-get install debootstrap"
    apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=120 "$@"; }
    apt_get install debootstrap || { apt_get update && apt_get install debootstrap; } ||
        status "skip: 没有 debootstrap，也无法从 Debian 软件源安装"
fi

if [[ -n "$mirror" ]]; then
    step "mirror check"
    timeout 30 "$python" -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/dists/bookworm/Release", timeout=20).read(1)' "$mirror" ||
        status "skip: Debian 软件源不可达（没有网络）"
fi

# The root and the wheelhouse on a tmpfs inside WORKDIR: dpkg's many fsyncs cost nothing
# there, and removing it afterwards is one umount (on disk, deleting the root took up to a
# minute on a busy machine). On disk if a tmpfs cannot be mounted.
fs="$work/fs"
mkdir -p "$fs"
mount -t tmpfs -o size=4g,mode=0755 chuangkou-deploy "$fs" || echo "tmpfs 挂载失败：在磁盘上构建"
root="$fs/root"

step "wheelhouse and debootstrap, side by side"
bash "$repo/deploy/build-wheelhouse.sh" "$fs/wheels" "$python" >"$work/wheels.log" 2>&1 &
wheels=$!
debootstrap --variant=minbase bookworm "$root" ${mirror:+"$mirror"}
debootstrap_rc=$?
wait "$wheels"
wheels_rc=$?
step "wheelhouse log"
grep -v "is ignored" "$work/wheels.log"
# A download that failed is the network's doing, not the script's: skipped, with the reason.
network_failed() {
    grep -qsE "Failed getting release file|Couldn't download|Failed to fetch|Temporary failure resolving|Could not connect|Unable to connect|Connection (failed|timed out)" \
        "$work/build.log" "$root/debootstrap/debootstrap.log"
}
if ((debootstrap_rc != 0)); then
    network_failed && status "skip: debootstrap 无法从 Debian 软件源下载（网络）"
    status "fail: debootstrap 退出码 $debootstrap_rc"
fi
((wheels_rc == 0)) || status "fail: build-wheelhouse.sh 退出码 $wheels_rc"
echo "debootstrap done at +$((SECONDS - started))s" >"$work/times"

step "install-station.sh --root"
if ! bash "$repo/deploy/install-station.sh" --root "$root" --wheelhouse "$fs/wheels"; then
    network_failed && status "skip: apt 无法从 Debian 软件源下载（网络）"
    status "fail: install-station.sh 失败"
fi
echo "install done at +$((SECONDS - started))s" >>"$work/times"
status ok
