#!/usr/bin/env bash
# 窗口终端安装脚本 — sets up a counter station on Debian 12 (bookworm), as root:
#
#   sudo bash deploy/install-station.sh --wheelhouse DIR [--root DIR]
#
# Installs Debian's packages (kmscon, fonts-noto-cjk, cups-client, libusb, python3-venv, …),
# creates the user `chuangkou`, installs the application from a wheelhouse into
# /opt/chuangkou/venv with `chuangkou` on PATH, writes the udev rules, the station file
# template and the systemd unit, and enables the unit (tty1 boots into the application).
# Running it again upgrades the application and keeps the station's own files.
#
# --wheelhouse DIR: the application and its dependencies as wheels (deploy/build-wheelhouse.sh
#   on a Debian 12 amd64 machine); the station installs from it with no Python index.
# --root DIR (or $CHUANGKOU_ROOT): install into another Debian root (a station's disk mounted
#   there, or a chroot made by debootstrap); apt and useradd run chrooted into it, with /proc
#   mounted for the time of the install and unmounted afterwards. Default: this machine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${CHUANGKOU_ROOT:-/}"
wheelhouse=""

say() { printf '[install-station] %s\n' "$*" >&2; }
die() {
    say "错误：$*"
    exit 1
}

while (($#)); do
    case "$1" in
    --root) root="${2:?--root 需要一个目录}"; shift 2 ;;
    --root=*) root="${1#--root=}"; shift ;;
    --wheelhouse) wheelhouse="${2:?--wheelhouse 需要一个目录}"; shift 2 ;;
    --wheelhouse=*) wheelhouse="${1#--wheelhouse=}"; shift ;;
    -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "未知参数：$1（用法：install-station.sh --wheelhouse 目录 [--root 目录]）" ;;
    esac
done

[[ $EUID -eq 0 ]] || die "需要 root 权限运行"
[[ -n "$wheelhouse" ]] || die "缺少 --wheelhouse 目录（用 deploy/build-wheelhouse.sh 生成）"
[[ -d "$wheelhouse" ]] || die "wheelhouse 目录不存在：$wheelhouse"
compgen -G "$wheelhouse/chuangkou-*.whl" >/dev/null || die "wheelhouse 中没有 chuangkou 的 wheel：$wheelhouse"
root="$(realpath "$root")"
[[ -f "$root/etc/debian_version" ]] || die "$root 不是 Debian 系统的根目录"
version_id="$(. "$root/etc/os-release" && printf '%s' "${VERSION_ID:-}")"
[[ "$version_id" == 12 ]] || say "注意：本脚本按 Debian 12 编写，目标系统是 Debian ${version_id:-未知版本}"

# --- running commands inside the target ---------------------------------------------------
mounted=()
policy_rc=""
staged=""
cleanup() {
    local m
    [[ -n "$staged" ]] && rm -rf -- "$staged"
    [[ -n "$policy_rc" ]] && rm -f -- "$policy_rc"
    for ((m = ${#mounted[@]} - 1; m >= 0; m--)); do
        umount "${mounted[m]}" 2>/dev/null || umount -l "${mounted[m]}" || true
    done
}
trap cleanup EXIT

if [[ "$root" == / ]]; then
    in_root() { "$@"; }
else
    # A clean environment: nothing of the host's (its pip or locale settings) leaks in.
    in_root() {
        chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
    }
    if ! mountpoint -q "$root/proc"; then
        mount -t proc proc "$root/proc"
        mounted+=("$root/proc")
    fi
    # No service is started inside a root that is not running (Debian's policy-rc.d hook).
    if [[ ! -e "$root/usr/sbin/policy-rc.d" ]]; then
        policy_rc="$root/usr/sbin/policy-rc.d"
        printf '#!/bin/sh\nexit 101\n' >"$policy_rc"
        chmod 0755 "$policy_rc"
    fi
fi
apt_get() {
    in_root env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        apt-get -q -y -o Dpkg::Use-Pty=0 "$@"
}

# --- 1. Debian packages -------------------------------------------------------------------
mapfile -t packages < <(sed -e 's/[[:space:]]*#.*//' -e 's/^[[:space:]]*//' -e '/^$/d' "$here/station-packages.txt")
say "安装 Debian 软件包：${packages[*]}"
apt_get update
apt_get install --no-install-recommends "${packages[@]}"
apt_get clean

# --- 2. the user --------------------------------------------------------------------------
# A system user without a login shell: the unit runs the application, nobody logs in as it.
if ! in_root getent passwd chuangkou >/dev/null; then
    say "创建用户 chuangkou"
    in_root useradd --system --user-group --home-dir /var/lib/chuangkou --no-create-home \
        --shell /usr/sbin/nologin --comment "窗口 chuangkou" chuangkou
fi
# The unit gives these groups itself; as the user's own they also serve the technician's
# `sudo -u chuangkou chuangkou devices test-reader` (serial devices, the keypad).
in_root usermod -a -G dialout,video,input chuangkou
# What the unit's StateDirectory=/LogsDirectory= make at its start, made now too: the
# technician's `sudo -u chuangkou chuangkou doctor` works before the first boot.
in_root install -d -m 0700 -o chuangkou -g chuangkou /var/lib/chuangkou /var/lib/chuangkou/station
in_root install -d -m 0750 -o chuangkou -g chuangkou /var/log/chuangkou

# --- 3. the application -------------------------------------------------------------------
say "安装窗口应用到 /opt/chuangkou/venv"
install -d -m 0755 "$root/opt/chuangkou"
[[ -x "$root/opt/chuangkou/venv/bin/python" ]] || in_root python3 -m venv /opt/chuangkou/venv
staged="$(mktemp -d "$root/tmp/chuangkou-wheelhouse.XXXXXX")"
cp -- "$wheelhouse"/*.whl "$staged/"
chmod -R a+rX "$staged"
in_root /opt/chuangkou/venv/bin/pip install --quiet --no-cache-dir --no-index \
    --disable-pip-version-check --find-links "${staged#"$root"}" --upgrade \
    'chuangkou[postgres,keypad]'
rm -rf -- "$staged"
staged=""
# Its documentation where the unit's Documentation= points.
install -d -m 0755 "$root/opt/chuangkou/deploy"
install -m 0644 "$here/README.md" "$here/chuangkou-counter.service" "$here/70-chuangkou.rules" \
    "$here/station.example.toml" "$root/opt/chuangkou/deploy/"
# `chuangkou` on PATH for the technician, with the counter's environment (TLS, pgpass).
install -m 0755 "$here/chuangkou-wrapper.sh" "$root/usr/local/bin/chuangkou"

# --- 4. configuration (never overwritten: it is the station's own) ------------------------
install -d -m 0755 "$root/etc/chuangkou"
if [[ ! -e "$root/etc/chuangkou/station.toml" ]]; then
    install -m 0640 "$here/station.example.toml" "$root/etc/chuangkou/station.toml"
    in_root chgrp chuangkou /etc/chuangkou/station.toml
    say "已写入工位配置模板 /etc/chuangkou/station.toml：请修改工位编号、窗口和设备"
fi
[[ -e "$root/etc/chuangkou/counter.env" ]] ||
    install -m 0644 "$here/counter.env" "$root/etc/chuangkou/counter.env"

# --- 5. devices ---------------------------------------------------------------------------
install -m 0644 "$here/70-chuangkou.rules" "$root/etc/udev/rules.d/70-chuangkou.rules"
# The unit's device list is resolved when it starts: the drivers of serial adapters and of
# the display must be loaded by then, not only when a device is plugged in.
install -d -m 0755 "$root/etc/modules-load.d"
install -m 0644 "$here/modules-load.conf" "$root/etc/modules-load.d/chuangkou.conf"

# --- 6. the unit: tty1 boots into the application -----------------------------------------
install -m 0644 "$here/chuangkou-counter.service" "$root/etc/systemd/system/chuangkou-counter.service"
# Debian's kmscon package may claim the VTs itself; tty1 is ours.
for unit in getty@tty1.service kmsconvt@tty1.service; do
    in_root systemctl disable --quiet "$unit" 2>/dev/null || true
done
in_root systemctl enable --quiet chuangkou-counter.service

if [[ "$root" == / && -d /run/systemd/system ]]; then
    systemctl daemon-reload
    udevadm control --reload && udevadm trigger --subsystem-match=usb --subsystem-match=input \
        --subsystem-match=hidraw --subsystem-match=tty || true
fi
say "完成。编辑 /etc/chuangkou/station.toml 后重启，tty1 即进入窗口应用。"
