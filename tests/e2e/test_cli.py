"""The sibyl command line: fails fast on what it does not know; config files (#2)."""
import os
import subprocess
import tempfile
import time

from conftest import SIBYL_BIN, Server, free_port


def run(*args):
    return subprocess.run([SIBYL_BIN, *args], capture_output=True, text=True, timeout=10)


def test_unknown_flags_and_subcommands_exit_nonzero_at_once():
    # Why: a typo must not start a server (`sibyl --list-tools` is the example).
    for args in (["--list-tools"], ["frobnicate"], ["serve", "--bogus"]):
        start = time.time()
        out = run(*args)
        assert out.returncode != 0, args
        assert "Usage" in out.stderr or "Run with --help" in out.stderr
        assert time.time() - start < 2


def test_help_and_version():
    assert run("--help").returncode == 0
    serve_help = run("serve", "--help")
    assert serve_help.returncode == 0
    for flag in ("--data-dir", "--listen-address", "--cql-port", "--cql-tls-port", "--http-port",
                 "--config", "--durability", "--auth", "--region"):
        assert flag in serve_help.stdout
    assert run("--version").stdout.startswith("sibyl ")


def test_config_file_sets_the_same_settings():
    # Why: every flag can come from a config file instead.
    with tempfile.TemporaryDirectory() as d:
        port = free_port()
        conf = os.path.join(d, "sibyl.conf")
        with open(conf, "w") as f:
            f.write(f"data-dir = {d}/data\ncql-port = {port}\ndurability = periodic\n"
                    f"auth = none\nhttp-port = {free_port()}\n")
        proc = subprocess.Popen([SIBYL_BIN, "serve", "--config", conf], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        try:
            srv = Server(d)
            srv.cql_port = port
            deadline = time.time() + 10
            cluster = None
            while time.time() < deadline:
                try:
                    cluster = srv.cluster()
                    cluster.connect()
                    break
                except Exception:
                    cluster = None
                    time.sleep(0.05)
            assert cluster is not None
            cluster.shutdown()
        finally:
            proc.terminate()
            out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert "durability periodic" in out
        assert f"listening on 127.0.0.1:{port}" in out
