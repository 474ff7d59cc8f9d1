#!/usr/bin/env bash
# 恢复演练 — restore drill: proves a pg_dump of the register can be restored and opened.
#
#   sudo chuangkou-restore-drill DUMP [--as 工号] [--keep]
#
# Restores DUMP into a new scratch database on this server (the live register is not
# touched), counts every table's rows, and, if the application is installed, runs
# `chuangkou doctor` on the copy and with --as 工号 `chuangkou audit verify` (that staff
# member's password is asked: it proves the data key still opens and the audit chain is
# whole). The scratch database is dropped afterwards unless --keep. Exit 0 only if all passed.
# Environment: CHUANGKOU (the application, default `chuangkou` on PATH); libpq's PGPORT.
set -euo pipefail

dump=""
actor=""
keep=0
while (($#)); do
    case "$1" in
    --as) actor="${2:?--as 需要工号}"; shift 2 ;;
    --keep) keep=1; shift ;;
    -*) echo "错误：未知参数 $1" >&2; exit 2 ;;
    *) dump="$1"; shift ;;
    esac
done
[[ -n "$dump" && -r "$dump" ]] || { echo "用法：restore-drill.sh 备份文件 [--as 工号] [--keep]" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "错误：需要 root 权限运行" >&2; exit 1; }

say() { printf '[恢复演练] %s\n' "$*" >&2; }
as_postgres() { runuser -u postgres -- "$@"; }
# The copy gets a database and a login role of its own, both dropped afterwards: the
# application opens it as any client would (over TCP on this machine, by password), and the
# live register's roles and grants are not needed (the drill also works on a spare server).
scratch="chuangkou_drill_$(date -u +%Y%m%d%H%M%S)_$$"
state="$(mktemp -d)"
password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
cleanup() {
    if ((keep)); then
        say "演练数据库保留为 $scratch（用完请删除数据库和同名角色）"
    else
        as_postgres dropdb --if-exists "$scratch" 2>/dev/null ||
            say "注意：无法删除演练数据库 $scratch"
        as_postgres psql -X -q -c "DROP ROLE IF EXISTS $scratch" 2>/dev/null ||
            say "注意：无法删除演练角色 $scratch"
    fi
    rm -rf -- "$state"
}
trap cleanup EXIT

say "检查备份文件 $dump"
as_postgres pg_restore --list "$dump" >/dev/null
say "恢复到演练数据库 $scratch"
as_postgres psql -X -q -v ON_ERROR_STOP=1 -v role="$scratch" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
SQL
as_postgres createdb --owner="$scratch" --template=template0 --encoding=UTF8 --locale=C.UTF-8 "$scratch"
as_postgres pg_restore --exit-on-error --no-owner --no-acl --role="$scratch" \
    --dbname="$scratch" "$dump"

say "各表行数："
as_postgres psql -X -q -v ON_ERROR_STOP=1 -d "$scratch" -At -F ' ' <<'SQL'
SELECT format('SELECT %L, count(*) FROM %I.%I', tablename, schemaname, tablename)
FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename \gexec
SQL

app="${CHUANGKOU:-$(command -v chuangkou || true)}"
if [[ -z "$app" ]]; then
    say "本机没有安装窗口应用：只检查了备份能否恢复（未核对审计链）"
    exit 0
fi
(umask 077 && printf '127.0.0.1:*:%s:%s:%s\n' "$scratch" "$scratch" "$password" >"$state/pgpass")
# The drill is not a station: its station files and logs go to the scratch directory.
run_app() {
    env -u PGSSLROOTCERT PGSSLMODE=prefer PGPASSFILE="$state/pgpass" \
        CHUANGKOU_STATE_DIR="$state/state" CHUANGKOU_LOG_DIR="$state/log" \
        "$app" --db "postgresql://$scratch@127.0.0.1/$scratch" "$@"
}
say "chuangkou doctor："
run_app doctor
if [[ -n "$actor" ]]; then
    say "chuangkou audit verify --as $actor："
    run_app audit verify --as "$actor"
fi
say "演练通过：备份可以恢复${actor:+，数据密钥可以解开，审计链完整}"
