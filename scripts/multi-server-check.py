#!/usr/bin/env python3
"""The checks of scripts/multi-server.sh: two Pillar servers over one PostgreSQL database,
behind HAProxy. Standard library only. Exits non-zero, naming the check, on the first failure."""

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

PASSWORD = "pillar-demo-multi"


def fail(what):
    sys.exit(f"multi-server: FAILED: {what}")


def ok(what):
    print(f"  ok  {what}", flush=True)


class Client:
    """One browser: a cookie jar, against one base URL (the balancer or a server)."""

    def __init__(self, base, cookies=None, forwarded_for=None):
        self.base = urllib.parse.urlsplit(base)
        self.cookies = dict(cookies or {})
        self.forwarded_for = forwarded_for

    def at(self, base):
        return Client(base, self.cookies, self.forwarded_for)

    def request(self, method, path, body=None, headers=None, timeout=60, pace=None):
        """`pace`: send the body 64 KiB at a time, that many seconds apart (a slow client)."""
        conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=timeout)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            h["X-Forwarded-For"] = self.forwarded_for
        try:
            if pace is None:
                conn.request(method, path, body=body, headers=h)
            else:
                conn.putrequest(method, path)
                h["Content-Length"] = str(len(body))
                for k, v in h.items():
                    conn.putheader(k, v)
                conn.endheaders()
                for at in range(0, len(body), 65536):
                    conn.send(body[at : at + 65536])
                    time.sleep(pace)
            res = conn.getresponse()
            data = res.read()
        finally:
            conn.close()
        for k, v in res.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return res.status, dict((k.lower(), v) for k, v in res.getheaders()), data

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def csrf(self, path):
        status, _, body = self.get(path)
        if status != 200:
            fail(f"GET {path}: {status}")
        m = re.search(rb'name="csrf" value="([^"]+)"', body)
        if not m:
            fail(f"no CSRF token on {path}")
        return m.group(1).decode()

    def sign_in(self, user, password=PASSWORD):
        token = self.csrf("/login")
        form = urllib.parse.urlencode({"csrf": token, "user": user, "password": password})
        status, headers, _ = self.request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        return status, headers

    def upload(self, title, content, filename="annex.txt", timeout=60, pace=None):
        token = self.csrf("/documents")
        boundary = "pillarmulti%016x" % random.getrandbits(64)
        parts = []
        for name, value in (("csrf", token), ("title", title)):
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: text/plain\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        status, headers, body = self.request(
            "POST",
            "/documents",
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
            timeout=timeout,
            pace=pace,
        )
        if status != 303:
            return None, status, body
        return headers["location"].rsplit("/", 1)[1], status, body


def psql(db, sql):
    out = subprocess.run(
        ["psql", "-qAtX", db, "-c", sql], check=True, capture_output=True, text=True
    ).stdout
    return out.strip()


def audit_verify(pillar, data_dir, db):
    run = subprocess.run(
        [pillar, "--data-dir", data_dir, "--db", db, "audit", "verify", "--json"],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        fail(f"audit verify from {data_dir}: exit {run.returncode}: {run.stdout}{run.stderr}")
    return json.loads(run.stdout)


def nothing_half_stored(db, when):
    missing = psql(
        db,
        "SELECT COUNT(*) FROM document_versions v WHERE NOT EXISTS "
        "(SELECT 1 FROM blobs b WHERE b.sha256 = v.sha256)",
    )
    if missing != "0":
        fail(f"{when}: {missing} document version(s) without their content")
    orphans = psql(
        db,
        "SELECT COUNT(DISTINCT sha256) FROM blob_chunks c WHERE NOT EXISTS "
        "(SELECT 1 FROM blobs b WHERE b.sha256 = c.sha256)",
    )
    if orphans != "0":
        fail(f"{when}: {orphans} content(s) stored in part")
    short = psql(
        db,
        "SELECT COUNT(*) FROM blobs b WHERE b.chunks <> (SELECT COUNT(*) FROM blob_chunks c "
        "WHERE c.sha256 = b.sha256) OR b.size <> (SELECT COALESCE(SUM(length(bytes)), 0) "
        "FROM blob_chunks c WHERE c.sha256 = b.sha256)",
    )
    if short != "0":
        fail(f"{when}: {short} content(s) whose chunks do not add up")
    undocumented = psql(
        db,
        "SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM audit a "
        "WHERE a.object = 'document:' || d.id AND a.action = 'create')",
    )
    if undocumented != "0":
        fail(f"{when}: {undocumented} document(s) without their audit entry")


def start_server(args, name, port):
    log = open(os.path.join(args.work, name, "serve.log"), "a")
    p = subprocess.Popen(
        [args.pillar, "--data-dir", os.path.join(args.work, name), "--listen", f"127.0.0.1:{port}", "serve"],
        stdout=log,
        stderr=log,
    )
    with open(os.path.join(args.work, name, "pid"), "w") as f:
        f.write(f"{p.pid}\n")
    for _ in range(300):
        try:
            if Client(f"http://127.0.0.1:{port}").get("/healthz", timeout=2)[0] == 200:
                return p
        except OSError:
            pass
        if p.poll() is not None:
            fail(f"server {name} did not start again (exit {p.returncode})")
        time.sleep(0.1)
    fail(f"server {name} did not answer")


def both_in_rotation(lb):
    """Waits until the balancer sends requests to both servers again (after a restart, its
    health checks take a moment to bring a server back)."""
    seen = set()
    for _ in range(200):
        try:
            status, headers, _ = Client(lb).get("/healthz", timeout=2)
            if status == 200:
                seen.add(headers.get("x-pillar-server"))
        except OSError:
            pass
        if seen == {"a", "b"}:
            return
        time.sleep(0.05)
    fail(f"the balancer does not send requests to both servers (only {seen})")


def main():
    ap = argparse.ArgumentParser()
    for a in ("pillar", "work", "db", "lb", "a", "b"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    servers = {"a": args.a, "b": args.b}

    # 1. A session made through the balancer is used on both servers.
    c = Client(args.lb)
    status, headers = c.sign_in("us-secretariat")
    if status != 303 or "pillar_session" not in c.cookies:
        fail(f"sign-in through the balancer: {status}")
    seen = set()
    for _ in range(10):
        status, headers, body = c.get("/api/documents")
        if status != 200:
            fail(f"GET /api/documents through the balancer with the session: {status}")
        seen.add(headers.get("x-pillar-server"))
    if seen != {"a", "b"}:
        fail(f"the balancer sent the session's requests to {seen}, not to both servers")
    for name, base in servers.items():
        if c.at(base).get("/api/documents")[0] != 200:
            fail(f"the session does not work on server {name}")
    ok("a session made through the balancer is used on both servers")

    # 2. Uploaded on one, downloaded and found by search on the other.
    word = "multiserver%06d" % random.randrange(10**6)
    content = (f"Annex of the quantum working group, {word}.\n" * 40000).encode()  # 2.2 MB
    doc, status, body = c.at(args.a).upload(f"Annex {word}", content)
    if not doc:
        fail(f"upload on server a: {status} {body[:300]!r}")
    status, headers, got = c.at(args.b).get(f"/documents/{doc}/download")
    if status != 200 or got != content:
        fail(f"download on server b of what a stored: {status}, {len(got)} of {len(content)} bytes")
    status, _, body = c.at(args.b).get(f"/api/documents?q={word}")
    if status != 200 or doc.encode() not in body:
        fail(f"search on server b for what a stored: {status} {body[:300]!r}")
    ok(f"uploaded on a ({len(content)} bytes), downloaded whole and found by search on b")

    # 3. Concurrent activity on both, then one audit chain that both data directories verify.
    errors = []

    def activity(base, n):
        me = c.at(base)
        try:
            for i in range(n):
                d, status, _ = me.upload(f"Busy {base[-5:]} {i}", os.urandom(2000).hex().encode())
                if not d:
                    errors.append(f"upload on {base}: {status}")
                if me.get(f"/documents/{d}")[0] != 200:
                    errors.append(f"read on {base}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"{base}: {e}")

    threads = [threading.Thread(target=activity, args=(base, 8)) for base in (args.a, args.b) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        fail(f"concurrent activity: {errors[:5]}")
    verdicts = [audit_verify(args.pillar, os.path.join(args.work, n), args.db) for n in ("a", "b")]
    if not all(v["ok"] for v in verdicts) or verdicts[0]["entries"] != verdicts[1]["entries"]:
        fail(f"audit verify after concurrent activity: {verdicts}")
    ok(f"48 uploads and reads on both at once: one audit chain of {verdicts[0]['entries']} entries, intact from either server")

    # 4. One server killed in the middle of uploads; the other keeps serving through the
    # balancer; nothing is half-stored; the killed server starts again on the same chain.
    pid_file = os.path.join(args.work, "a", "pid")
    port_a = urllib.parse.urlsplit(args.a).port
    served, refused = [0], []
    stop = threading.Event()

    def reader():
        me = Client(args.lb, c.cookies)
        while not stop.is_set():
            try:
                status = me.get("/api/documents")[0]
            except OSError as e:
                status = str(e)
            if status == 200:
                served[0] += 1
            else:
                refused.append(status)
            time.sleep(0.02)

    answered = cut = 0
    for kill in range(3):
        r = threading.Thread(target=reader)
        r.start()
        uploads = []

        def big_upload(i):
            try:
                # One small upload that usually completes before the kill, a large one that
                # may be anywhere (receiving, storing, committing) when it comes, and a large
                # one sent slowly (about 3 s) that is surely still arriving.
                size = 200_000 if i == 0 else 6 << 20
                body = os.urandom(size // 2).hex().encode()
                pace = 0.03 if i == 2 else None
                uploads.append(
                    c.at(args.a).upload(f"Interrupted {kill}-{i}", body, timeout=30, pace=pace)[0]
                )
            except OSError:
                uploads.append(None)

        up = [threading.Thread(target=big_upload, args=(i,)) for i in range(3)]
        for t in up:
            t.start()
        time.sleep(random.uniform(0.2, 1.5))
        os.kill(int(open(pid_file).read()), signal.SIGKILL)
        for t in up:
            t.join()
        time.sleep(1.0)  # the balancer notices and keeps to b
        stop.set()
        r.join()
        stop.clear()
        answered += sum(1 for d in uploads if d)
        cut += sum(1 for d in uploads if not d)
        nothing_half_stored(args.db, f"kill {kill + 1}")
        for d in uploads:
            if d and c.at(args.b).get(f"/documents/{d}/download")[0] != 200:
                fail(f"kill {kill + 1}: document {d}, whose upload was answered, cannot be downloaded from b")
        start_server(args, "a", port_a)
        both_in_rotation(args.lb)
    if cut == 0:
        fail("no upload was cut by the kills: they did not happen in the middle of uploads")
    if refused:
        fail(f"the balancer answered {len(refused)} of {served[0] + len(refused)} reads with an error while a server was killed: {refused[:5]}")
    for n in ("a", "b"):
        v = audit_verify(args.pillar, os.path.join(args.work, n), args.db)
        if not v["ok"]:
            fail(f"audit verify from {n} after the kills: {v}")
    ok(f"server a killed 3 times in the middle of uploads of 0.2 and 6 MB ({cut} cut, {answered} answered): {served[0]} reads through the balancer all answered, nothing half-stored, a started again on the intact chain")

    # 5. Sign-in throttling is counted once across both servers (the balancer is the trusted
    # proxy, so the client's own address is counted, here a documentation address).
    t = Client(args.lb, forwarded_for="192.0.2.77")
    servers_seen = set()
    for i in range(5):
        if i % 2:
            t.get("/healthz")  # round robin: the next sign-in's form post lands on the other server
        status, headers = t.sign_in("kr-pm", "not the password at all")
        servers_seen.add(headers.get("x-pillar-server"))
        if "pillar_session" in t.cookies:
            fail("a wrong password signed in")
    if servers_seen != {"a", "b"}:
        fail(f"the failed sign-ins went to {servers_seen}, not to both servers")
    status, headers = t.sign_in("kr-pm")
    if "pillar_session" in t.cookies:
        fail("five failures split over two servers did not throttle the sixth sign-in (counted per server?)")
    other = Client(args.lb, forwarded_for="192.0.2.78")
    other.sign_in("jp-observer")
    if "pillar_session" not in other.cookies:
        fail("another client and account were throttled too")
    ok("5 failed sign-ins spread over a and b throttle the 6th, wherever it lands")

    print("multi-server: all checks passed", flush=True)


if __name__ == "__main__":
    main()
