#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: CI starts one before its test step, and a
# developer can too.
#
#   eval "$(.ci/postgres.sh start)"    # exports SIGNING_TEST_POSTGRES_URL and SIGNING_TEST_POSTGRES_DIR
#   cargo test -p signing-tracker --all-features
#   .ci/postgres.sh stop "$SIGNING_TEST_POSTGRES_DIR"
#
# The server lives in a new temporary directory, listens on 127.0.0.1 at a free port (and on a
# socket in that directory), trusts local connections, and skips fsync: it holds nothing worth
# keeping. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
# PGBIN overrides where the server binaries are (default: PostgreSQL 15's on Debian).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DATABASE=signing_test

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 20000))
        # Nothing answering on the port: take it.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "no free port found" >&2
    return 1
}

start() {
    if [ ! -x "$PGBIN/initdb" ]; then
        echo "PostgreSQL server binaries not found in $PGBIN (set PGBIN)" >&2
        return 1
    fi
    local dir port
    dir=$(mktemp -d "${TMPDIR:-/tmp}/signing-postgres.XXXXXX")
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
    fi
    as_owner "$PGBIN/initdb" -A trust -U postgres -D "$dir/data" >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        return 1
    }
    port=$(free_port)
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || {
        cat "$dir/server.log" >&2
        return 1
    }
    as_owner "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DATABASE"
    echo "export SIGNING_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/$DATABASE"
    echo "export SIGNING_TEST_POSTGRES_DIR=$dir"
}

stop() {
    local dir=${1:-}
    if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
        echo "usage: $0 stop DIR (the SIGNING_TEST_POSTGRES_DIR that start printed)" >&2
        return 1
    fi
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    *)
        echo "usage: $0 start | stop DIR" >&2
        exit 2
        ;;
esac
