"""The web console (#5): the browser flow in headless Chromium (node/console_test.js, with
playwright-core and Debian's chromium), and the JSON API's security rules checked directly:
cookies, CSRF, the sign-in brake, sessions ending at sign-out, IAM rights, no secret in logs."""
import http.client
import json
import os
import subprocess
import time

import pytest

from iam_helpers import ROOT_KEY, ROOT_SECRET, aws, iam_server_process

NODE_DIR = os.path.join(os.path.dirname(__file__), "node")
SHOTS = os.environ.get("SIBYL_ARTIFACTS",
                       os.path.join(os.path.dirname(__file__), "..", "..", "build", "artifacts"))


@pytest.fixture(scope="module")
def srv():
    with iam_server_process() as server:
        yield server


class Client:
    """A browser-like client of the JSON API: keeps the session cookie and the CSRF token."""

    def __init__(self, server):
        self.port = server["http"]
        self.cookie = ""
        self.csrf = ""

    def request(self, method, path, body=None, csrf=True, content_type="application/json"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        if body is not None:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers=headers)
        res = conn.getresponse()
        data = res.read()
        set_cookie = res.getheader("Set-Cookie")
        conn.close()
        return res.status, (json.loads(data) if data else {}), set_cookie

    def sign_in(self, **body):
        status, data, cookie = self.request("POST", "/api/session", body)
        if status == 200:
            self.cookie = cookie.split(";")[0]
            self.csrf = data["csrf_token"]
        return status, data, cookie


def root_client(server):
    c = Client(server)
    status, data, _ = c.sign_in(kind="key", access_key_id=ROOT_KEY, secret_access_key=ROOT_SECRET)
    assert status == 200, data
    return c


@pytest.mark.skipif(not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "playwright-core")),
                    reason="npm playwright-core not installed (scripts/test.sh installs it)")
def test_console_in_a_browser(srv):
    # Why: the whole credential life as a person does it in the console, and a write refused
    # by IAM policies in the CQL editor; screenshots are kept as artefacts.
    shots = os.path.abspath(SHOTS)
    out = subprocess.run(["node", os.path.join(NODE_DIR, "console_test.js"), srv["endpoint"],
                          str(srv["cql"]), ROOT_KEY, ROOT_SECRET, shots],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "console test: OK" in out.stdout
    for name in ("01-sign-in", "04-credentials-generated", "05-security-credentials",
                 "09-cql-write-refused"):
        assert os.path.getsize(os.path.join(shots, f"{name}.png")) > 10000


def test_session_cookie_is_httponly_strict_and_ends_at_sign_out(srv):
    # Why: the session must not be readable by scripts nor sent cross-site, and sign-out ends it.
    c = Client(srv)
    status, data, cookie = c.sign_in(kind="key", access_key_id=ROOT_KEY,
                                     secret_access_key=ROOT_SECRET)
    assert status == 200
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert ROOT_SECRET not in json.dumps(data)
    assert c.request("GET", "/api/session")[0] == 200
    assert c.request("DELETE", "/api/session")[0] == 200
    status, data, _ = c.request("GET", "/api/session")
    assert status == 401 and data["error"]["code"] == "NotSignedIn"


def test_state_changing_calls_need_the_csrf_token_and_json(srv):
    # Why: a page on another site cannot forge a call: it knows no token and cannot send JSON
    # without a preflight.
    c = root_client(srv)
    status, data, _ = c.request("POST", "/api/iam/CreateUser", {"UserName": "forged"}, csrf=False)
    assert status == 403 and data["error"]["code"] == "InvalidCsrfToken"
    c.csrf, real = "x" * 43, c.csrf
    assert c.request("POST", "/api/iam/CreateUser", {"UserName": "forged"})[0] == 403
    c.csrf = real
    status, _, _ = c.request("POST", "/api/iam/CreateUser", {"UserName": "forged"},
                             content_type="application/x-www-form-urlencoded")
    assert status == 415
    assert c.request("POST", "/api/iam/GetUser", {"UserName": "forged"})[1].get("error", {}).get(
        "code") == "NoSuchEntity"  # nothing was created


def test_failed_sign_ins_are_slowed_but_never_lock_the_user_out(srv):
    # Why: guessing passwords must be slow, but the owner must never be locked out (issue 9
    # item 7: the old brake refused even the right password for 300 s after 5 wrong tries).
    aws(srv, "iam", "create-user", "--user-name", "victim")
    aws(srv, "iam", "create-login-profile", "--user-name", "victim", "--password", "right-pass-1")
    c = Client(srv)
    seconds = []
    for _ in range(5):
        started = time.monotonic()
        status, data, _ = c.sign_in(kind="password", user_name="victim", password="wrong-pass")
        seconds.append(time.monotonic() - started)
        assert status == 403 and data["error"]["code"] == "AccessDenied"
    assert seconds[4] >= 0.4, seconds  # the 4th and 5th refusals came late
    status, data, _ = c.sign_in(kind="password", user_name="victim", password="right-pass-1")
    assert status == 200, data


def test_a_user_without_iam_rights_is_refused_and_runs_cql_as_itself(srv):
    # Why: the console calls the same service code as the API, so a user's IAM policies decide
    # what it sees; its CQL runs as itself.
    aws(srv, "iam", "create-user", "--user-name", "viewer")
    aws(srv, "iam", "create-login-profile", "--user-name", "viewer", "--password", "viewer-pass-1")
    c = Client(srv)
    assert c.sign_in(kind="password", user_name="viewer", password="viewer-pass-1")[0] == 200
    status, data, _ = c.request("POST", "/api/iam/ListUsers", {})
    assert status == 403 and data["error"]["code"] == "AccessDenied"
    assert "is not authorized to perform: iam:ListUsers" in data["error"]["message"]
    status, data, _ = c.request("POST", "/api/cql", {"query": "SELECT * FROM system.local"})
    assert status == 403 and data["error"]["code"] == "Unauthorized"
    aws(srv, "iam", "attach-user-policy", "--user-name", "viewer", "--policy-arn",
        "arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess")
    status, data, _ = c.request("POST", "/api/cql",
                                {"query": "SELECT key FROM system.local", "page_size": 1})
    assert status == 200 and data["rows"] == [["local"]]
    # The user may change its own password (iam:ChangePassword needs a policy too).
    status, data, _ = c.request("POST", "/api/iam/ChangePassword",
                                {"OldPassword": "viewer-pass-1", "NewPassword": "viewer-pass-2"})
    assert status == 403


def test_console_files_are_served_with_a_strict_policy(srv):
    # Why: the app is served by sibyl itself (no CDN), with a CSP that allows only its own files.
    conn = http.client.HTTPConnection("127.0.0.1", srv["http"], timeout=10)
    conn.request("GET", "/console/")
    res = conn.getresponse()
    body = res.read().decode()
    assert res.status == 200 and '<script src="/console/app.js">' in body
    assert "default-src 'self'" in res.getheader("Content-Security-Policy")
    assert res.getheader("X-Frame-Options") == "DENY"
    conn.request("GET", "/console/../../etc/passwd")
    res = conn.getresponse()
    assert "root:" not in res.read().decode()
    conn.close()


def test_no_secret_reaches_the_log(srv):
    # Why: passwords and secrets are shown once to the person, never written to a log.
    c = root_client(srv)
    c.request("POST", "/api/iam/CreateUser", {"UserName": "logcheck"})
    created = c.request("POST", "/api/iam/CreateServiceSpecificCredential",
                        {"UserName": "logcheck", "ServiceName": "cassandra.amazonaws.com"})[1]
    password = created["ServiceSpecificCredential"]["ServicePassword"]
    c.sign_in(kind="password", user_name="logcheck", password="not-the-password")
    log = open(os.path.join(srv["data_dir"], "server.log")).read()
    for secret in (password, ROOT_SECRET, "not-the-password"):
        assert secret not in log
