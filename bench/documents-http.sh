#!/usr/bin/env bash
# HTTP load on the label-filtered document list and search, on SQLite and on PostgreSQL.
#
#   bench/documents-http.sh [sqlite|postgres|both]     (PILLAR_BENCH_DOCS, default 1 000 000)
#
# For each backend: a database seeded with the reference and demo registry, plus the generated
# corpus of the store benchmark (crates/store/benches/documents.rs: documents under 10 000
# distinct labels); `pillar serve` in release mode on loopback; wrk (Debian package, installed
# when missing) with one client and with 32 clients, 20 s each (PILLAR_BENCH_SECONDS), on the
# newest-100 list, a broad and a selective search and the HTML page, for two personas: jp-observer
# (reads part of the corpus) and us-release (reads most of it). The corpus is kept under
# $PILLAR_BENCH_DIR (default /var/tmp/pillar-bench-http) and reused by later runs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/postgres.sh
trap stop_postgres EXIT

which=${1:-both}
docs=${PILLAR_BENCH_DOCS:-1000000}
dir=${PILLAR_BENCH_DIR:-/var/tmp/pillar-bench-http}
duration=${PILLAR_BENCH_SECONDS:-20}
password=bench-password-1
mkdir -p "$dir"
command -v wrk >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
cargo build --release -q -p pillar
target=${CARGO_TARGET_DIR:-target}
pillar="$target/release/pillar"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

session_of() { # base-url person -> session cookie value
  local jar csrf
  jar=$(mktemp)
  csrf=$(curl -fsS -c "$jar" "$1/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "user=$2" \
    --data-urlencode "password=$password" "$1/login"
  awk '$6 == "pillar_session" { print $7 }' "$jar"
  rm -f "$jar"
}

run() { # backend corpus-db [--db URL]
  local backend=$1 corpus_db=$2; shift 2
  local data="$dir/$backend"
  mkdir -p "$data"
  log "$backend: seed, corpus of $docs documents"
  "$pillar" --data-dir "$data" "$@" db seed --demo-data >/dev/null
  PILLAR_BENCH_DOCS=$docs PILLAR_BENCH_DB=${corpus_db:-$data/pillar.db} cargo bench -q -p pillar-store --bench documents -- build-corpus-only 2>&1 | grep -E '^corpus|readable' || true
  for p in jp-observer us-release; do
    echo "$password" | "$pillar" --data-dir "$data" "$@" user set-password "$p" >/dev/null
  done
  local port; port=$(free_port)
  "$pillar" --data-dir "$data" "$@" --listen "127.0.0.1:$port" serve >"$data/serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  local base="http://127.0.0.1:$port"
  for persona in jp-observer us-release; do
    local session; session=$(session_of "$base" "$persona")
    [ -n "$session" ] || { echo "cannot sign in as $persona" >&2; kill "$pid"; exit 1; }
    # A broad search has the server prepare a reader index for this persona when it has none
    # (in the background): wait until it is ready, so that it is not measured being built.
    curl -fsS -o /dev/null -H "Cookie: pillar_session=$session" "$base/api/documents?q=quantum+sonar"
    sleep 1
    for _ in $(seq 600); do
      [ "$(grep -c 'reader index: preparing' "$data/serve.log" || true)" -le "$(grep -c 'reader index: ready\|reader index: not built' "$data/serve.log" || true)" ] && break
      sleep 1
    done
    for route in "/api/documents" "/api/documents?q=quantum+sonar" "/api/documents?q=t60+t150" "/documents"; do
      for clients in 1 32; do
        local threads=$(( clients < 2 ? 1 : 2 ))
        local line
        line=$(wrk -t"$threads" -c"$clients" -d"${duration}s" -s bench/wrk-report.lua \
          -H "Cookie: pillar_session=$session" "$base$route" | grep '^RESULT')
        printf '%s\t%s\t%s\tclients=%s\t%s\n' "$backend" "$persona" "$route" "$clients" "${line#RESULT }"
      done
    done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then
  run sqlite ""
fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
  if [ -z "${PILLAR_BENCH_PG_URL:-}" ]; then
    start_postgres
    PILLAR_BENCH_PG_URL=$PILLAR_TEST_PG_URL
  fi
  run postgres "$PILLAR_BENCH_PG_URL" --db "$PILLAR_BENCH_PG_URL"
fi
