#!/usr/bin/env bash
# Kills `pillar serve` and `pillar import` with SIGKILL, again and again, in the middle of
# uploads and imports, and checks after each kill that nothing is half-written: the database
# opens, `pillar audit verify` passes, every committed document has its audit entry and its
# content, every import is whole with its entry or absent without one; at the end no temporary
# file is left once the server has started again.
#
#   scripts/crash-loop.sh [KILLS] [PILLAR_BINARY]
#
# The test command runs a few kills; BENCHMARKS.md records a 100-kill run.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-5}
rows=30000
pillar=${2:-${CARGO_TARGET_DIR:-target}/debug/pillar}
[ -x "$pillar" ] || { echo "crash-loop: no pillar binary at $pillar" >&2; exit 2; }
data=$(mktemp -d /tmp/pillar-crash.XXXXXX)
server=
cleanup() {
  [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
export PILLAR_DATA_DIR=$data PILLAR_LOG=error
unset PILLAR_DB PILLAR_CONFIG

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_server() {
  port=$(free_port)
  "$pillar" serve --demo --listen "127.0.0.1:$port" >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || { echo "crash-loop: the server did not start" >&2; exit 1; }
    sleep 0.1
  done
  echo "crash-loop: the server did not answer" >&2
  exit 1
}

sign_in() {
  jar=$data/jar
  rm -f "$jar"
  curl -fs -c "$jar" "http://127.0.0.1:$port/login" -o "$data/login.html"
  local csrf
  csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$data/login.html" | head -n 1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "csrf=$csrf" --data-urlencode user=us-secretariat \
    --data-urlencode password=pillar-demo "http://127.0.0.1:$port/login"
  curl -fs -b "$jar" "http://127.0.0.1:$port/documents" -o "$data/docs.html"
  form_csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$data/docs.html" | head -n 1)
}

uploads() {
  local n=0 file=$data/up-$1.txt
  while true; do
    n=$((n + 1))
    head -c $((RANDOM * 8 + 1000)) /dev/urandom | base64 > "$file"
    curl -s -b "$jar" -o /dev/null -w "%{http_code}\n" -F "csrf=$form_csrf" -F "title=crash $n" \
      -F "file=@$file;type=text/plain" "http://127.0.0.1:$port/documents" >> "$data/codes" || true
  done
}

check() {
  "$pillar" --demo audit verify >/dev/null || { "$pillar" --demo audit verify; echo "crash-loop: kill $1: the audit chain does not verify" >&2; exit 1; }
  python3 - "$data/demo/pillar.db" "$data/demo/blobs" "$1" "$rows" <<'PY'
import os, sqlite3, sys
db, blobs, kill, ROWS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = sqlite3.connect(db)
audited = {o for (o,) in c.execute("SELECT object FROM audit WHERE action = 'create' AND decision = 'allow'")}
for (doc,) in c.execute("SELECT id FROM documents"):
    if f"document:{doc}" not in audited:
        sys.exit(f"crash-loop: kill {kill}: document {doc} has no audit entry")
for (sha,) in c.execute("SELECT sha256 FROM document_versions"):
    if not os.path.exists(os.path.join(blobs, sha[:2], sha)):
        sys.exit(f"crash-loop: kill {kill}: the content {sha} of a committed version is missing")
entries = {o for (o,) in c.execute("SELECT object FROM audit WHERE action = 'import'")}
for i in range(1, int(kill) + 1):
    rows = c.execute("SELECT COUNT(*) FROM organisations WHERE id LIKE ?", (f"crash-{i}-%",)).fetchone()[0]
    entry = any(o.endswith(f"orgs-{i}.csv") for o in entries)
    if (rows, entry) not in ((0, False), (ROWS, True)):
        sys.exit(f"crash-loop: kill {kill}: import {i} left {rows} of {ROWS} rows, entry {entry}")
PY
}

started=$(date +%s)
for k in $(seq 1 "$kills"); do
  start_server
  sign_in
  uploads 1 & up1=$!
  uploads 2 & up2=$!
  # An import of organisations racing the uploads, large enough to be killed in the middle.
  python3 -c "
import sys
k, n = sys.argv[1], int(sys.argv[2])
print('id,name,kind,nation,parent')
for i in range(n):
    print(f'crash-{k}-{i},Crash {k} {i},company,USA,')
" "$k" "$rows" > "$data/orgs-$k.csv"
  "$pillar" --demo import organisations "$data/orgs-$k.csv" >/dev/null 2>&1 & importer=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$server" "$importer" 2>/dev/null || true
  wait "$server" "$importer" 2>/dev/null || true
  server=
  kill "$up1" "$up2" 2>/dev/null || true
  wait "$up1" "$up2" 2>/dev/null || true
  check "$k"
  read -r docs imports < <(python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute('SELECT COUNT(*) FROM documents').fetchone()[0],
      c.execute(\"SELECT COUNT(*) FROM audit WHERE action = 'import'\").fetchone()[0])
" "$data/demo/pillar.db")
  answered=$(grep -c '^303$' "$data/codes" || true)
  printf 'kill %d: %d documents (%d uploads answered), %d of %d imports whole, chain intact\n' \
    "$k" "$docs" "$answered" "$imports" "$k"
done
# Started again, the server sweeps what the kills left half-written.
start_server
kill "$server"; wait "$server" 2>/dev/null || true; server=
left=$( (find "$data/demo/blobs" -name '*.tmp*' 2>/dev/null || true) | wc -l)
[ "$left" -eq 0 ] || { echo "crash-loop: $left temporary file(s) left" >&2; exit 1; }
printf 'crash-loop: %d kills in %d s, nothing half-written\n' "$kills" $(( $(date +%s) - started ))
