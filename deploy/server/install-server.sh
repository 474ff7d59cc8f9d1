#!/usr/bin/env bash
# 登记本服务器安装脚本 — the hall's PostgreSQL register server on Debian 12, as root.
#
#   install-server.sh setup --server-name NAME --hall-net CIDR [--listen ADDR] [--wheelhouse DIR]
#       Debian's postgresql; TLS with a hall CA made here (stations verify the server with
#       it); connections from the hall's network over TLS only, by password (SCRAM); the
#       database `register` and its roles (roles.sql); a nightly pg_dump (systemd timer);
#       with --wheelhouse also the application, for `chuangkou init` and upgrades.
#   install-server.sh grants             after `chuangkou init` and after each upgrade
#   install-server.sh add-station ID     a login role for one station; prints its pgpass line
#   install-server.sh remove-station ID  shuts that station out (lost or stolen)
#
# NAME is what the stations' register URL names: a DNS name or an IP address (it goes into
# the server certificate, which the stations check: PGSSLMODE=verify-full).
# Environment: CHUANGKOU_PG_DB (register), CHUANGKOU_PG_OWNER (chuangkou_owner),
# CHUANGKOU_PG_COUNTER (chuangkou_counter), CHUANGKOU_PG_CLUSTER (main).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
db="${CHUANGKOU_PG_DB:-register}"
owner="${CHUANGKOU_PG_OWNER:-chuangkou_owner}"
counter="${CHUANGKOU_PG_COUNTER:-chuangkou_counter}"
cluster="${CHUANGKOU_PG_CLUSTER:-main}"
etc=/etc/chuangkou-server

say() { printf '[install-server] %s\n' "$*" >&2; }
die() {
    say "错误：$*"
    exit 1
}
[[ $EUID -eq 0 ]] || die "需要 root 权限运行"
for name in "$db" "$owner" "$counter"; do
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "名称只能含小写字母、数字和下划线：$name"
done

as_postgres() { runuser -u postgres -- "$@"; }
psql_su() { as_postgres psql -X -q -v ON_ERROR_STOP=1 "$@"; }
new_password() { head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32; }
cluster_version() {
    pg_lsclusters -h | awk -v c="$cluster" '$2 == c {print $1}' | sort -n | tail -n 1
}

run_grants() {
    psql_su -v owner="$owner" -v counter="$counter" -v db="$db" -f "$here/roles.sql"
    say "角色与权限已更新：$owner（结构）、$counter（各工位）"
}

make_certs() { # NAME: a hall CA (kept in $etc) and the server's certificate signed by it
    install -d -m 0700 "$etc"
    install -d -m 0750 -o postgres -g postgres /etc/postgresql/chuangkou
    bash "$here/make-certs.sh" "$etc" /etc/postgresql/chuangkou "$1"
}

setup() {
    local name="" net="" listen="*" wheelhouse=""
    while (($#)); do
        case "$1" in
        --server-name) name="${2:?}"; shift 2 ;;
        --hall-net) net="${2:?}"; shift 2 ;;
        --listen) listen="${2:?}"; shift 2 ;;
        --wheelhouse) wheelhouse="${2:?}"; shift 2 ;;
        *) die "未知参数：$1" ;;
        esac
    done
    [[ -n "$name" && -n "$net" ]] || die "需要 --server-name 名称 和 --hall-net 网段（如 10.0.0.0/24）"
    [[ "$net" =~ ^[0-9a-fA-F.:]+/[0-9]+$ ]] || die "网段格式应为 地址/前缀长度：$net"

    say "安装 PostgreSQL（Debian 软件包）"
    DEBIAN_FRONTEND=noninteractive apt-get -q -y update
    DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends \
        postgresql openssl python3-venv
    local version
    version="$(cluster_version)"
    [[ -n "$version" ]] || die "没有 PostgreSQL 集群 $cluster"

    make_certs "$name"
    local conf="/etc/postgresql/$version/$cluster"
    cat >"$conf/conf.d/chuangkou.conf" <<CONF
# written by chuangkou install-server.sh
listen_addresses = 'localhost,$listen'
ssl = on
ssl_cert_file = '/etc/postgresql/chuangkou/server.crt'
ssl_key_file = '/etc/postgresql/chuangkou/server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = scram-sha-256
CONF
    # Ours first: the owner from this machine only, the stations from the hall's network,
    # TLS and SCRAM always; nothing else reaches the register over the network.
    local hba="$conf/pg_hba.conf" block
    block="# BEGIN chuangkou (install-server.sh)
hostssl $db $owner 127.0.0.1/32 scram-sha-256
hostssl $db $owner ::1/128 scram-sha-256
hostssl $db +$counter $net scram-sha-256
hostnossl $db all 0.0.0.0/0 reject
hostnossl $db all ::/0 reject
# END chuangkou"
    { printf '%s\n' "$block" && sed '/^# BEGIN chuangkou/,/^# END chuangkou/d' "$hba"; } >"$hba.new"
    chown --reference="$hba" "$hba.new" && chmod --reference="$hba" "$hba.new"
    mv "$hba.new" "$hba"
    pg_ctlcluster "$version" "$cluster" restart

    run_grants
    install -d -m 0700 "$etc"
    if [[ ! -f "$etc/owner.pgpass" ]]; then
        local password
        password="$(new_password)"
        psql_su -c "ALTER ROLE $owner PASSWORD '$password'"
        (umask 077 && printf 'localhost:*:%s:%s:%s\n' "$db" "$owner" "$password" >"$etc/owner.pgpass")
    fi
    cat >"$etc/owner.env" <<ENV
# The owner's connection (chuangkou init, upgrades), on this server:
#   sudo sh -c 'set -a; . $etc/owner.env; chuangkou --db "\$CHUANGKOU_DB" init'
CHUANGKOU_DB=postgresql://$owner@localhost/$db
PGSSLMODE=verify-full
PGSSLROOTCERT=$etc/hall-ca.crt
PGPASSFILE=$etc/owner.pgpass
ENV

    # Nightly pg_dump of the register: personal data in it is still sealed by the application.
    install -m 0755 "$here/chuangkou-pg-backup.sh" /usr/local/sbin/chuangkou-pg-backup
    install -m 0755 "$here/restore-drill.sh" /usr/local/sbin/chuangkou-restore-drill
    install -m 0644 "$here/chuangkou-pg-backup.service" "$here/chuangkou-pg-backup.timer" \
        /etc/systemd/system/
    install -d -m 0700 -o postgres -g postgres /var/backups/chuangkou
    systemctl daemon-reload
    systemctl enable --now chuangkou-pg-backup.timer

    if [[ -n "$wheelhouse" ]]; then
        say "安装窗口应用（用于 chuangkou init 和结构升级）"
        [[ -x /opt/chuangkou/venv/bin/python ]] || python3 -m venv /opt/chuangkou/venv
        /opt/chuangkou/venv/bin/pip install --quiet --no-cache-dir --no-index --upgrade \
            --find-links "$wheelhouse" 'chuangkou[postgres]'
        ln -sf /opt/chuangkou/venv/bin/chuangkou /usr/local/bin/chuangkou
    fi
    say "完成。下一步：用 $etc/owner.env 运行 chuangkou init，然后 install-server.sh grants，"
    say "再为每个工位运行 install-server.sh add-station 工位编号。"
}

station_role() {
    local id="${1:?需要工位编号}"
    [[ "$id" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$ ]] || die "工位编号格式不对：$id"
    printf 'station_%s' "$(printf '%s' "$id" | tr 'A-Z.-' 'a-z__')"
}

add_station() {
    local role password
    role="$(station_role "$@")"
    password="$(new_password)"
    psql_su -v role="$role" -v counter="$counter" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT :"counter" TO :"role";
SQL
    say "工位 $1 的数据库角色 $role 已建立。把下面一行写入该工位的 /etc/chuangkou/pgpass"
    say "（属主 chuangkou，权限 0600），工位配置中 register = \"postgresql://$role@服务器名/$db\"："
    printf '*:*:%s:%s:%s\n' "$db" "$role" "$password"
}

remove_station() {
    local role
    role="$(station_role "$@")"
    psql_su -v role="$role" -v db="$db" <<'SQL'
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :'role';
SELECT format('DROP ROLE %I', :'role')
WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SQL
    say "工位 $1 的数据库角色 $role 已删除，其连接已断开"
}

case "${1:-}" in
setup) shift; setup "$@" ;;
grants) run_grants ;;
add-station) shift; add_station "$@" ;;
remove-station) shift; remove_station "$@" ;;
*) sed -n '2,16p' "$0"; exit 2 ;;
esac
