#!/usr/bin/env bash
# Landscape benchmark: generate a synthetic corpus, ingest it (works/s), compute the indicators
# with DataFusion, and run the same SQL on the same Parquet with DuckDB (installed from PyPI
# into a virtual environment here). Results are checked identical on 100 000 works first.
#
#   bench/landscape.sh [WORKS]          # default 10000000
#
# PILLAR_BENCH_DIR keeps the corpora between runs (default /var/tmp/pillar-landscape-bench).
# PILLAR_BENCH_RUNS is how many times each engine runs the statements (default 3; the best
# counts). The 100 000-work check always runs three times.
set -euo pipefail
cd "$(dirname "$0")/.."
WORKS=${1:-10000000}
DIR=${PILLAR_BENCH_DIR:-/var/tmp/pillar-landscape-bench}
TARGET=${CARGO_TARGET_DIR:-target}
mkdir -p "$DIR"

cargo build --release -p pillar --quiet
PILLAR=$TARGET/release/pillar

if [ ! -x "$DIR/venv/bin/python" ]; then
  python3 -m venv "$DIR/venv"
  "$DIR/venv/bin/pip" install --quiet duckdb
fi

run() { # n runs verify?
  local n=$1 runs=$2 verify=${3:-}
  local corpus=$DIR/works-$n.jsonl.gz data=$DIR/data-$n
  if [ ! -f "$corpus" ]; then
    echo "== generating $n works"
    "$PILLAR" landscape generate --works "$n" --seed 1 --out "$corpus.tmp.gz"
    mv "$corpus.tmp.gz" "$corpus"
  fi
  echo "== ingest $n works ($(du -h "$corpus" | cut -f1) gzip)"
  rm -rf "$data"
  "$PILLAR" landscape ingest "$corpus" --out "$data" --json | tee "$DIR/ingest-$n.json"
  echo "== indicators: DataFusion (pillar landscape sql --run) and DuckDB (same SQL), $runs run(s) each"
  "$PILLAR" landscape sql --data "$data" > "$DIR/sql-$n.json"
  echo "[" > "$DIR/df-$n.json"
  for i in $(seq 1 "$runs"); do
    "$PILLAR" landscape sql --data "$data" --run >> "$DIR/df-$n.json"
    [ "$i" -lt "$runs" ] && echo "," >> "$DIR/df-$n.json"
  done
  echo "]" >> "$DIR/df-$n.json"
  PILLAR_BENCH_RUNS=$runs "$DIR/venv/bin/python" bench/landscape_duckdb.py \
    "$DIR/sql-$n.json" "$DIR/df-$n.json" "$data" $verify
  echo "== whole report (pillar landscape report --json)"
  local TIMEFORMAT="report: %R s wall"
  time "$PILLAR" landscape report --data "$data" --json > "$DIR/report-$n.json"
}

run 100000 3 --verify
if [ "$WORKS" != 100000 ]; then
  run "$WORKS" "${PILLAR_BENCH_RUNS:-3}"
fi
