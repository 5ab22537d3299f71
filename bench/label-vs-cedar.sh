#!/usr/bin/env bash
# Pillar's label ACDF against Cedar (cedar-policy from crates.io) on the same releasability
# policy and the same 100 000 random requests: checks identical decisions, prints the ratio.
set -euo pipefail
cd "$(dirname "$0")/label-vs-cedar"
cargo run --release --quiet -- "${1:-100000}"
