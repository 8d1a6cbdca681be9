#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests.
#
#   scripts/postgres.sh start DIR PORT   # prints the URL for NEWSTRAIL_TEST_POSTGRES_URL
#   scripts/postgres.sh stop DIR
#   scripts/postgres.sh url DIR          # the URL of a cluster started earlier
#
# Only the URL goes to stdout, so CI can write
#   export NEWSTRAIL_TEST_POSTGRES_URL="$(scripts/postgres.sh start /tmp/newstrail-pg 55432)"
# Needs the server binaries (Debian: apt-get install postgresql). PostgreSQL refuses
# to run as root, so when root runs this the cluster belongs to the `postgres` user.
# `start` on a DIR that already holds a cluster reuses it (and is a no-op if it runs).
set -euo pipefail

usage() {
    echo "usage: $0 start DIR PORT | stop DIR | url DIR" >&2
    exit 2
}

find_bindir() {
    local candidate
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return
    fi
    # Debian keeps the server binaries off PATH, one directory per major version.
    candidate=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$candidate" || ! -x "$candidate/pg_ctl" ]]; then
        echo "postgres.sh: no PostgreSQL server found (apt-get install -y postgresql)" >&2
        exit 1
    fi
    echo "$candidate"
}

# Run a command as the cluster owner: ourselves, or `postgres` when we are root.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

url_for() {
    echo "postgresql://postgres@127.0.0.1:$(cat "$1/port")/postgres"
}

start() {
    local dir=$1 port=$2 bindir data
    [[ $port =~ ^[0-9]+$ ]] || usage
    bindir=$(find_bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    data="$dir/data"
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || {
            echo "postgres.sh: running as root needs the 'postgres' user (installed with postgresql)" >&2
            exit 1
        }
        chown postgres: "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            echo "postgres.sh: user postgres cannot reach $dir; pick a DIR under /tmp" >&2
            exit 1
        fi
    fi
    if [[ ! -f "$data/PG_VERSION" ]]; then
        # Trust on loopback and the socket only: this cluster holds nothing but test data.
        as_owner "$bindir/initdb" --pgdata="$data" --username=postgres --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
            cat "$dir/initdb.log" >&2
            exit 1
        }
        # Durability is pointless for a throw-away cluster; without fsync each test's
        # CREATE DATABASE and migration commit at memory speed.
        as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
    fi
    if as_owner "$bindir/pg_ctl" --pgdata="$data" status >/dev/null 2>&1; then
        # It keeps the port it was started with; the URL printed below says which.
        echo "postgres.sh: reusing the cluster already running in $dir" >&2
    else
        echo "$port" | as_owner tee "$dir/port" >/dev/null
        as_owner "$bindir/pg_ctl" --pgdata="$data" --log="$dir/postgres.log" --wait \
            --options="-p $port" start >&2 || {
            tail -n 20 "$dir/postgres.log" >&2 || true
            exit 1
        }
    fi
    url_for "$dir"
}

stop() {
    local dir=$1 bindir
    bindir=$(find_bindir)
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        echo "postgres.sh: no cluster in $dir" >&2
        return 0
    fi
    if as_owner "$bindir/pg_ctl" --pgdata="$dir/data" status >/dev/null 2>&1; then
        as_owner "$bindir/pg_ctl" --pgdata="$dir/data" --mode=fast --wait stop >&2
    fi
}

case "${1:-}" in
    start) [[ $# -eq 3 ]] || usage; start "$2" "$3" ;;
    stop) [[ $# -eq 2 ]] || usage; stop "$2" ;;
    url) [[ $# -eq 2 ]] || usage; url_for "$2" ;;
    *) usage ;;
esac
