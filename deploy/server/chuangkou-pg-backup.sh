#!/usr/bin/env bash
# chuangkou-pg-backup: one pg_dump of the hall's register, run nightly by
# chuangkou-pg-backup.timer as the user postgres (over the local socket, no password).
#
# The personal data in it is what the database holds: sealed by the application (AES-GCM
# under the register's data key, which only staff passwords and the recovery code open), so
# the dump is as safe as the database and no safer: keep copies off this server all the same.
# Written as .part, synced, then renamed: a dump that exists is whole. Dumps older than
# CHUANGKOU_BACKUP_KEEP_DAYS are removed. Environment (defaults): CHUANGKOU_PG_DB (register),
# CHUANGKOU_BACKUP_DIR (/var/backups/chuangkou), CHUANGKOU_BACKUP_KEEP_DAYS (30); libpq's
# PGHOST/PGPORT choose the server.
set -euo pipefail
umask 077
db="${CHUANGKOU_PG_DB:-register}"
dir="${CHUANGKOU_BACKUP_DIR:-/var/backups/chuangkou}"
keep="${CHUANGKOU_BACKUP_KEEP_DAYS:-30}"
[[ "$keep" =~ ^[0-9]+$ ]] || { echo "错误：保留天数应为整数：$keep" >&2; exit 1; }

file="$dir/$db-$(date -u +%Y%m%dT%H%M%SZ).dump"
trap 'rm -f -- "$file.part"' EXIT
pg_dump --format=custom --compress=6 --file="$file.part" "$db"
# A dump pg_restore cannot read is no backup.
pg_restore --list "$file.part" >/dev/null
sync "$file.part"
mv -- "$file.part" "$file"
sync "$dir"
find "$dir" -maxdepth 1 -name "$db-*.dump" -mtime +"$keep" -delete
echo "备份完成：$file（$(du -h "$file" | cut -f1)）"
