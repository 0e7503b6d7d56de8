#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for test/stores/postgres.test.ts, in a folder of its own.
#
#   eval "$(bash scripts/postgres-test.sh start DIR)"   # prints the export lines for the tests
#   bash scripts/postgres-test.sh stop DIR               # idempotent; the data and logs stay in DIR
#
# start prints `export TASKGUARD_TEST_POSTGRES_URL=...` and `export TASKGUARD_TEST_POSTGRES_DIR=...` on
# stdout and everything else on stderr. The server listens on 127.0.0.1 only, on a free port from 54320 up,
# with a random superuser password; its unix socket lives inside DIR, its log in DIR/log. Durability is off
# (fsync, synchronous_commit): the cluster exists for one test run.
set -euo pipefail

say() { echo "postgres-test: $*" >&2; }
die() { say "$*"; exit 1; }

usage() { die "usage: postgres-test.sh start|stop DIR"; }
[ $# -eq 2 ] || usage
action="$1"
[ -n "$2" ] || usage

is_root() { [ "$(id -u)" -eq 0 ]; }

# The server binaries: pg_config's if it names a folder that holds them (a libpq-dev pg_config can belong
# to another major version than the server), else the newest /usr/lib/postgresql/*/bin.
find_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  fi
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  return 1
}

# PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` user (the Debian package
# creates it) and every server command runs as that user.
as_owner() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_cluster() {
  local dir="$1" bindir status=0
  if [ ! -f "$dir/data/PG_VERSION" ]; then say "no cluster in $dir: nothing to stop"; return 0; fi
  bindir="$(find_bindir)" || die "cannot find pg_ctl to stop the server in $dir"
  # 3: not running, which includes a server that died and left its pid file behind.
  as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || status=$?
  if [ "$status" -eq 3 ]; then say "no server running in $dir"; return 0; fi
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 \
    || die "pg_ctl could not stop the server in $dir (see $dir/log/postgres.log)"
  say "stopped the server in $dir"
}

if [ "$action" = stop ]; then
  [ -d "$2" ] || { say "$2 does not exist: nothing to stop"; exit 0; }
  stop_cluster "$(cd "$2" && pwd)"
  exit 0
fi
[ "$action" = start ] || usage

bindir="$(find_bindir)" || {
  if is_root && command -v apt-get >/dev/null 2>&1; then
    say "no PostgreSQL server binaries found; installing the postgresql package with apt-get..."
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
    bindir="$(find_bindir)" || die "apt-get installed postgresql but its server binaries were not found under /usr/lib/postgresql"
  else
    die "no PostgreSQL server binaries found (initdb, pg_ctl): install postgresql, or set TASKGUARD_SKIP_POSTGRES=1 to skip the PostgreSQL tests"
  fi
}
say "using $("$bindir/postgres" --version) from $bindir"

mkdir -p "$2"
dir="$(cd "$2" && pwd)"
[ ! -e "$dir/data" ] || die "$dir already holds a cluster: stop it (postgres-test.sh stop $dir) and remove $dir, or pick another folder"
# A unix socket path is limited to about 107 bytes, and the socket file name takes 16 of them.
[ "${#dir}" -le 80 ] || die "$dir is too long a path for the server's unix socket; pick a shorter folder"
mkdir -p "$dir/log" "$dir/socket"
chmod 700 "$dir"
if is_root; then
  id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (created by the postgresql package)"
  chown -R postgres: "$dir"
  runuser -u postgres -- test -w "$dir" || die "user postgres cannot reach $dir (is a parent folder private?); pick a folder under /tmp"
fi

if command -v openssl >/dev/null 2>&1; then
  password="$(openssl rand -hex 16)"
else
  password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
fi
pwfile="$dir/.pwfile"
trap 'rm -f "$pwfile"' EXIT
(umask 077; printf '%s\n' "$password" >"$pwfile")
if is_root; then chown postgres: "$pwfile"; fi

say "initdb in $dir/data"
as_owner "$bindir/initdb" -D "$dir/data" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=peer \
  -E UTF8 --no-locale --no-sync >"$dir/log/initdb.log" 2>&1 || die "initdb failed; see $dir/log/initdb.log"
rm -f "$pwfile"

cat >>"$dir/data/postgresql.conf" <<EOF

# postgres-test.sh: a throwaway test cluster
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/socket'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

# The first port nobody listens on; if another process takes it before the server binds, try the next.
port=""
for candidate in $(seq 54320 54419); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then continue; fi
  if [ -f "$dir/log/postgres.log" ]; then : >"$dir/log/postgres.log"; fi
  if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/postgres.log" -w -t 60 -o "-p $candidate" start >/dev/null 2>&1; then
    port="$candidate"
    break
  fi
  grep -qi 'could not bind\|address already in use\|could not create any TCP/IP sockets' "$dir/log/postgres.log" 2>/dev/null \
    || die "the server did not start; see $dir/log/postgres.log"
done
[ -n "$port" ] || die "no free port between 54320 and 54419"
say "server listening on 127.0.0.1:$port"

PGPASSWORD="$password" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
  -c 'CREATE DATABASE taskguard_test' >&2 || die "could not create database taskguard_test"

printf 'export TASKGUARD_TEST_POSTGRES_URL=%q\n' "postgresql://postgres:$password@127.0.0.1:$port/taskguard_test"
printf 'export TASKGUARD_TEST_POSTGRES_DIR=%q\n' "$dir"
