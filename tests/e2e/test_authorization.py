"""Authorization (#4): IAM identity policies decide every CQL statement and every IAM call.
Driven by Debian's `aws` CLI, boto3 and the python-cassandra driver against `sibyl serve
--auth iam`."""
import json

import pytest

from iam_helpers import READ_ONLY, ROOT_KEY, ROOT_SECRET, SigV4Provider, aws, iam_server_process

FULL = "arn:aws:iam::aws:policy/AmazonKeyspacesFullAccess"


@pytest.fixture(scope="module")
def srv():
    with iam_server_process() as server:
        server["account"] = aws(server, "sts", "get-caller-identity")["Account"]
        yield server


@pytest.fixture(scope="module")
def iam(srv):
    import boto3
    return boto3.client("iam", endpoint_url=srv["endpoint"], region_name="us-east-1",
                        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET)


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return dict({"Effect": "Allow", "Action": action, "Resource": resource}, **extra)


def deny(action, resource="*", **extra):
    return dict({"Effect": "Deny", "Action": action, "Resource": resource}, **extra)


def new_user(iam, name, *policies, managed=()):
    """A user with inline `policies` and attached `managed` ARNs, and its CQL credential."""
    iam.create_user(UserName=name)
    for i, p in enumerate(policies):
        iam.put_user_policy(UserName=name, PolicyName=f"p{i}", PolicyDocument=doc(*p))
    for arn in managed:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    cred = iam.create_service_specific_credential(
        UserName=name, ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredential"]
    return cred["ServiceUserName"], cred["ServicePassword"]


def connect(srv, login):
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    cluster = Cluster(["127.0.0.1"], port=srv["cql"], auth_provider=PlainTextAuthProvider(*login))
    return cluster, cluster.connect()


def root_session(srv):
    from cassandra.cluster import Cluster
    cluster = Cluster(["127.0.0.1"], port=srv["cql"],
                      auth_provider=SigV4Provider(ROOT_KEY, ROOT_SECRET))
    return cluster, cluster.connect()


@pytest.fixture(scope="module")
def root(srv):
    cluster, session = root_session(srv)
    session.execute("CREATE KEYSPACE shop WITH replication = "
                    "{'class': 'SingleRegionStrategy'}")
    session.execute("CREATE TABLE shop.orders (id int PRIMARY KEY, item text)")
    session.execute("INSERT INTO shop.orders (id, item) VALUES (1, 'tea')")
    yield session
    cluster.shutdown()


def test_a_user_without_permissions_is_refused_at_login(srv, iam):
    # Why: Keyspaces refuses the login itself (0x2100 during the auth exchange) when the user may
    # not read the system tables, rather than failing the driver's first query.
    from cassandra.cluster import NoHostAvailable
    login = new_user(iam, "nobody")
    with pytest.raises(NoHostAvailable) as err:
        connect(srv, login)
    assert (f"code=2100 [Unauthorized] message=\"User arn:aws:iam::{srv['account']}:user/nobody "
            "has no permissions.\"") in str(err.value)


def test_read_only_user_reads_but_cannot_write_and_nothing_is_written(srv, iam, root):
    # Why: SELECT needs cassandra:Select, INSERT/UPDATE/DELETE and batch members
    # cassandra:Modify on the table ARN; a refusal names principal, action and resource, runs
    # nothing, and the connection keeps serving.
    from cassandra import Unauthorized
    cluster, session = connect(srv, new_user(iam, "reader", managed=[READ_ONLY]))
    try:
        assert session.execute("SELECT item FROM shop.orders WHERE id = 1").one().item == "tea"
        with pytest.raises(Unauthorized) as err:
            session.execute("INSERT INTO shop.orders (id, item) VALUES (2, 'cake')")
        arn = f"arn:aws:cassandra:us-east-1:{srv['account']}:/keyspace/shop/table/orders"
        assert str(err.value).count(f"arn:aws:iam::{srv['account']}:user/reader") == 1
        assert f"cassandra:Modify on resource: {arn}" in str(err.value)
        with pytest.raises(Unauthorized):
            session.execute("BEGIN BATCH INSERT INTO shop.orders (id, item) VALUES (3, 'x'); "
                            "APPLY BATCH")
        prepared = session.prepare("UPDATE shop.orders SET item = ? WHERE id = ?")
        with pytest.raises(Unauthorized):
            session.execute(prepared, ("coffee", 1))
        with pytest.raises(Unauthorized):
            session.execute("DROP TABLE shop.orders")
        with pytest.raises(Unauthorized):
            session.execute("CREATE KEYSPACE mine WITH replication = "
                            "{'class': 'SingleRegionStrategy'}")
        # Still serving, and nothing was written.
        assert session.execute("SELECT item FROM shop.orders WHERE id = 1").one().item == "tea"
        assert root.execute("SELECT count(*) FROM shop.orders").one()[0] == 1
    finally:
        cluster.shutdown()


def test_a_policy_change_applies_to_the_next_statement_without_reconnecting(srv, iam, root):
    # Why: decisions are cached per connection, but every IAM change invalidates them.
    from cassandra import Unauthorized
    cluster, session = connect(srv, new_user(iam, "writer", managed=[READ_ONLY]))
    try:
        with pytest.raises(Unauthorized):
            session.execute("INSERT INTO shop.orders (id, item) VALUES (10, 'jam')")
        iam.put_user_policy(UserName="writer", PolicyName="modify", PolicyDocument=doc(
            allow("cassandra:Modify",
                  f"arn:aws:cassandra:us-east-1:{srv['account']}:/keyspace/shop/table/*")))
        session.execute("INSERT INTO shop.orders (id, item) VALUES (10, 'jam')")
        iam.put_user_policy(UserName="writer", PolicyName="no-deletes", PolicyDocument=doc(
            {"Effect": "Deny", "Action": "cassandra:Modify", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
        with pytest.raises(Unauthorized, match="with an explicit deny"):
            session.execute("DELETE FROM shop.orders WHERE id = 10")
        iam.delete_user_policy(UserName="writer", PolicyName="no-deletes")
        session.execute("DELETE FROM shop.orders WHERE id = 10")
        iam.detach_user_policy(UserName="writer", PolicyArn=READ_ONLY)
        with pytest.raises(Unauthorized, match="cassandra:Select"):
            session.execute("SELECT * FROM shop.orders WHERE id = 1")
    finally:
        cluster.shutdown()


def test_group_policies_apply_to_members(srv, iam, root):
    # Why: a user's decision takes its groups' inline and attached policies into account, and
    # leaving the group takes them away.
    from cassandra import Unauthorized
    iam.create_group(GroupName="analysts")
    iam.attach_group_policy(GroupName="analysts", PolicyArn=FULL)
    login = new_user(iam, "ann")
    iam.add_user_to_group(GroupName="analysts", UserName="ann")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="ann")["Groups"]] == [
        "analysts"]
    assert [u["UserName"] for u in iam.get_group(GroupName="analysts")["Users"]] == ["ann"]
    cluster, session = connect(srv, login)
    try:
        session.execute("CREATE TABLE shop.notes (id int PRIMARY KEY, body text)")
        iam.put_group_policy(GroupName="analysts", PolicyName="no-drop",
                             PolicyDocument=doc(deny("cassandra:Drop")))
        with pytest.raises(Unauthorized):
            session.execute("DROP TABLE shop.notes")
        with pytest.raises(iam.exceptions.DeleteConflictException):
            iam.delete_group(GroupName="analysts")
        iam.remove_user_from_group(GroupName="analysts", UserName="ann")
        with pytest.raises(Unauthorized):
            session.execute("SELECT * FROM shop.notes")
    finally:
        cluster.shutdown()


def test_tags_feed_resource_and_request_tag_conditions(srv, iam, root):
    # Why: WITH TAGS / ADD TAGS are kept in system_schema_mcs.tags and decide aws:ResourceTag
    # and aws:RequestTag conditions, as in Keyspaces' tag-based access examples.
    from cassandra import Unauthorized
    acct = srv["account"]
    ks = f"arn:aws:cassandra:us-east-1:{acct}:/keyspace/shop/"
    login = new_user(
        iam, "owner",
        [allow("cassandra:Select", f"arn:aws:cassandra:us-east-1:{acct}:/keyspace/system*"),
         allow("cassandra:Select", "*",
               Condition={"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}),
         allow(["cassandra:Create", "cassandra:TagResource"], ks + "table/*",
               Condition={"StringEquals": {"aws:RequestTag/owner": "${aws:username}"}})])
    cluster, session = connect(srv, login)
    try:
        with pytest.raises(Unauthorized):
            session.execute("CREATE TABLE shop.untagged (id int PRIMARY KEY)")
        with pytest.raises(Unauthorized):
            session.execute("CREATE TABLE shop.theirs (id int PRIMARY KEY) "
                            "WITH TAGS = {'owner': 'someone-else'}")
        session.execute("CREATE TABLE shop.mine (id int PRIMARY KEY) WITH TAGS = {'owner': 'owner'}")
        session.execute("SELECT * FROM shop.mine")
        with pytest.raises(Unauthorized):
            session.execute("SELECT * FROM shop.orders")  # untagged
        root.execute("ALTER TABLE shop.orders ADD TAGS {'owner': 'owner'}")
        session.execute("SELECT * FROM shop.orders")
        rows = list(root.execute("SELECT * FROM system_schema_mcs.tags WHERE keyspace_name = 'shop'"))
        by_name = {r.resource_name: r for r in rows}
        assert by_name["mine"].tags == {"owner": "owner"}
        assert by_name["orders"].resource_id == ks + "table/orders"
        assert by_name["orders"].resource_type == "table"
        root.execute("ALTER TABLE shop.orders DROP TAGS {'owner': 'owner'}")
        with pytest.raises(Unauthorized):
            session.execute("SELECT * FROM shop.orders")
        with pytest.raises(Unauthorized, match="cassandra:UntagResource"):
            session.execute("ALTER TABLE shop.mine DROP TAGS {'owner': 'owner'}")
    finally:
        cluster.shutdown()


def test_iam_calls_are_authorised_by_policies(srv, iam):
    # Why: every IAM API call is an iam: action on a resource; ${aws:username} lets users manage
    # only their own credentials; refusals are AccessDenied worded as AWS words them.
    import boto3
    iam.create_user(UserName="self-service")
    iam.put_user_policy(UserName="self-service", PolicyName="own", PolicyDocument=doc(
        allow(["iam:*ServiceSpecificCredential*", "iam:GetUser"],
              "arn:aws:iam::*:user/${aws:username}")))
    iam.attach_user_policy(UserName="self-service",
                           PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    key = iam.create_access_key(UserName="self-service")["AccessKey"]
    user_client = boto3.client("iam", endpoint_url=srv["endpoint"], region_name="us-east-1",
                               aws_access_key_id=key["AccessKeyId"],
                               aws_secret_access_key=key["SecretAccessKey"])
    user_client.create_service_specific_credential(UserName="self-service",
                                                   ServiceName="cassandra.amazonaws.com")
    assert any(u["UserName"] == "self-service" for u in user_client.list_users()["Users"])
    out = aws(srv, "iam", "create-service-specific-credential", "--user-name", "reader",
              "--service-name", "cassandra.amazonaws.com", key=key["AccessKeyId"],
              secret=key["SecretAccessKey"], check=False)
    assert out.returncode == 254
    assert (f"An error occurred (AccessDenied) when calling the CreateServiceSpecificCredential "
            f"operation: User: arn:aws:iam::{srv['account']}:user/self-service is not authorized "
            "to perform: iam:CreateServiceSpecificCredential on resource: "
            f"arn:aws:iam::{srv['account']}:user/reader because no identity-based policy allows "
            "the iam:CreateServiceSpecificCredential action") in out.stderr
    with pytest.raises(user_client.exceptions.ClientError, match="AccessDenied"):
        user_client.create_user(UserName="escalation")


def test_all_users_credentials_need_a_policy_on_every_user(srv, iam):
    # Why: ListServiceSpecificCredentials AllUsers (newer SDKs; here through `sibyl iam`, as
    # Debian's aws CLI predates it) lists everyone's credentials, so it is authorised on
    # arn:aws:iam::<acct>:user/*, which a self-service policy does not cover.
    import os
    import subprocess
    from conftest import SIBYL_BIN
    iam.create_user(UserName="lister")
    iam.create_service_specific_credential(UserName="lister", ServiceName="cassandra.amazonaws.com")
    iam.put_user_policy(UserName="lister", PolicyName="own", PolicyDocument=doc(
        allow("iam:ListServiceSpecificCredentials", "arn:aws:iam::*:user/${aws:username}")))
    key = iam.create_access_key(UserName="lister")["AccessKey"]

    def run(key_id, secret, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_ENDPOINT_URL=srv["endpoint"])
        return subprocess.run([SIBYL_BIN, "iam", "list-service-specific-credentials", *args],
                              capture_output=True, text=True, env=env, timeout=30)
    everyone = run(ROOT_KEY, ROOT_SECRET, "--all-users")
    assert everyone.returncode == 0, everyone.stderr
    users = {c["UserName"] for c in json.loads(everyone.stdout)["ServiceSpecificCredentials"]}
    assert {"lister", "reader"} <= users
    own = run(key["AccessKeyId"], key["SecretAccessKey"])
    assert own.returncode == 0, own.stderr
    assert [c["UserName"] for c in json.loads(own.stdout)["ServiceSpecificCredentials"]] == ["lister"]
    refused = run(key["AccessKeyId"], key["SecretAccessKey"], "--all-users")
    assert refused.returncode == 254
    assert f"on resource: arn:aws:iam::{srv['account']}:user/*" in refused.stderr
    both = run(ROOT_KEY, ROOT_SECRET, "--all-users", "--user-name", "lister")
    assert "(ValidationError)" in both.stderr


def test_managed_policies_versions_and_errors(srv, iam):
    # Why: managed policies as AWS keeps them: versions (at most 5), one default, documents
    # URL-encoded on the wire (boto3 hands back JSON), AWS-managed ones attachable but not
    # editable, and AWS's error codes.
    p = iam.create_policy(PolicyName="ks-read", PolicyDocument=doc(allow("cassandra:Select")),
                          Description="read")["Policy"]
    assert p["Arn"] == f"arn:aws:iam::{srv['account']}:policy/ks-read"
    assert p["DefaultVersionId"] == "v1" and p["AttachmentCount"] == 0
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_policy(PolicyName="ks-read", PolicyDocument=doc(allow("cassandra:Select")))
    for i in range(4):
        iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=doc(allow("cassandra:Modify")),
                                  SetAsDefault=(i == 3))
    with pytest.raises(iam.exceptions.LimitExceededException):
        iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=doc(allow("cassandra:Drop")))
    versions = iam.list_policy_versions(PolicyArn=p["Arn"])["Versions"]
    assert [v["VersionId"] for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["VersionId"] for v in versions if v["IsDefaultVersion"]] == ["v5"]
    v1 = iam.get_policy_version(PolicyArn=p["Arn"], VersionId="v1")["PolicyVersion"]
    assert v1["Document"]["Statement"][0]["Action"] == "cassandra:Select"
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_policy_version(PolicyArn=p["Arn"], VersionId="v5")
    iam.set_default_policy_version(PolicyArn=p["Arn"], VersionId="v1")
    iam.create_user(UserName="attached")
    iam.attach_user_policy(UserName="attached", PolicyArn=p["Arn"])
    entities = iam.list_entities_for_policy(PolicyArn=p["Arn"])
    assert [u["UserName"] for u in entities["PolicyUsers"]] == ["attached"]
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_policy(PolicyArn=p["Arn"])
    with pytest.raises(iam.exceptions.DeleteConflictException, match="detach all policies"):
        iam.delete_user(UserName="attached")
    aws_names = {x["PolicyName"] for x in iam.list_policies(Scope="AWS")["Policies"]}
    assert {"AmazonKeyspacesFullAccess", "AmazonKeyspacesReadOnlyAccess",
            "AmazonKeyspacesReadOnlyAccess_v2", "IAMFullAccess", "IAMReadOnlyAccess",
            "AdministratorAccess"} <= aws_names
    with pytest.raises(iam.exceptions.ClientError, match="AccessDenied"):
        iam.create_policy_version(PolicyArn=FULL, PolicyDocument=doc(allow("*")))
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_user_policy(UserName="attached",
                               PolicyArn=f"arn:aws:iam::{srv['account']}:policy/missing")


def test_malformed_policies_say_where_the_fault_is(srv, iam):
    # Why: MalformedPolicyDocument with a reason that points at the fault, through the aws CLI.
    iam.create_user(UserName="malformed")
    cases = [
        ("{not json", "Syntax errors in policy"),
        (doc({"Effect": "Allow", "Action": "cassandra:Select"}), "Statement 1"),
        (doc({"Effect": "Maybe", "Action": "*", "Resource": "*"}), "Effect must be Allow or Deny"),
        (doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}),
         "should not specify a principal"),
        (doc(allow("Select")), "must be prefaced by a vendor"),
    ]
    for document, reason in cases:
        out = aws(srv, "iam", "put-user-policy", "--user-name", "malformed", "--policy-name", "x",
                  "--policy-document", document, check=False)
        assert "(MalformedPolicyDocument)" in out.stderr, out.stderr
        assert reason in out.stderr, out.stderr
    big = doc(*[allow(f"cassandra:Select{i:04d}") for i in range(60)])
    with pytest.raises(iam.exceptions.LimitExceededException, match="2048"):
        iam.put_user_policy(UserName="malformed", PolicyName="big", PolicyDocument=big)


def test_simulate_principal_policy(srv, iam):
    # Why: users check a policy before relying on it; the simulation gives AWS's three decisions
    # and the policies that decided.
    iam.create_user(UserName="sim")
    iam.put_user_policy(UserName="sim", PolicyName="allow-all", PolicyDocument=doc(
        allow("cassandra:*")))
    iam.put_user_policy(UserName="sim", PolicyName="no-drop", PolicyDocument=doc(
        deny("cassandra:Drop")))
    arn = iam.get_user(UserName="sim")["User"]["Arn"]
    table = f"arn:aws:cassandra:us-east-1:{srv['account']}:/keyspace/shop/table/orders"
    results = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["cassandra:Select", "cassandra:Drop", "iam:ListUsers"],
        ResourceArns=[table])["EvaluationResults"]
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in results}
    assert decisions == {"cassandra:Select": "allowed", "cassandra:Drop": "explicitDeny",
                         "iam:ListUsers": "implicitDeny"}
    matched = {r["EvalActionName"]: [m["SourcePolicyId"] for m in r["MatchedStatements"]]
               for r in results}
    assert matched["cassandra:Drop"] == ["no-drop"]
    out = aws(srv, "iam", "simulate-principal-policy", "--policy-source-arn", arn,
              "--action-names", "cassandra:Modify", "--resource-arns", table)
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"
