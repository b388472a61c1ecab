"""The console flows a first user trips over (issue 10 items 24, 25, 26).

The browser part runs node/console_flows.js in Debian's headless Chromium (playwright-core), as
test_console.py does; the unauthenticated GET /api/sign-in-hint is checked here directly: it needs
no session or secret, and answers one bit (whether any IAM user has a console password) and
nothing else, the same for everyone.

The patterns follow the AWS IAM console (IAM User Guide, "Adding and removing IAM identity
permissions": choose Attach policies directly, select the check box of each policy, Next, review,
then confirm; "Managing access keys for IAM users": the Change Key Status / Deactivate
confirmation; deleting asks for the key ID to be typed).
"""
import http.client
import json
import os
import subprocess

import pytest

from iam_helpers import ROOT_KEY, ROOT_SECRET, aws, iam_server_process

NODE_DIR = os.path.join(os.path.dirname(__file__), "node")
SHOTS = os.environ.get("SIBYL_ARTIFACTS",
                       os.path.join(os.path.dirname(__file__), "..", "..", "build", "artifacts"))


def get(server, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server["http"], timeout=10)
    conn.request("GET", path, headers=headers or {})
    res = conn.getresponse()
    body = res.read().decode()
    result = res.status, body, dict(res.getheaders())
    conn.close()
    return result


def test_sign_in_hint_needs_no_secret_and_says_one_bit():
    with iam_server_process() as srv:
        status, body, headers = get(srv, "/api/sign-in-hint")
        assert status == 200, body
        assert json.loads(body) == {"iam_user_passwords_exist": False}
        assert "Set-Cookie" not in headers and headers.get("Cache-Control") == "no-store"
        aws(srv, "iam", "create-user", "--user-name", "no-password-user")
        assert json.loads(get(srv, "/api/sign-in-hint")[1]) == {"iam_user_passwords_exist": False}
        aws(srv, "iam", "create-user", "--user-name", "quietly-named-user")
        aws(srv, "iam", "create-login-profile", "--user-name", "quietly-named-user",
            "--password", "hint-pass-123")
        status, body, _ = get(srv, "/api/sign-in-hint")
        assert status == 200 and json.loads(body) == {"iam_user_passwords_exist": True}
        # Nothing else: no name, no count, no account id; any cookie sent is ignored.
        for secret in ("quietly-named-user", "no-password-user", "2", ROOT_KEY):
            assert secret not in body
        assert get(srv, "/api/sign-in-hint", {"Cookie": "sibyl_session=bogus"})[1] == body
        # The other session routes still need a session.
        assert get(srv, "/api/session")[0] == 401
        assert get(srv, "/api/endpoint")[0] == 401
        aws(srv, "iam", "delete-login-profile", "--user-name", "quietly-named-user")
        assert json.loads(get(srv, "/api/sign-in-hint")[1]) == {"iam_user_passwords_exist": False}


@pytest.mark.skipif(not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "playwright-core")),
                    reason="npm playwright-core not installed (scripts/test.sh installs it)")
def test_console_flows_in_a_browser():
    with iam_server_process() as srv:
        shots = os.path.abspath(SHOTS)
        out = subprocess.run(["node", os.path.join(NODE_DIR, "console_flows.js"), srv["endpoint"],
                              ROOT_KEY, ROOT_SECRET, shots],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "console flows: OK" in out.stdout
