"""The IAM API through Debian's real `aws` CLI and boto3, and CQL logins with the credentials
it issues: the whole life of a service-specific credential as the Keyspaces IAM page tells it
(#3)."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import SIBYL_BIN, free_port
from iam_helpers import (AWS, READ_ONLY, ROOT_KEY, ROOT_SECRET, SigV4Provider, aws, cql_login,
                         iam_server_process, wait_port)



@pytest.fixture(scope="module")
def iam_server():
    with iam_server_process() as server:
        yield server


def test_caller_identity_is_the_root(iam_server):
    # Why: `aws sts get-caller-identity` is how users check their setup against an endpoint.
    ident = aws(iam_server, "sts", "get-caller-identity")
    assert ident["Arn"] == f"arn:aws:iam::{ident['Account']}:root"
    assert len(ident["Account"]) == 12


def test_the_life_of_a_keyspaces_credential(iam_server):
    # Why: create user -> credential (password once) -> list (no password) -> CQL login ->
    # reset (old refused, new works) -> Inactive (refused) -> Active -> delete (refused).
    from cassandra.cluster import NoHostAvailable
    aws(iam_server, "iam", "create-user", "--user-name", "alice")
    aws(iam_server, "iam", "attach-user-policy", "--user-name", "alice", "--policy-arn", READ_ONLY)
    created = aws(iam_server, "iam", "create-service-specific-credential", "--user-name", "alice",
                  "--service-name", "cassandra.amazonaws.com")["ServiceSpecificCredential"]
    account = aws(iam_server, "sts", "get-caller-identity")["Account"]
    assert created["ServiceUserName"] == f"alice-at-{account}"
    assert created["ServiceSpecificCredentialId"].startswith("ACCA")
    password, cred_id, user = (created["ServicePassword"], created["ServiceSpecificCredentialId"],
                               created["ServiceUserName"])
    listed = aws(iam_server, "iam", "list-service-specific-credentials", "--user-name", "alice")
    assert [c["ServiceSpecificCredentialId"] for c in listed["ServiceSpecificCredentials"]] == [cred_id]
    assert "ServicePassword" not in listed["ServiceSpecificCredentials"][0]

    assert cql_login(iam_server, user, password)
    reset = aws(iam_server, "iam", "reset-service-specific-credential",
                "--user-name", "alice", "--service-specific-credential-id", cred_id)
    new_password = reset["ServiceSpecificCredential"]["ServicePassword"]
    assert new_password != password
    with pytest.raises(NoHostAvailable, match="and/or password are incorrect"):
        cql_login(iam_server, user, password)
    assert cql_login(iam_server, user, new_password)

    aws(iam_server, "iam", "update-service-specific-credential", "--user-name", "alice",
        "--service-specific-credential-id", cred_id, "--status", "Inactive")
    with pytest.raises(NoHostAvailable, match="and/or password are incorrect"):
        cql_login(iam_server, user, new_password)
    aws(iam_server, "iam", "update-service-specific-credential", "--user-name", "alice",
        "--service-specific-credential-id", cred_id, "--status", "Active")
    assert cql_login(iam_server, user, new_password)
    aws(iam_server, "iam", "delete-service-specific-credential", "--user-name", "alice",
        "--service-specific-credential-id", cred_id)
    with pytest.raises(NoHostAvailable, match="and/or password are incorrect"):
        cql_login(iam_server, user, new_password)


def test_third_credential_gets_limit_exceeded(iam_server):
    # Why: at most 2 credentials per user per service, as AWS enforces.
    aws(iam_server, "iam", "create-user", "--user-name", "bob")
    for _ in range(2):
        aws(iam_server, "iam", "create-service-specific-credential", "--user-name", "bob",
            "--service-name", "cassandra.amazonaws.com")
    out = aws(iam_server, "iam", "create-service-specific-credential", "--user-name", "bob",
              "--service-name", "cassandra.amazonaws.com", check=False)
    assert out.returncode != 0
    assert "(LimitExceeded)" in out.stderr
    assert "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2" in out.stderr


def test_bad_signatures_and_unknown_keys_are_refused(iam_server):
    # Why: every call is SigV4-verified; the CLI shows AWS's codes.
    out = aws(iam_server, "iam", "list-users", secret="wrong-secret", check=False)
    assert "(SignatureDoesNotMatch)" in out.stderr
    out = aws(iam_server, "iam", "list-users", key="AKIAUNKNOWNKEY000000", check=False)
    assert "(InvalidClientTokenId)" in out.stderr


def test_expired_requests_are_refused(iam_server):
    # Why: more than 5 minutes of clock skew is RequestExpired. Signed with botocore's own
    # SigV4Auth at a time 10 minutes ago.
    import datetime
    import urllib.error
    import urllib.request
    from unittest import mock
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    body = "Action=ListUsers&Version=2010-05-08"
    request = AWSRequest(method="POST", url=iam_server["endpoint"] + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    past = datetime.datetime.utcnow() - datetime.timedelta(minutes=10)
    with mock.patch.object(botocore.auth, "datetime") as dt:
        dt.datetime.utcnow.return_value = past
        botocore.auth.SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "iam", "us-east-1").add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(prepared.url, data=body.encode(), method="POST",
                                 headers=dict(prepared.headers))
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    text = err.value.read().decode()
    assert "<Code>RequestExpired</Code>" in text and "Signature expired" in text


def test_boto3_errors_map_to_modelled_exceptions(iam_server):
    # Why: SDKs turn AWS error codes into exception classes users catch.
    import boto3
    client = boto3.client("iam", endpoint_url=iam_server["endpoint"], region_name="us-east-1",
                          aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)
    with pytest.raises(client.exceptions.NoSuchEntityException):
        client.get_user(UserName="nobody")
    client.create_user(UserName="carol")
    with pytest.raises(client.exceptions.EntityAlreadyExistsException):
        client.create_user(UserName="carol")
    client.create_service_specific_credential(UserName="carol", ServiceName="cassandra.amazonaws.com")
    with pytest.raises(client.exceptions.DeleteConflictException):
        client.delete_user(UserName="carol")
    with pytest.raises(client.exceptions.NoSuchEntityException, match="No such service"):
        client.create_service_specific_credential(UserName="carol", ServiceName="lambda.amazonaws.com")


def test_a_user_without_policies_is_refused_by_the_iam_api(iam_server):
    # Why: a user with no identity policy may do nothing in IAM (implicit deny), worded as AWS
    # words it; GetCallerIdentity works for anyone with a valid key.
    aws(iam_server, "iam", "create-user", "--user-name", "dave")
    key = aws(iam_server, "iam", "create-access-key", "--user-name", "dave")["AccessKey"]
    ident = aws(iam_server, "sts", "get-caller-identity", key=key["AccessKeyId"],
                secret=key["SecretAccessKey"])
    assert ident["Arn"].endswith(":user/dave")
    out = aws(iam_server, "iam", "list-users", key=key["AccessKeyId"],
              secret=key["SecretAccessKey"], check=False)
    assert "(AccessDenied)" in out.stderr
    assert "is not authorized to perform: iam:ListUsers" in out.stderr


def test_sigv4_cql_login_with_an_access_key(iam_server):
    # Why: Keyspaces' SigV4 exchange (SigV4\0\0 -> nonce -> signature) lets access keys log in.
    from cassandra.cluster import Cluster, NoHostAvailable
    cluster = Cluster(["127.0.0.1"], port=iam_server["cql"],
                      auth_provider=SigV4Provider(ROOT_KEY, ROOT_SECRET))
    try:
        assert cluster.connect().execute("SELECT key FROM system.local").one().key == "local"
    finally:
        cluster.shutdown()
    cluster = Cluster(["127.0.0.1"], port=iam_server["cql"],
                      auth_provider=SigV4Provider(ROOT_KEY, "wrong-secret"))
    try:
        with pytest.raises(NoHostAvailable, match="Authentication failure: Invalid signature"):
            cluster.connect()
    finally:
        cluster.shutdown()


def test_startup_is_answered_with_authenticate(iam_server):
    # Why: drivers pick their SASL mechanism from the AUTHENTICATE class name.
    import struct
    with socket.create_connection(("127.0.0.1", iam_server["cql"]), timeout=5) as s:
        body = struct.pack(">H", 1) + struct.pack(">H", 11) + b"CQL_VERSION" + struct.pack(">H", 5) + b"3.0.0"
        s.sendall(struct.pack(">BBhBi", 4, 0, 1, 0x01, len(body)) + body)
        header = s.recv(9)
        assert header[4] == 0x03  # AUTHENTICATE
        length = struct.unpack(">i", header[5:9])[0]
        payload = s.recv(length)
        assert b"org.apache.cassandra.auth.PasswordAuthenticator" in payload


def test_sibyl_iam_cli_mirrors_aws(iam_server):
    # Why: `sibyl iam` takes the aws CLI's command and option names and prints the same JSON.
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
               AWS_ENDPOINT_URL=iam_server["endpoint"], HOME=tempfile.gettempdir())
    run = lambda *a: subprocess.run([SIBYL_BIN, *a], capture_output=True, text=True, env=env,
                                    timeout=30)
    out = run("iam", "create-user", "--user-name", "erin")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["User"]["UserName"] == "erin"
    assert run("iam", "attach-user-policy", "--user-name", "erin", "--policy-arn",
               READ_ONLY).returncode == 0
    out = run("iam", "create-service-specific-credential", "--user-name", "erin",
              "--service-name", "cassandra.amazonaws.com")
    cred = json.loads(out.stdout)["ServiceSpecificCredential"]
    assert cql_login(iam_server, cred["ServiceUserName"], cred["ServicePassword"])
    listed = json.loads(run("iam", "list-service-specific-credentials", "--user-name", "erin").stdout)
    assert "ServicePassword" not in listed["ServiceSpecificCredentials"][0]
    out = run("iam", "get-user", "--user-name", "nobody")
    assert out.returncode == 254
    assert "An error occurred (NoSuchEntity) when calling the GetUser operation" in out.stderr
    assert run("iam", "frobnicate").returncode == 252


def test_plain_login_over_tls(iam_server):
    # Why: Keyspaces users connect on 9142 over TLS with their service-specific credentials.
    import ssl
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    aws(iam_server, "iam", "create-user", "--user-name", "tls-user")
    aws(iam_server, "iam", "attach-user-policy", "--user-name", "tls-user", "--policy-arn",
        READ_ONLY)
    cred = aws(iam_server, "iam", "create-service-specific-credential", "--user-name", "tls-user",
               "--service-name", "cassandra.amazonaws.com")["ServiceSpecificCredential"]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(iam_server["data_dir"], "tls", "cert.pem"))
    cluster = Cluster(["127.0.0.1"], port=iam_server["tls"], ssl_context=ctx,
                      auth_provider=PlainTextAuthProvider(cred["ServiceUserName"],
                                                          cred["ServicePassword"]))
    try:
        assert cluster.connect().execute("SELECT key FROM system.local").one().key == "local"
    finally:
        cluster.shutdown()


NODE_DIR = os.path.join(os.path.dirname(__file__), "node")


@pytest.mark.skipif(not os.path.isdir(os.path.join(NODE_DIR, "node_modules",
                                                   "aws-sigv4-auth-cassandra-plugin")),
                    reason="npm aws-sigv4-auth-cassandra-plugin not installed (scripts/test.sh does)")
def test_aws_sigv4_plugin_for_node_logs_in(iam_server):
    # Why: AWS's own SigV4 plugin for the Node.js driver is how Keyspaces users log in with keys;
    # the wrong secret or region fails with Keyspaces' message.
    def run(secret, region="us-east-1"):
        return subprocess.run(["node", os.path.join(NODE_DIR, "sigv4_login.js"),
                               str(iam_server["cql"]), ROOT_KEY, secret, region],
                              capture_output=True, text=True, timeout=60)
    ok = run(ROOT_SECRET)
    assert ok.returncode == 0 and "OK release=4.0" in ok.stdout, ok.stderr
    for bad in (run("wrong"), run(ROOT_SECRET, "eu-west-1")):
        assert bad.returncode != 0
        assert "Authentication failure: Invalid signature" in bad.stderr


def test_iam_state_survives_kill_9():
    # Why: users, keys, credentials and policies are durable in the storage engine (sync WAL), and the
    # generated root key is made once, not again after a restart.
    with tempfile.TemporaryDirectory(prefix="sibyl-iam-kill-") as data_dir:
        cql, http = free_port(), free_port()
        args = [SIBYL_BIN, "serve", "--data-dir", data_dir, "--cql-port", str(cql),
                "--cql-tls-port", str(free_port()), "--http-port", str(http)]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_port(http, proc)
        server = {"endpoint": f"http://127.0.0.1:{http}", "cql": cql}
        proc.kill()
        first_output = proc.communicate()[0]
        key = [l.split("=", 1)[1] for l in first_output.splitlines() if "AWS_ACCESS_KEY_ID=" in l][0]
        secret = [l.split("=", 1)[1] for l in first_output.splitlines()
                  if "AWS_SECRET_ACCESS_KEY=" in l][0]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_port(http, proc)
            aws(server, "iam", "create-user", "--user-name", "durable", key=key, secret=secret)
            aws(server, "iam", "put-user-policy", "--user-name", "durable", "--policy-name",
                "read", "--policy-document", json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "cassandra:Select", "Resource": "*"}]}),
                key=key, secret=secret)
            cred = aws(server, "iam", "create-service-specific-credential", "--user-name", "durable",
                       "--service-name", "cassandra.amazonaws.com", key=key,
                       secret=secret)["ServiceSpecificCredential"]
        finally:
            proc.kill()
            second_output = proc.communicate()[0]
        assert "AWS_SECRET_ACCESS_KEY" not in second_output  # shown once only
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(cql, proc)
            wait_port(http, proc)
            assert aws(server, "iam", "get-user", "--user-name", "durable", key=key,
                       secret=secret)["User"]["UserName"] == "durable"
            assert cql_login(server, cred["ServiceUserName"], cred["ServicePassword"])
        finally:
            proc.kill()
            proc.wait()


def test_api_over_https_with_the_generated_certificate():
    # Why: `--http-tls` serves the IAM API over HTTPS; the aws CLI and `sibyl iam` trust the CA
    # file they are given, and `sibyl iam` refuses an unverified certificate.
    with tempfile.TemporaryDirectory(prefix="sibyl-https-") as data_dir:
        http = free_port()
        env = dict(os.environ, SIBYL_ROOT_ACCESS_KEY_ID=ROOT_KEY,
                   SIBYL_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET)
        proc = subprocess.Popen([SIBYL_BIN, "serve", "--data-dir", data_dir, "--cql-port",
                                 str(free_port()), "--cql-tls-port", str(free_port()),
                                 "--http-port", str(http), "--http-tls"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(http, proc)
            out = subprocess.run(
                [AWS, "--endpoint-url", f"https://127.0.0.1:{http}", "--output", "json", "sts",
                 "get-caller-identity"],
                capture_output=True, text=True, timeout=60,
                env=dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
                         AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                         AWS_CA_BUNDLE=os.path.join(data_dir, "tls", "cert.pem")))
            assert out.returncode == 0, out.stderr
            assert json.loads(out.stdout)["Arn"].endswith(":root")
            # `sibyl iam` too: verified against the same CA file, refused without it.
            cli_env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
                           AWS_ENDPOINT_URL=f"https://127.0.0.1:{http}")
            run = lambda *a, **extra: subprocess.run([SIBYL_BIN, *a], capture_output=True,
                                                     text=True, timeout=30,
                                                     env=dict(cli_env, **extra))
            ok = run("iam", "list-users",
                     AWS_CA_BUNDLE=os.path.join(data_dir, "tls", "cert.pem"))
            assert ok.returncode == 0, ok.stderr
            refused = run("iam", "list-users", AWS_CA_BUNDLE="")
            assert refused.returncode == 255 and "SSL validation failed" in refused.stderr
            assert run("iam", "list-users", "--no-verify-ssl", AWS_CA_BUNDLE="").returncode == 0
        finally:
            proc.kill()
            proc.wait()
