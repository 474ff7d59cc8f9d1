#!/usr/bin/env bash
# A PostgreSQL server for the store's PostgreSQL tests (tests/store/test_postgres.py).
#
# On a Debian machine (run as root): installs PostgreSQL from Debian's mirrors if it is
# missing, starts a cluster the Debian way (pg_ctlcluster), listening on 127.0.0.1 only,
# creates a role and a UTF-8 database for the tests, and prints the URL to use:
#
#     eval "$(bash .ci/postgres.sh)"      # stdout is exactly one `export …` line
#     source .ci/postgres.sh              # the same, exported into the current shell
#
# Status messages go to stderr. Running it again is harmless (and takes well under a
# second when the server is already up). Overridable: CHUANGKOU_PG_USER, _PASSWORD, _DB,
# _CLUSTER (default main), _VERSION (default: the cluster's, else the newest installed).

_chuangkou_pg_main() (
    set -euo pipefail

    local user="${CHUANGKOU_PG_USER:-chuangkou}"
    local password="${CHUANGKOU_PG_PASSWORD:-chuangkou}"
    local db="${CHUANGKOU_PG_DB:-chuangkou_test}"
    local cluster="${CHUANGKOU_PG_CLUSTER:-main}"
    local version="${CHUANGKOU_PG_VERSION:-}"

    say() { printf '[postgres.sh] %s\n' "$*" >&2; }
    die() { say "错误：$*"; exit 1; }

    # Identifiers and the password are spliced into SQL: allow only plain ones.
    [[ "$user" =~ ^[a-z_][a-z0-9_]*$ && "$db" =~ ^[a-z_][a-z0-9_]*$ ]] ||
        die "role and database names must match [a-z_][a-z0-9_]*"
    [[ "$password" =~ ^[A-Za-z0-9_.:-]+$ ]] || die "password must match [A-Za-z0-9_.:-]+"
    [[ "$cluster" =~ ^[A-Za-z0-9_-]+$ ]] || die "bad cluster name: $cluster"

    as_postgres() {
        if [[ $EUID -eq 0 ]]; then
            runuser -u postgres -- "$@"
        elif [[ "$(id -un)" == postgres ]]; then
            "$@"
        else
            sudo -n -u postgres -- "$@"
        fi
    }
    as_root() {
        if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n -- "$@"; fi
    }

    newest_installed() {
        local v best=""
        for v in /usr/lib/postgresql/*/bin/postgres; do
            [[ -x "$v" ]] || continue
            v="${v#/usr/lib/postgresql/}"
            v="${v%%/*}"
            if [[ -z "$best" ]] || ((v > best)); then best="$v"; fi
        done
        printf '%s' "$best"
    }

    # --- install -----------------------------------------------------------------------
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [[ -z "$(newest_installed)" ]]; then
        say "installing postgresql from the Debian mirrors …"
        local log
        log="$(mktemp)"
        # C.UTF-8 exists on every Debian: the cluster apt creates is then UTF-8, not SQL_ASCII.
        if ! as_root env DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 LC_ALL=C.UTF-8 \
            sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql' \
            >"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            die "apt-get install postgresql failed"
        fi
        rm -f "$log"
    fi

    # --- the cluster -------------------------------------------------------------------
    if [[ -z "$version" ]]; then
        # `pg_lsclusters -h`: version cluster port status owner datadir logfile
        version="$(pg_lsclusters -h 2>/dev/null | awk -v c="$cluster" '$2 == c {print $1}' |
            sort -n | tail -n 1)"
        [[ -n "$version" ]] || version="$(newest_installed)"
    fi
    [[ -n "$version" ]] || die "no PostgreSQL server binaries found under /usr/lib/postgresql"

    if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$cluster" \
        '$1 == v && $2 == c {found = 1} END {exit !found}'; then
        say "creating cluster $version/$cluster …"
        as_root env LANG=C.UTF-8 LC_ALL=C.UTF-8 \
            pg_createcluster --encoding=UTF8 --locale=C.UTF-8 "$version" "$cluster" >&2
    fi

    # 127.0.0.1 only (a conf.d drop-in, included by every Debian cluster's postgresql.conf).
    local confdir="/etc/postgresql/$version/$cluster/conf.d"
    local dropin="$confdir/chuangkou-ci.conf"
    local wanted="# written by chuangkou .ci/postgres.sh
listen_addresses = '127.0.0.1'
"
    local changed=0
    if [[ ! -f "$dropin" || "$(cat "$dropin")"$'\n' != "$wanted" ]]; then
        as_root mkdir -p "$confdir"
        printf '%s' "$wanted" | as_root tee "$dropin" >/dev/null
        as_root chown postgres:postgres "$dropin" 2>/dev/null || true
        changed=1
    fi

    if pg_ctlcluster "$version" "$cluster" status >/dev/null 2>&1; then
        if ((changed)); then
            say "restarting cluster $version/$cluster (listen on 127.0.0.1) …"
            as_root pg_ctlcluster "$version" "$cluster" restart >&2
        else
            say "cluster $version/$cluster already running"
        fi
    else
        say "starting cluster $version/$cluster …"
        as_root pg_ctlcluster "$version" "$cluster" start >&2
    fi

    local port
    port="$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $3}')"
    [[ "$port" =~ ^[0-9]+$ ]] || die "cannot read the port of cluster $version/$cluster"

    local i
    for ((i = 0; i < 100; i++)); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 0.1
    done
    pg_isready -q -h 127.0.0.1 -p "$port" || die "server on 127.0.0.1:$port does not answer"

    # --- role and database -------------------------------------------------------------
    local psql=(as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres)
    "${psql[@]}" >&2 <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
        CREATE ROLE $user LOGIN PASSWORD '$password';
    ELSE
        ALTER ROLE $user LOGIN PASSWORD '$password';
    END IF;
END
\$\$;
SQL
    if [[ "$("${psql[@]}" -tA -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
        say "creating database $db …"
        "${psql[@]}" -c "CREATE DATABASE $db OWNER $user ENCODING 'UTF8'
            LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0" >&2
    fi
    local encoding
    encoding="$("${psql[@]}" -tA -c "SELECT pg_encoding_to_char(encoding) FROM pg_database
        WHERE datname = '$db'")"
    [[ "$encoding" == UTF8 ]] || die "database $db has encoding $encoding, not UTF8: drop it"

    # The tests drop and recreate the schema `public`: the role must own it.
    as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d "$db" \
        -c "ALTER SCHEMA public OWNER TO $user" >&2

    local url="postgresql://$user:$password@127.0.0.1:$port/$db"
    # Check the URL really works over TCP with the password, as the tests will use it.
    PGPASSWORD="$password" psql -X -q -h 127.0.0.1 -p "$port" -U "$user" -d "$db" \
        -tA -c "SELECT 1" >/dev/null || die "cannot log in as $user over 127.0.0.1:$port"
    say "ready: PostgreSQL $version on 127.0.0.1:$port, database $db"
    printf '%s\n' "$url"
)

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced: export into the caller's shell (and leave its options alone).
    if _chuangkou_pg_url="$(_chuangkou_pg_main)"; then
        export CHUANGKOU_TEST_PG_URL="$_chuangkou_pg_url"
        unset -v _chuangkou_pg_url
        unset -f _chuangkou_pg_main
    else
        unset -v _chuangkou_pg_url
        unset -f _chuangkou_pg_main
        return 1
    fi
else
    _chuangkou_pg_url="$(_chuangkou_pg_main)" || exit 1
    printf 'export CHUANGKOU_TEST_PG_URL=%q\n' "$_chuangkou_pg_url"
fi
