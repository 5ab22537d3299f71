#!/usr/bin/env bash
# A hostile client against the JSON API: schemathesis (installed from PyPI into a throwaway
# virtual environment) generates requests from /api/openapi.json of a running demo server, as
# a reader persona and as a writer persona, and fails on any 5xx answer and on any answer the
# document does not describe (status code, content type, schema).
#
#   scripts/hostile-client.sh [SECONDS PER PERSONA] [PILLAR_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
pillar=${2:-${CARGO_TARGET_DIR:-target}/debug/pillar}
[ -x "$pillar" ] || { echo "hostile-client: no pillar binary at $pillar" >&2; exit 2; }
work=$(mktemp -d /tmp/pillar-hostile.XXXXXX)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check 'schemathesis>=4,<5'

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PILLAR_DATA_DIR=$work/data PILLAR_LOG=error "$pillar" serve --demo --listen "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
base=http://127.0.0.1:$port
for _ in $(seq 1 600); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "hostile-client: the server did not start" >&2; exit 1; }
  sleep 0.1
done

# An API token for a persona: sign in through the form, then POST /api/tokens with the CSRF header.
token() {
  local jar=$work/jar-$1 csrf
  curl -fs -c "$jar" "$base/login" -o "$work/login.html"
  csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$work/login.html" | head -n 1)
  curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" \
    --data-urlencode "user=$1" --data-urlencode password=pillar-demo "$base/login"
  curl -fs -b "$jar" "$base/documents" -o "$work/docs.html"
  csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$work/docs.html" | head -n 1)
  curl -fs -b "$jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
    -d '{"name":"hostile-client"}' "$base/api/tokens" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

status=0
for persona in jp-observer us-secretariat; do
  t=$(token "$persona")
  printf '\n== schemathesis as %s, %s s\n' "$persona" "$seconds" >&2
  "$work/venv/bin/st" run "$base/api/openapi.json" \
    --header "Authorization: Bearer $t" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing --max-time "$seconds" --no-color \
    > "$work/st-$persona.log" 2>&1 || status=1
  grep -E "generated|passed|failures|Failures|ST[0-9]+" "$work/st-$persona.log" | tail -n 6 >&2
  [ "$status" -eq 0 ] || { tail -n 80 "$work/st-$persona.log" >&2; break; }
done
exit "$status"
