"""Shared by the IAM end-to-end tests: a `sibyl serve --auth iam` with a known root key, the
real `aws` CLI against it, and CQL logins with the python driver."""
import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

from conftest import SIBYL_BIN, free_port

ROOT_KEY = "AKIAE2ETESTROOT00001"
ROOT_SECRET = "e2e-root-secret-not-for-production"
AWS = "/usr/bin/aws"
READ_ONLY = "arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess"


def wait_port(port, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("sibyl exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"port {port} did not open")


@contextlib.contextmanager
def iam_server_process():
    with tempfile.TemporaryDirectory(prefix="sibyl-iam-") as data_dir:
        cql, http, tls = free_port(), free_port(), free_port()
        env = dict(os.environ, SIBYL_ROOT_ACCESS_KEY_ID=ROOT_KEY,
                   SIBYL_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET)
        log = open(os.path.join(data_dir, "server.log"), "wb")
        proc = subprocess.Popen(
            [SIBYL_BIN, "serve", "--data-dir", data_dir, "--auth", "iam", "--cql-port", str(cql),
             "--cql-tls-port", str(tls), "--http-port", str(http)],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_port(cql, proc)
            wait_port(http, proc)
        except RuntimeError:
            proc.kill()
            raise RuntimeError("sibyl did not start: "
                               + open(os.path.join(data_dir, "server.log")).read()[-500:])
        try:
            yield {"cql": cql, "http": http, "tls": tls, "data_dir": data_dir,
                   "endpoint": f"http://127.0.0.1:{http}"}
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


def aws(server, *args, key=ROOT_KEY, secret=ROOT_SECRET, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    out = subprocess.run([AWS, "--endpoint-url", server["endpoint"], "--output", "json", *args],
                         capture_output=True, text=True, env=env, timeout=60)
    if check:
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else {}
    return out


def cql_login(server, user, password):
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    cluster = Cluster(["127.0.0.1"], port=server["cql"],
                      auth_provider=PlainTextAuthProvider(username=user, password=password))
    try:
        session = cluster.connect()
        return session.execute("SELECT release_version FROM system.local").one().release_version
    finally:
        cluster.shutdown()


class SigV4Authenticator:
    """The client side of Keyspaces' SigV4 SASL exchange, as the aws-sigv4-auth-cassandra
    plugins implement it (the plugins themselves are on PyPI, which this machine cannot reach)."""

    def __init__(self, key, secret, region):
        self.key, self.secret, self.region = key, secret, region

    def initial_response(self):
        return b"SigV4\x00\x00"

    def evaluate_challenge(self, challenge):
        import datetime
        import hashlib
        import hmac
        import urllib.parse
        nonce = challenge.decode().split("nonce=")[1][:32]
        now = datetime.datetime.utcnow()
        amzdate = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        datestamp = now.strftime("%Y%m%d")
        scope = f"{datestamp}/{self.region}/cassandra/aws4_request"
        query = "&".join(sorted([
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            f"X-Amz-Credential={self.key}%2F{urllib.parse.quote(scope, safe='')}",
            f"X-Amz-Date={urllib.parse.quote(amzdate, safe='')}",
            "X-Amz-Expires=900"]))
        canonical = (f"PUT\n/authenticate\n{query}\nhost:cassandra\n\nhost\n"
                     + hashlib.sha256(nonce.encode()).hexdigest())
        to_sign = (f"AWS4-HMAC-SHA256\n{amzdate}\n{scope}\n"
                   + hashlib.sha256(canonical.encode()).hexdigest())
        k = ("AWS4" + self.secret).encode()
        for part in (datestamp, self.region, "cassandra", "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        return f"signature={sig},access_key={self.key},amzdate={amzdate}".encode()

    def on_authentication_success(self, token):
        pass


class SigV4Provider:
    def __init__(self, key, secret, region="us-east-1"):
        self.args = (key, secret, region)

    def new_authenticator(self, host):
        return SigV4Authenticator(*self.args)
