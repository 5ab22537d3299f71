# Shared by scripts/test.sh and the bench/ scripts (sourced): a throwaway PostgreSQL cluster.
# start_postgres installs the Debian package when missing, starts a cluster in a temporary
# directory on a free loopback port and exports PILLAR_TEST_PG_URL; stop_postgres removes it.

log() { printf '\n== %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

find_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

start_postgres() {
  local bin dir port runas=()
  bin=$(find_pg_bin)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    log "installing PostgreSQL from Debian packages"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
      || { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
    bin=$(find_pg_bin)
  fi
  dir=$(mktemp -d /tmp/pillar-pg.XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    runas=(runuser -u postgres --)
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log "starting a throwaway PostgreSQL ($bin) on 127.0.0.1:$port in $dir"
  "${runas[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  "${runas[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  PG_STOP=("${runas[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop)
  PG_DIR=$dir
  export PILLAR_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ]; then
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
