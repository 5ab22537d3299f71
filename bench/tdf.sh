#!/usr/bin/env bash
# TDF encrypt and decrypt of one file (default 1 GiB of random bytes, PILLAR_TDF_BYTES), side by
# side in one run: Pillar's container (release build of crates/tdf/examples/tdf.rs: seal, then
# verify every assertion, unwrap, check every segment and decrypt), OpenSSL's own AES-256-GCM on
# one core (`openssl speed -evp aes-256-gcm -bytes 2097152`, the segment size), and otdf-python
# 0.11.0 on the same file (local keys, no KAS, its own reader). Each tool runs twice: file to
# /dev/null (the tool's own work: input from the page cache, nothing written) and file to file
# (which adds the machine's cost of writing 1 GiB of new pages, shown by `cp` of the same file).
# Pillar's runs to /dev/null and cp are the median of five. Peak memory from /usr/bin/time.
# Prints one line per run and the ratios.
#
#   bench/tdf.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bytes=${PILLAR_TDF_BYTES:-1073741824}
venv=${PILLAR_OTDF_VENV:-/var/tmp/pillar-otdf-venv}
[ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import otdf_python' 2>/dev/null || {
  python3 -m venv "$venv"; "$venv/bin/pip" install -q 'otdf-python==0.11.0'; }
cargo build --release -q -p pillar-tdf --example tdf
tdf=$(realpath "${CARGO_TARGET_DIR:-target}/release/examples/tdf")
work=$(mktemp -d /var/tmp/pillar-tdf-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
head -c "$bytes" /dev/urandom > "$work/plain"
"$tdf" keys "$work"

# OpenSSL on one core, 2 MiB blocks: bytes per second.
ossl=$(openssl speed -evp aes-256-gcm -bytes 2097152 -seconds 5 2>/dev/null | awk 'tolower($1) == "aes-256-gcm" {v=$NF} END {sub("k","",v); printf "%.0f\n", v*1000}')

run() { # [-n N] label command… → seconds (the median of N runs, default 1) and its peak RSS (KiB)
  local n=1; [ "$1" = -n ] && { n=$2; shift 2; }
  local label=$1; shift
  for _ in $(seq "$n"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null
    cat "$work/time" >> "$work/times"
  done
  read -r secs rss < <(sort -n "$work/times" | sed -n "$(( (n + 1) / 2 ))p")
  rm -f "$work/times"
  printf '%-40s %8.2f s  %9.1f MB/s  peak %7.1f MiB\n' "$label" "$secs" \
    "$(echo "$bytes / $secs / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)" >&2
  echo "$secs"
}

sync
p_enc=$(run -n 5 "pillar seal → /dev/null" "$tdf" seal "$work" "$work/plain" /dev/null)
"$tdf" seal "$work" "$work/plain" "$work/p.tdf"
p_dec=$(run -n 5 "pillar open → /dev/null" "$tdf" open "$work" "$work/p.tdf" /dev/null)
c_cp=$(run -n 5 "cp (the machine's write floor)" cp "$work/plain" "$work/copy")
rm -f "$work/copy" "$work/p.tdf"
pf_enc=$(run "pillar seal → file" "$tdf" seal "$work" "$work/plain" "$work/p.tdf")
pf_dec=$(run "pillar open → file" "$tdf" open "$work" "$work/p.tdf" "$work/p.out")
cmp -s "$work/plain" "$work/p.out" || { echo "tdf bench: pillar's round trip differs" >&2; exit 1; }
rm -f "$work/p.out" "$work/p.tdf"

cat > "$work/otdf.py" <<'PY'
import sys
from otdf_python.config import KASInfo, TDFConfig
from otdf_python.crypto_utils import CryptoUtils
from otdf_python.tdf import TDF, TDFReaderConfig
from cryptography.hazmat.primitives import serialization
mode, work, dest = sys.argv[1], sys.argv[2], sys.argv[3]
priv = serialization.load_pem_private_key(open(f"{work}/kas.pem", "rb").read(), None)
pub = priv.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
if mode == "enc":
    cfg = TDFConfig(kas_info_list=[KASInfo(url="http://localhost:8080/kas", public_key=pub, kid="k0001")])
    with open(f"{work}/plain", "rb") as src, open(dest, "wb") as out:
        TDF().create_tdf(src, cfg, out)
else:
    pem = open(f"{work}/kas.pem").read()
    r = TDF().load_tdf(open(f"{work}/o.tdf", "rb").read(), TDFReaderConfig(kas_private_key=pem))
    open(dest, "wb").write(r.payload)
PY
o_enc=$(run "otdf-python 0.11.0 encrypt → /dev/null" "$venv/bin/python" "$work/otdf.py" enc "$work" /dev/null)
of_enc=$(run "otdf-python 0.11.0 encrypt → file" "$venv/bin/python" "$work/otdf.py" enc "$work" "$work/o.tdf")
o_dec=$(run "otdf-python 0.11.0 decrypt → /dev/null" "$venv/bin/python" "$work/otdf.py" dec "$work" /dev/null)
of_dec=$(run "otdf-python 0.11.0 decrypt → file" "$venv/bin/python" "$work/otdf.py" dec "$work" "$work/o.out")
cmp -s "$work/plain" "$work/o.out" || { echo "tdf bench: otdf-python's round trip differs" >&2; exit 1; }

printf '%-40s %8.2f s  %9.1f MB/s\n' "openssl speed aes-256-gcm (1 core)" \
  "$(echo "$bytes / $ossl" | bc -l)" "$(echo "$ossl / 1000000" | bc -l)" >&2
r() { echo "$1" | bc -l | cut -c1-5; }
echo "ratios to openssl speed (goal >= 0.8): seal $(r "($bytes / $p_enc) / $ossl"), open $(r "($bytes / $p_dec) / $ossl") to /dev/null;" \
  "seal $(r "($bytes / $pf_enc) / $ossl"), open $(r "($bytes / $pf_dec) / $ossl") file to file (cp alone: $(r "($bytes / $c_cp) / $ossl"))" >&2
echo "pillar vs otdf-python (goal >= 5x): to /dev/null encrypt $(r "$o_enc / $p_enc")x, decrypt $(r "$o_dec / $p_dec")x;" \
  "file to file encrypt $(r "$of_enc / $pf_enc")x, decrypt $(r "$of_dec / $pf_dec")x" >&2
