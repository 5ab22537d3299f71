#!/usr/bin/env bash
# Runs every Pillar test on a fresh Debian machine: formatting, lints, unit, repository suite on
# SQLite and on a real PostgreSQL, black-box CLI and HTTP tests, browser tests (Chromium from
# Debian packages, installed when missing) and label conformance.
#
# PostgreSQL: when PILLAR_TEST_PG_URL is set, that server is used. Otherwise the Debian package is
# installed if missing, and a throwaway cluster is started in a temporary directory on a free
# loopback port, then stopped and removed when the tests end.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/postgres.sh
. scripts/postgres.sh
# shellcheck source=scripts/object-store.sh
. scripts/object-store.sh
trap 'stop_postgres; stop_s3' EXIT

if [ -z "${PILLAR_TEST_PG_URL:-}" ]; then
  start_postgres
fi

if [ -z "${PILLAR_CONFORMANCE_DIR:-}" ] && [ -d ../shared/conformance ]; then
  PILLAR_CONFORMANCE_DIR=$(cd ../shared/conformance && pwd)
  export PILLAR_CONFORMANCE_DIR
fi
if [ -n "${PILLAR_CONFORMANCE_DIR:-}" ] && [ ! -f "$PILLAR_CONFORMANCE_DIR/spiffing/tests.xml" ]; then
  echo "test.sh: PILLAR_CONFORMANCE_DIR=$PILLAR_CONFORMANCE_DIR holds no spiffing/tests.xml" >&2
  exit 1
fi
if [ -z "${PILLAR_CONFORMANCE_DIR:-}" ] && [ -n "${CI:-}" ]; then
  echo "test.sh: no conformance data (../shared/conformance or PILLAR_CONFORMANCE_DIR) and CI is set" >&2
  exit 1
fi
# Real OpenAlex records (../shared/data/openalex-real): the landscape ingest reads them.
if [ -z "${PILLAR_OPENALEX_REAL:-}" ] && [ -f ../shared/data/openalex-real/works.jsonl.gz ]; then
  PILLAR_OPENALEX_REAL=$(cd ../shared/data/openalex-real && pwd)
  export PILLAR_OPENALEX_REAL
fi
if [ -z "${PILLAR_OPENALEX_REAL:-}" ] && [ -n "${CI:-}" ]; then
  echo "test.sh: no real OpenAlex records (../shared/data/openalex-real or PILLAR_OPENALEX_REAL) and CI is set" >&2
  exit 1
fi
ran=()

# curl drives the crash loop and waits for the browser tests' server.
if ! command -v curl >/dev/null 2>&1; then
  log "installing curl from Debian packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl >/dev/null \
    || { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl >/dev/null; }
fi

# Ballista (the landscape's cluster mode) and the S3 object store for document contents are
# built and tested too; the same features everywhere so that nothing is compiled twice.
export PILLAR_FEATURES="--features pillar/ballista,pillar/s3"

if [ -z "${PILLAR_TEST_S3_URL:-}" ]; then
  start_s3
fi

log "cargo fmt --check"
cargo fmt --all -- --check
ran+=("formatting")

log "cargo clippy -D warnings"
cargo clippy --workspace --all-targets $PILLAR_FEATURES --quiet -- -D warnings
ran+=("lints")

log "cargo test (SQLite and PostgreSQL at ${PILLAR_TEST_PG_URL})"
cargo test --workspace $PILLAR_FEATURES --quiet
ran+=("unit, property, repository (SQLite and PostgreSQL), CLI and HTTP tests")

log "crash loop: kill -9 during uploads and imports, nothing half-written"
./scripts/crash-loop.sh 5 "${CARGO_TARGET_DIR:-target}/debug/pillar"
ran+=("crash loop (5 kills)")

log "two servers over one PostgreSQL database behind HAProxy"
./scripts/multi-server.sh "${CARGO_TARGET_DIR:-target}/debug/pillar"
ran+=("two servers behind HAProxy (one session, shared contents, one audit chain, kill -9, throttling)")

log "TDF interoperability: otdf-python 0.11.0 against pillar serve's key access service"
./scripts/tdf-interop.sh "${CARGO_TARGET_DIR:-target}/debug/pillar"
ran+=("TDF interoperability (otdf-python: Pillar's TDFs decrypted or refused by label, its TDFs read by Pillar, tampering, withdrawal)")

log "hostile client: schemathesis against /api/openapi.json, as a reader and as a writer"
./scripts/hostile-client.sh 30 "${CARGO_TARGET_DIR:-target}/debug/pillar"
ran+=("hostile client (schemathesis, 2 personas)")

log "browser tests (Debian's Chromium driven by playwright-core)"
./scripts/e2e.sh
ran+=("browser tests")

if [ -n "${PILLAR_CONFORMANCE_DIR:-}" ]; then
  log "label conformance (spiffing suite, ACME table), with its report"
  cargo test -p pillar-label --test conformance --quiet -- --nocapture
  ran+=("label conformance")
else
  log "label conformance SKIPPED: no ../shared/conformance and no PILLAR_CONFORMANCE_DIR"
fi

log "all tests passed; suites run:"
printf '  - %s\n' "${ran[@]}" >&2
