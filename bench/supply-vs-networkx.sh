#!/usr/bin/env bash
# Pillar's supply engine against NetworkX (installed from PyPI into a throwaway virtualenv) on
# the same generated networks: exposure propagation and dominators on the OR-only (sources)
# subgraph. First checks identical results on a small network, then times a larger one and
# prints the ratio.
#
# Usage: bench/supply-vs-networkx.sh [NODES]   (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-200000}
work=$(mktemp -d /tmp/pillar-nx.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv" >/dev/null
"$work/venv/bin/pip" install -q networkx >/dev/null
cargo build --release --quiet -p pillar
pillar=${CARGO_TARGET_DIR:-target}/release/pillar
for n in 3000 "$nodes"; do
  "$pillar" supply generate --nodes "$n" --seed 7 --out "$work/net-$n" >/dev/null
  "$pillar" supply analyze "$work/net-$n" --json --all-items > "$work/pillar-$n.json"
done
"$work/venv/bin/python" bench/supply_networkx.py "$work" 3000 "$nodes"
