#!/usr/bin/env bash
# The key access service's rewrap under load: 32 concurrent clients (wrk, Debian package) on
# loopback (PILLAR_BENCH_CLIENTS to change it) POST the same batched rewrap of a document's TDF for a permitted reader, for
# PILLAR_BENCH_SECONDS (default 20) each on SQLite and on PostgreSQL; each request is the whole
# decision: unwrap (RSA-2048 OAEP), policy binding, Pillar's record of the TDF and its document,
# label resolution, the ACDF, dissemination, the audit entry written, the key rewrapped for the
# client. `pillar serve` in release mode. Prints p50/p95/p99 and throughput per backend.
#
#   bench/kas-rewrap.sh [sqlite|postgres|both]
#   PILLAR_BENCH_BIN=path/to/pillar bench/kas-rewrap.sh …   (that binary, not a fresh build)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/postgres.sh
which=${1:-both}
duration=${PILLAR_BENCH_SECONDS:-20}
clients=${PILLAR_BENCH_CLIENTS:-32}
command -v wrk >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
if [ -n "${PILLAR_BENCH_BIN:-}" ]; then
  pillar=$(realpath "$PILLAR_BENCH_BIN")  # another build to compare with, as is
else
  cargo build --release -q -p pillar
  pillar=$(realpath "${CARGO_TARGET_DIR:-target}/release/pillar")
fi
venv=${PILLAR_OTDF_VENV:-/var/tmp/pillar-otdf-venv}
work=$(mktemp -d /var/tmp/pillar-kas-bench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; stop_postgres; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run() { # backend [--db URL]
  local backend=$1; shift
  local data="$work/$backend" port base
  mkdir -p "$data"
  port=$(free_port); base="http://127.0.0.1:$port"
  "$pillar" --data-dir "$data" "$@" db seed --demo-data >/dev/null
  [ "$backend" = postgres ] && "$pillar" --data-dir "$data" "$@" kas rotate >/dev/null
  echo "pillar-bench-password" | "$pillar" --data-dir "$data" "$@" user set-password us-secretariat >/dev/null
  PILLAR_LOG=error "$pillar" --data-dir "$data" "$@" --listen "127.0.0.1:$port" --public-url "$base" serve >"$data/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  # A token, a document's TDF, and the rewrap request for it (a fresh client key, the request
  # token valid for a day).
  "$venv/bin/python" - "$base" "$work/$backend.json" "$work/$backend.token" <<'PY'
import base64, http.client, json, re, sys, time, urllib.parse, zipfile, io
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization
base, out, tok = sys.argv[1:4]
u = urllib.parse.urlsplit(base)
def req(method, path, body=None, headers=None, cookies=None):
    c = http.client.HTTPConnection(u.hostname, u.port)
    h = dict(headers or {})
    if cookies: h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    c.request(method, path, body=body, headers=h); r = c.getresponse(); d = r.read()
    for k, v in r.getheaders():
        if k.lower() == "set-cookie": cookies[v.split("=")[0]] = v.split("=", 1)[1].split(";")[0]
    return r.status, d
jar = {}
_, page = req("GET", "/login", cookies=jar)
csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
req("POST", "/login", urllib.parse.urlencode({"csrf": csrf, "user": "us-secretariat", "password": "pillar-bench-password"}),
    {"Content-Type": "application/x-www-form-urlencoded"}, jar)
_, page = req("GET", "/tokens", cookies=jar)
csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
_, body = req("POST", "/api/tokens", json.dumps({"name": "bench"}), {"Content-Type": "application/json", "X-CSRF-Token": csrf}, jar)
token = json.loads(body)["token"]
auth = {"Authorization": f"Bearer {token}"}
_, body = req("GET", "/api/documents?limit=50", headers=auth)
doc = json.loads(body)["items"][0]["id"]
_, tdf = req("GET", f"/documents/{doc}/tdf", headers=auth)
m = json.loads(zipfile.ZipFile(io.BytesIO(tdf)).read("0.manifest.json"))
client = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = client.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
e = m["encryptionInformation"]
body = {"clientPublicKey": pem, "requests": [{"keyAccessObjects": [{"keyAccessObjectId": "kao-0", "keyAccessObject": e["keyAccess"][0]}],
        "policy": {"id": "policy", "body": e["policy"]}}]}
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
claims = {"requestBody": json.dumps(body), "iat": int(time.time()), "exp": int(time.time()) + 86400}
srt = b64(b'{"alg":"RS256"}') + "." + b64(json.dumps(claims).encode()) + ".c2ln"
open(out, "w").write(json.dumps({"signedRequestToken": srt}))
open(tok, "w").write(token)
status, answer = req("POST", "/kas.AccessService/Rewrap", json.dumps({"signedRequestToken": srt}), {"Content-Type": "application/json", **auth})
assert status == 200 and json.loads(answer)["responses"][0]["results"][0]["status"] == "permit", answer
PY
  cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $(cat "$work/$backend.token")"
wrk.body = io.open("$work/$backend.json"):read("*a")
LUA
  cat bench/wrk-report.lua >> "$work/post.lua"
  local line
  line=$(wrk -t"$(( clients < 2 ? 1 : 2 ))" -c"$clients" -d"${duration}s" -s "$work/post.lua" "$base/kas.AccessService/Rewrap" | grep '^RESULT')
  printf 'rewrap\t%s\tclients=%s\t%s\n' "$backend" "$clients" "${line#RESULT }"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then run sqlite; fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
  start_postgres
  db="pillar_kas_bench_$$"
  psql -q "$PILLAR_TEST_PG_URL" -c "CREATE DATABASE $db" >/dev/null
  "$pillar" audit new-key "$work/audit.key" >/dev/null
  PILLAR_AUDIT_KEY_FILE="$work/audit.key" run postgres --db "${PILLAR_TEST_PG_URL%/*}/$db"
fi
