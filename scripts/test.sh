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
trap stop_postgres EXIT

if [ -z "${PILLAR_TEST_PG_URL:-}" ]; then
  start_postgres
fi

if [ -z "${PILLAR_CONFORMANCE_DIR:-}" ] && [ -d ../shared/conformance ]; then
  PILLAR_CONFORMANCE_DIR=$(cd ../shared/conformance && pwd)
  export PILLAR_CONFORMANCE_DIR
fi

# Ballista (the landscape's cluster mode) is built and tested too; the same features everywhere
# so that nothing is compiled twice.
export PILLAR_FEATURES="--features pillar/ballista"

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy -D warnings"
cargo clippy --workspace --all-targets $PILLAR_FEATURES --quiet -- -D warnings

log "cargo test (SQLite and PostgreSQL at ${PILLAR_TEST_PG_URL})"
cargo test --workspace $PILLAR_FEATURES --quiet

log "browser tests (Debian's Chromium driven by playwright-core)"
./scripts/e2e.sh

log "label conformance (spiffing suite, ACME table), with its report"
cargo test -p pillar-label --test conformance --quiet -- --nocapture

log "all tests passed"
