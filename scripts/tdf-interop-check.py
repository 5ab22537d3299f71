"""TDF interoperability with a real OpenTDF client (otdf-python), against a running `pillar serve`.

Run by scripts/tdf-interop.sh with the venv's Python:  tdf-interop-check.py BASE PILLAR DATA_DIR

Checks, each named as it passes:
  - a TDF Pillar makes for a document is decrypted by otdf-python signed in (client credentials:
    person id + API token, through Pillar's token endpoint) as each persona who may read the
    document, to identical bytes; each persona who may not (another nation, a lower clearance)
    is refused;
  - `pillar tdf decrypt --server` (Pillar's own client, an API token) gets the same answers;
  - a TDF otdf-python makes with Pillar's KAS and Pillar's attribute URIs is read by Pillar
    (`pillar tdf inspect`, `pillar tdf decrypt`) and decrypted by otdf-python for a permitted
    persona; one with no attribute under Pillar's authority is refused to everyone;
  - tampering with the policy or the binding of a Pillar TDF makes the rewrap fail; tampering
    with its assertion leaves the decision unchanged (the KAS decides on its own record) and
    Pillar's reader names the altered assertion;
  - after the document is withdrawn its earlier TDF is refused.
"""

import base64
import logging
import http.client
import io
import json
import os
import random
import re
import subprocess
import sys
import urllib.parse
import zipfile

BASE, PILLAR, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
# otdf-python logs each refused rewrap as an error; refusals are expected here.
logging.disable(logging.CRITICAL)
PASSWORD = "pillar-demo"
PERSONAS = ["us-secretariat", "kr-pm", "au-liaison", "jp-observer", "gb-tech-analyst", "ca-admin"]


def fail(what):
    sys.exit(f"tdf-interop: FAILED: {what}")


def ok(what):
    print(f"  ok  {what}", flush=True)


class Client:
    def __init__(self):
        self.base = urllib.parse.urlsplit(BASE)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=60)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        data = res.read()
        conn.close()
        for k, v in res.getheaders():
            if k.lower() == "location":
                self.location = v
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return res.status, data

    def csrf(self, path):
        status, body = self.request("GET", path)
        m = re.search(rb'name="csrf" value="([^"]+)"', body)
        if status != 200 or not m:
            fail(f"no CSRF token on {path} ({status})")
        return m.group(1).decode()

    def sign_in(self, user):
        token = self.csrf("/login")
        form = urllib.parse.urlencode({"csrf": token, "user": user, "password": PASSWORD})
        status, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303:
            fail(f"sign-in of {user}: {status}")

    def upload(self, title, content, filename):
        """Uploads a file through the documents form: (new document id or None, status, body)."""
        token = self.csrf("/documents")
        boundary = "pillartdf%016x" % random.getrandbits(64)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n'.encode()
            for n, v in (("csrf", token), ("title", title))
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: application/zip\r\n\r\n".encode() + content + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        status, body = self.request(
            "POST", "/documents", b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        if status != 303:
            return None, status, body
        return self.location.rsplit("/", 1)[1], status, body

    def api_token(self):
        status, body = self.request(
            "POST",
            "/api/tokens",
            json.dumps({"name": "tdf interop"}),
            {"Content-Type": "application/json", "X-CSRF-Token": self.csrf("/tokens")},
        )
        if status not in (200, 201):
            fail(f"token: {status} {body[:200]!r}")
        return json.loads(body)["token"]


def bearer(token, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port, timeout=60)
    h = {"Authorization": f"Bearer {token}", **(headers or {})}
    conn.request(method, path, body=body, headers=h)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, data


def sdk(person, token):
    from otdf_python.sdk_builder import SDKBuilder

    return (
        SDKBuilder.new_builder()
        .set_platform_endpoint(BASE)
        .use_insecure_plaintext_connection(True)
        .client_secret(person, token)
        .build()
    )


def otdf_decrypt(person, token, tdf):
    """The plaintext, or None when the KAS refuses."""
    s = sdk(person, token)
    try:
        return s.load_tdf(tdf).payload
    except Exception as e:  # the SDK raises on a refused rewrap
        if "Unable to unwrap" in str(e) or "forbidden" in str(e) or "rewrap" in str(e).lower():
            return None
        raise


def pillar(*args, check=True):
    r = subprocess.run([PILLAR, "--data-dir", DATA, "--demo", "--public-url", BASE, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        fail(f"pillar {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def rezip(tdf, change):
    """The TDF with its manifest changed by `change(dict)` (entries re-stored in order)."""
    z = zipfile.ZipFile(io.BytesIO(tdf))
    payload = z.read("0.payload")
    manifest = json.loads(z.read("0.manifest.json"))
    change(manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as w:
        w.writestr("0.payload", payload)
        w.writestr("0.manifest.json", json.dumps(manifest))
    return out.getvalue()


def main():
    tokens = {}
    for p in PERSONAS:
        c = Client()
        c.sign_in(p)
        tokens[p] = c.api_token()
    ok(f"API tokens for {len(tokens)} personas")

    # A document the secretariat reads and that some personas may not.
    status, body = bearer(tokens["us-secretariat"], "GET", "/api/documents?limit=100")
    if status != 200:
        fail(f"/api/documents: {status}")
    docs = json.loads(body)["items"]
    chosen = None
    for d in docs:
        readers = {p: bearer(tokens[p], "GET", f"/documents/{d['id']}/download")[0] == 200 for p in PERSONAS}
        if sum(readers.values()) >= 2 and not all(readers.values()):
            chosen = (d, readers)
            break
    if chosen is None:
        fail("no demo document that some personas read and some may not")
    doc, readers = chosen
    _, plain = bearer(tokens["us-secretariat"], "GET", f"/documents/{doc['id']}/download")
    status, tdf = bearer(tokens["us-secretariat"], "GET", f"/documents/{doc['id']}/tdf")
    if status != 200 or tdf[:2] != b"PK":
        fail(f"download as TDF: {status}")
    ok(f"document {doc['id']} as a TDF ({len(tdf)} bytes); readers {sorted(p for p, r in readers.items() if r)}")

    for p, may in readers.items():
        got = otdf_decrypt(p, tokens[p], tdf)
        if may and got != plain:
            fail(f"{p} may read {doc['id']} but otdf-python got {None if got is None else len(got)} bytes")
        if not may and got is not None:
            fail(f"{p} may not read {doc['id']} yet otdf-python decrypted it")
        ok(f"otdf-python as {p}: {'identical bytes' if may else 'refused'}")

    reader = next(p for p, r in readers.items() if r)
    refused = next(p for p, r in readers.items() if not r)

    # Pillar's own client through the server's key access service (`--server`, an API token).
    path = f"{DATA}/document.tdf"
    open(path, "wb").write(tdf)
    pillar("tdf", "decrypt", path, "-o", f"{DATA}/document.out", "--server", BASE, "--token", tokens[reader])
    if open(f"{DATA}/document.out", "rb").read() != plain:
        fail(f"pillar tdf decrypt --server as {reader}: other bytes")
    r = pillar("tdf", "decrypt", path, "-o", f"{DATA}/refused.out", "--server", BASE, "--token", tokens[refused], check=False)
    if r.returncode != 1 or os.path.exists(f"{DATA}/refused.out"):
        fail(f"pillar tdf decrypt --server as {refused}: exit {r.returncode}, {r.stderr.strip()}")
    ok(f"pillar tdf decrypt --server: {reader} gets identical bytes, {refused} is refused (exit 1, nothing written)")

    # Tampering: the policy (a persona's nation added to dissem), the binding.
    def widen(m):
        pol = json.loads(base64.b64decode(m["encryptionInformation"]["policy"]))
        pol["body"]["dissem"] = (pol["body"].get("dissem") or []) + ["JPN", "GBR", "CAN"]
        m["encryptionInformation"]["policy"] = base64.b64encode(json.dumps(pol).encode()).decode()

    def rebind(m):
        m["encryptionInformation"]["keyAccess"][0]["policyBinding"]["hash"] = base64.b64encode(b"0" * 64).decode()

    for name, change in (("policy", widen), ("binding", rebind)):
        if otdf_decrypt(reader, tokens[reader], rezip(tdf, change)) is not None:
            fail(f"a TDF with an altered {name} was decrypted")
        ok(f"altered {name}: the rewrap fails, even for {reader}")

    def relabel(m):
        a = m["assertions"][0]
        a["statement"]["value"] = a["statement"]["value"].replace("SECRET", "UNCLASSIFIED")

    altered = rezip(tdf, relabel)
    if otdf_decrypt(refused, tokens[refused], altered) is not None:
        fail("an altered assertion changed the decision")
    path = f"{DATA}/altered-assertion.tdf"
    open(path, "wb").write(altered)
    r = pillar("tdf", "inspect", path, "--json", check=False)
    if r.returncode != 2 or "assertions[0]" not in r.stdout + r.stderr:
        fail(f"pillar tdf inspect of an altered assertion: exit {r.returncode}: {r.stdout[-300:]} {r.stderr[-300:]}")
    ok("altered assertion: the decision is unchanged and `pillar tdf inspect` names it (exit 2)")

    # A TDF otdf-python makes, with Pillar's attribute URIs, read by Pillar.
    from otdf_python.config import KASInfo, TDFConfig

    status, body = bearer(tokens["us-secretariat"], "GET", "/.well-known/opentdf-configuration")
    authority = json.loads(body)["configuration"]["attribute_authority"]
    # The label of the chosen document, as attributes (from Pillar's own TDF of it).
    pol = json.loads(base64.b64decode(json.loads(zipfile.ZipFile(io.BytesIO(tdf)).read("0.manifest.json"))["encryptionInformation"]["policy"]))
    attrs = [a["attribute"] for a in pol["body"]["dataAttributes"]]
    if not all(a.startswith(authority) for a in attrs):
        fail(f"attributes not under {authority}: {attrs}")
    s = sdk(reader, tokens[reader])
    secret = b"made by otdf-python \xf0\x9f\x94\x92 " * 1000
    cfg = TDFConfig(kas_info_list=[KASInfo(url=f"{BASE}/kas")], attributes=attrs)
    out = io.BytesIO()
    s.create_tdf(io.BytesIO(secret), cfg, output_stream=out)
    foreign = out.getvalue()
    path = f"{DATA}/foreign.tdf"
    open(path, "wb").write(foreign)
    r = pillar("tdf", "inspect", path, "--json")
    info = json.loads(r.stdout)
    if not info["intact"] or not info["marking"]["en"]:
        fail(f"pillar tdf inspect of otdf-python's TDF: {info}")
    ok(f"pillar tdf inspect reads otdf-python's TDF: {info['marking']['en']} / {info['marking']['ko']}")
    pillar("tdf", "decrypt", path, "-o", f"{DATA}/foreign.out")
    if open(f"{DATA}/foreign.out", "rb").read() != secret:
        fail("pillar tdf decrypt of otdf-python's TDF: other bytes")
    ok("pillar tdf decrypt of otdf-python's TDF: identical bytes")
    if otdf_decrypt(reader, tokens[reader], foreign) != secret:
        fail(f"otdf-python as {reader} could not decrypt its own TDF through Pillar's KAS")
    if otdf_decrypt(refused, tokens[refused], foreign) is not None:
        fail(f"otdf-python as {refused} decrypted a TDF whose attributes exclude them")
    ok(f"otdf-python's TDF through Pillar's decision: {reader} decrypts, {refused} is refused")
    # Uploaded through the documents form, the TDF becomes a document under its label, its
    # content obtained through the KAS decision for the uploader.
    c = Client()
    c.sign_in(reader)
    new_id, status, body = c.upload("Imported from a TDF", foreign, "made-by-otdf.txt.tdf")
    if new_id is None:
        fail(f"upload of otdf-python's TDF as {reader}: {status} {body[:300]!r}")
    status, got = bearer(tokens[reader], "GET", f"/documents/{new_id}/download")
    if status != 200 or got != secret:
        fail(f"the imported document's content: {status}, {len(got)} bytes")
    status, _ = bearer(tokens[refused], "GET", f"/documents/{new_id}")
    if status != 404:
        fail(f"{refused} sees the imported document ({status})")
    c = Client()
    c.sign_in(refused)
    new_id, status, body = c.upload("Not mine to import", foreign, "made-by-otdf.txt.tdf")
    if new_id is not None or status != 400 or b"refuses you its key" not in body:
        fail(f"upload of a TDF the uploader may not open: {status} {body[:300]!r}")
    ok(f"uploading the TDF imports it for {reader} under its label (identical content); {refused} is refused")
    cfg = TDFConfig(kas_info_list=[KASInfo(url=f"{BASE}/kas")], attributes=["https://elsewhere.example/attr/x/value/y"])
    out = io.BytesIO()
    s.create_tdf(io.BytesIO(b"no label"), cfg, output_stream=out)
    if otdf_decrypt(reader, tokens[reader], out.getvalue()) is not None:
        fail("a policy that yields no label was decrypted")
    ok("a policy with no attribute under Pillar's authority is refused")

    # Withdrawn: the earlier TDF is refused.
    # By whichever reader keeps it (stewardship: the originating nation).
    withdrawn = False
    for p in (p for p, r in readers.items() if r):
        keeper = Client()
        keeper.sign_in(p)
        csrf = keeper.csrf(f"/documents/{doc['id']}")
        status, body = keeper.request(
            "POST",
            f"/documents/{doc['id']}/withdraw",
            urllib.parse.urlencode({"csrf": csrf, "reason": "superseded (TDF interop test)"}),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status in (200, 303):
            withdrawn = True
            break
    if not withdrawn:
        fail(f"no reader of {doc['id']} could withdraw it")
    if otdf_decrypt(reader, tokens[reader], tdf) is not None:
        fail("a withdrawn document's TDF was decrypted")
    ok(f"after {doc['id']} was withdrawn its earlier TDF is refused")

    log = pillar("audit", "log", "--limit", "200", "--json").stdout
    entries = json.loads(log)
    rewraps = [e for e in entries if e.get("action") == "kas.rewrap"]
    if not any(e["decision"] == "allow" for e in rewraps) or not any(e["decision"] == "deny" for e in rewraps):
        fail("the audit log lacks permitted and refused rewraps")
    ok(f"{len(rewraps)} rewraps in the audit log, permitted and refused")


main()
