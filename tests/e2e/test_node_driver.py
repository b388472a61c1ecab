"""Smoke test with the npm cassandra-driver and its default options (#2)."""
import os
import shutil
import subprocess

import pytest

NODE_DIR = os.path.join(os.path.dirname(__file__), "node")


@pytest.mark.skipif(not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "cassandra-driver"))
                    or shutil.which("node") is None,
                    reason="npm cassandra-driver not installed (scripts/test.sh installs it)")
def test_node_driver_connects_prepares_and_pages(server):
    # Why: the Node.js driver negotiates the protocol its own way (it sends 0x42 first) and
    # checks its local data center against system.local.
    out = subprocess.run(["node", os.path.join(NODE_DIR, "smoke.js"), str(server.cql_port)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("OK dc=datacenter1 protocol=4"), out.stdout


@pytest.mark.skipif(not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "cassandra-driver"))
                    or shutil.which("node") is None,
                    reason="npm cassandra-driver not installed (scripts/test.sh installs it)")
def test_node_driver_refuses_an_unknown_data_center(server):
    # Why: system.local's data_center is what the driver validates its configuration against.
    out = subprocess.run(["node", os.path.join(NODE_DIR, "smoke.js"), str(server.cql_port), "nope"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "only found hosts in data centers: [datacenter1]" in out.stderr


@pytest.mark.skipif(not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "cassandra-driver"))
                    or shutil.which("node") is None,
                    reason="npm cassandra-driver not installed (scripts/test.sh installs it)")
def test_node_driver_counters_and_lightweight_transactions(server):
    # Why (issue 12): the Node.js driver reads [applied] through ResultSet.wasApplied(), decodes
    # counters as Long and sends serial consistency in the query parameters.
    out = subprocess.run(["node", os.path.join(NODE_DIR, "lwt_counters.js"), str(server.cql_port)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("OK hits=200 second=false version=3"), out.stdout
