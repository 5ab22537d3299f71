#!/usr/bin/env bash
# Two servers against one, over the same PostgreSQL, on the same machine, through HAProxy:
# 32 concurrent readers (wrk, Debian package) listing and searching documents for 60 s each
# (PILLAR_BENCH_SECONDS), as jp-observer, loopback only. Also one server without the balancer,
# for the balancer's own cost. Prints one line per run and the two-to-one ratios.
#
#   bench/multi-server.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/postgres.sh
duration=${PILLAR_BENCH_SECONDS:-60}
command -v wrk >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
cargo build --release -q -p pillar
pillar=$(realpath "${CARGO_TARGET_DIR:-target}/release/pillar")

cleanup() {
  if [ -n "${work:-}" ]; then
    for p in $(cat "$work"/*/pid 2>/dev/null) $(cat "$work"/haproxy*.pid 2>/dev/null); do
      kill "$p" 2>/dev/null || true
    done
    psql -q "$PILLAR_TEST_PG_URL" -c "DROP DATABASE IF EXISTS ${db##*/} WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
  fi
  stop_postgres
}
trap cleanup EXIT
start_postgres
line=$(PILLAR_MULTI_KEEP=1 PILLAR_LOG=error scripts/multi-server.sh "$pillar" | tail -n 1)
eval "$line" # lb= a= b= work= db=
# A second balancer with server a alone: the same configuration, one server line.
port_one=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s/bind 127.0.0.1:$lb/bind 127.0.0.1:$port_one/" -e '/server b /d' "$work/haproxy.cfg" > "$work/haproxy-one.cfg"
haproxy -D -f "$work/haproxy-one.cfg" -p "$work/haproxy-one.pid" >/dev/null 2>&1
sleep 1

session=$(python3 - "http://127.0.0.1:$lb" <<'PY'
import sys
sys.path.insert(0, "scripts")
import importlib.util
spec = importlib.util.spec_from_file_location("check", "scripts/multi-server-check.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
c = m.Client(sys.argv[1])
c.sign_in("jp-observer")
print(c.cookies["pillar_session"])
PY
)
[ -n "$session" ] || { echo "cannot sign in" >&2; exit 1; }

declare -A rps p95
for route in "/api/documents" "/api/documents?q=quantum"; do
  for setup in "one-direct:$a" "one-balanced:$port_one" "two-balanced:$lb"; do
    name=${setup%%:*} port=${setup#*:}
    out=$(wrk -t2 -c32 -d"${duration}s" -s bench/wrk-report.lua \
      -H "Cookie: pillar_session=$session" "http://127.0.0.1:$port$route" | grep '^RESULT')
    printf '%s\t%s\t%s\n' "$route" "$name" "${out#RESULT }"
    rps[$route/$name]=$(sed 's/.*rps=\([0-9]*\).*/\1/' <<<"$out")
    p95[$route/$name]=$(sed 's/.*p95_ms=\([0-9.]*\).*/\1/' <<<"$out")
  done
  python3 -c "import sys; r1, r2, p1, p2 = map(float, sys.argv[1:]); print(f'two/one through the balancer: throughput {r2/r1:.2f}x, p95 {p2/p1:.2f}x')" \
    "${rps[$route/one-balanced]}" "${rps[$route/two-balanced]}" "${p95[$route/one-balanced]}" "${p95[$route/two-balanced]}"
done
