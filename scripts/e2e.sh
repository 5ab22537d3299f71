#!/usr/bin/env bash
# Browser tests: installs Debian's Chromium and playwright-core when missing, starts
# `pillar serve --demo` on a free loopback port with a throwaway data directory, runs e2e/,
# and stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Chromium from Debian packages" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
    || { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
fi
# pdftotext (Debian's poppler-utils), to read back what the minutes print.
if ! command -v pdftotext >/dev/null; then
  echo "== installing poppler-utils from Debian packages" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils >/dev/null \
    || { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils >/dev/null; }
fi
# A Korean font, so that screenshots show real glyphs (Debian's Noto CJK).
if ! fc-list :lang=ko 2>/dev/null | grep -q .; then
  echo "== installing a Korean font from Debian packages" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null \
    || { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null; } \
    || echo "   (no Korean font: Korean screenshots will show boxes)" >&2
fi
(cd e2e && npm ci --no-audit --no-fund --silent)

cargo build --quiet -p pillar ${PILLAR_FEATURES:-}
pillar="${CARGO_TARGET_DIR:-target}/debug/pillar"
data=$(mktemp -d /tmp/pillar-e2e.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PILLAR_DATA_DIR="$data" PILLAR_LOG=warn "$pillar" serve --demo --listen "127.0.0.1:$port" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
# Screenshots of the main pages (1280 and 390 px, English and Korean) are kept under target/.
shots="$PWD/target/screenshots"
(cd e2e && PILLAR_SHOTS="$shots" PILLAR_E2E_URL="http://127.0.0.1:$port" node --test run.mjs)
