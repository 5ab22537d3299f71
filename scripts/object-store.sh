# Shared by scripts/test.sh (sourced): a throwaway S3-compatible object store for the `s3`
# feature's tests. start_s3 installs moto's S3 server (PyPI, `moto[server]`) into a virtual
# environment when missing (kept in PILLAR_S3_VENV, default /var/tmp/pillar-moto-venv), starts it
# on a free loopback port, makes a bucket and exports PILLAR_TEST_S3_URL and the AWS_* variables
# Pillar reads; stop_s3 stops it. moto is an S3 emulator: no S3 server (MinIO, Garage, Ceph) is
# packaged for Debian or PyPI, so this checks Pillar's S3 client against the S3 protocol, not
# against a particular store.

start_s3() {
  local venv=${PILLAR_S3_VENV:-/var/tmp/pillar-moto-venv} port
  if [ ! -x "$venv/bin/moto_server" ]; then
    log "installing moto's S3 server from PyPI into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'moto[server]>=5,<6'
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  S3_LOG=$(mktemp /tmp/pillar-s3.XXXXXX)
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$S3_LOG" 2>&1 &
  S3_PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
  done
  export AWS_ENDPOINT="http://127.0.0.1:$port" AWS_ALLOW_HTTP=true AWS_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=pillar-test AWS_SECRET_ACCESS_KEY=pillar-test
  "$venv/bin/python" - <<'PY' || { cat "$S3_LOG" >&2; exit 1; }
import os, boto3
boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT"], region_name="us-east-1",
             aws_access_key_id="pillar-test", aws_secret_access_key="pillar-test").create_bucket(Bucket="pillar-test")
PY
  log "S3-compatible object store (moto) on 127.0.0.1:$port, bucket pillar-test"
  export PILLAR_TEST_S3_URL=s3://pillar-test
}

stop_s3() {
  if [ -n "${S3_PID:-}" ]; then
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
    rm -f "$S3_LOG"
  fi
}
