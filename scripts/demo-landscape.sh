#!/usr/bin/env bash
# Writes crates/store/data/demo/landscapes.json, the demo's technology-landscape analyses: a
# synthetic corpus (pillar landscape generate, fixed seed) ingested and analysed with the shipped
# areas, published twice — once unclassified for the whole coalition, once restricted to the
# AUKUS partners (SECRET, releasable to USA, AUS, GBR) to show that analyses carry labels.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo build --quiet -p pillar
pillar=${CARGO_TARGET_DIR:-target}/debug/pillar
"$pillar" landscape generate --works 40000 --seed 2026 --out "$tmp/works.jsonl.gz"
"$pillar" landscape ingest "$tmp/works.jsonl.gz" --out "$tmp/data"
"$pillar" landscape publish --data "$tmp/data" --dry-run --id pillar2-open \
  --name "Pillar 2 and critical technologies, synthetic corpus (demo)" \
  --label '{"policy":{"name":"PILLAR COALITION"},"classification":"UNCLASSIFIED"}' > "$tmp/open.json"
"$pillar" landscape publish --data "$tmp/data" --dry-run --id aukus-restricted --from 2020 \
  --name "AUKUS partners' view since 2020, synthetic corpus (demo)" \
  --label '{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"},{"generic":"AUS"},{"generic":"GBR"}]}]}' \
  --partners-for USA,AUS,GBR > "$tmp/restricted.json"
python3 - "$tmp/open.json" "$tmp/restricted.json" > crates/store/data/demo/landscapes.json <<'PY'
import json, sys
records = [json.load(open(p)) for p in sys.argv[1:]]
json.dump({"landscapes": records}, sys.stdout, separators=(",", ":"))
print()
PY
echo "wrote crates/store/data/demo/landscapes.json ($(wc -c < crates/store/data/demo/landscapes.json) bytes)"
