#!/usr/bin/env bash
# TDF interoperability with a real OpenTDF client: installs otdf-python 0.11.0 (PyPI) into a
# throwaway virtual environment (kept in PILLAR_OTDF_VENV, default /var/tmp/pillar-otdf-venv),
# starts `pillar serve --demo` on a free loopback port with its own data directory, and runs
# scripts/tdf-interop-check.py against it (see that file for what is checked). The demo
# database runs on SQLite, so the same checks cover the key access service's decisions there;
# the repository tests cover its records on PostgreSQL.
#
#   scripts/tdf-interop.sh [PILLAR_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\n== %s\n' "$*" >&2; }

pillar=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/pillar}")
[ -x "$pillar" ] || { echo "tdf-interop: no pillar binary at $pillar" >&2; exit 2; }
venv=${PILLAR_OTDF_VENV:-/var/tmp/pillar-otdf-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import otdf_python' 2>/dev/null; then
  log "installing otdf-python 0.11.0 from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'otdf-python==0.11.0'
fi

work=$(mktemp -d /tmp/pillar-tdf.XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
unset PILLAR_CONFIG PILLAR_DB PILLAR_BLOBS PILLAR_AUDIT_KEY_FILE PILLAR_KAS_DIR PILLAR_PUBLIC_URL
PILLAR_LOG=${PILLAR_LOG:-warn} "$pillar" --data-dir "$work" --listen "127.0.0.1:$port" \
  --public-url "$base" serve --demo >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "tdf-interop: the server did not start" >&2; exit 1; }
  sleep 0.1
done
"$venv/bin/python" scripts/tdf-interop-check.py "$base" "$pillar" "$work" \
  || { tail -50 "$work/serve.log" >&2; exit 1; }
