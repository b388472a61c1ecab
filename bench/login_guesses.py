#!/usr/bin/env python3
"""Password guessing over CQL (issue 9 item 7): how many wrong SASL PLAIN passwords a client
gets answered per second, and how long the rightful owner waits meanwhile.

    python3 bench/login_guesses.py [--bin build/sibyl] [--connections 32] [--seconds 5]

Starts `sibyl serve --auth iam` on loopback with a temporary data dir, makes a user with a
service-specific credential (through the console's JSON API), then, over raw sockets:
  sequential  --connections connections from 127.0.0.1, each sending a wrong password, waiting
              for the answer, and again, for --seconds: wrong answers per second
  pipelined   one connection from 127.0.0.3 that sends 1000 wrong passwords at once: answers
              received in --seconds
  owner       during the sequential burst, the right password from 127.0.0.1 (the guessers'
              address) and from 127.0.0.2: seconds to AUTH_SUCCESS
"""
import argparse
import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time

ROOT_KEY = "AKIABENCHROOT0000001"
ROOT_SECRET = "bench-root-secret-not-for-production"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frame(stream, opcode, body):
    return struct.pack(">BBhBi", 4, 0, stream, opcode, len(body)) + body


def read_frame(sock):
    data = b""
    while len(data) < 9:
        chunk = sock.recv(9 - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    length = struct.unpack(">i", data[5:9])[0]
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            raise ConnectionError("closed")
        body += chunk
    return data[4], body


def startup(port, source="127.0.0.1"):
    s = socket.create_connection(("127.0.0.1", port), source_address=(source, 0))
    body = struct.pack(">H", 1) + struct.pack(">H", 11) + b"CQL_VERSION" + \
        struct.pack(">H", 5) + b"3.0.0"
    s.sendall(frame(1, 0x01, body))
    opcode, _ = read_frame(s)
    assert opcode == 0x03, opcode  # AUTHENTICATE
    return s


def auth_frame(stream, user, password):
    token = b"\x00" + user.encode() + b"\x00" + password.encode()
    return frame(stream, 0x0F, struct.pack(">i", len(token)) + token)


def owner_login(port, source, user, password):
    started = time.monotonic()
    with startup(port, source) as s:
        s.sendall(auth_frame(2, user, password))
        opcode, _ = read_frame(s)
    return opcode == 0x10, time.monotonic() - started


def console(port, method, path, body, cookie="", csrf=""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers.update({"Cookie": cookie, "X-CSRF-Token": csrf})
    conn.request(method, path, body=json.dumps(body), headers=headers)
    res = conn.getresponse()
    data = json.loads(res.read() or b"{}")
    cookie_header = res.getheader("Set-Cookie") or ""
    conn.close()
    assert res.status == 200, (path, res.status, data)
    return data, cookie_header.split(";")[0]


def make_user(http_port):
    data, cookie = console(http_port, "POST", "/api/session",
                           {"kind": "key", "access_key_id": ROOT_KEY,
                            "secret_access_key": ROOT_SECRET})
    csrf = data["csrf_token"]
    console(http_port, "POST", "/api/iam/CreateUser", {"UserName": "owner"}, cookie, csrf)
    console(http_port, "POST", "/api/iam/AttachUserPolicy",
            {"UserName": "owner",
             "PolicyArn": "arn:aws:iam::aws:policy/AmazonKeyspacesReadOnlyAccess"}, cookie, csrf)
    created, _ = console(http_port, "POST", "/api/iam/CreateServiceSpecificCredential",
                         {"UserName": "owner", "ServiceName": "cassandra.amazonaws.com"},
                         cookie, csrf)
    c = created["ServiceSpecificCredential"]
    return c["ServiceUserName"], c["ServicePassword"]


def sequential_burst(port, user, connections, seconds, counts):
    deadline = time.monotonic() + seconds

    def worker(i):
        try:
            s = startup(port)
        except OSError:
            return
        stream = 2
        while time.monotonic() < deadline:
            s.sendall(auth_frame(stream, user, f"wrong-{i}-{stream}"))
            try:
                opcode, _ = read_frame(s)
            except (OSError, ConnectionError):
                break
            if opcode == 0x00:
                counts[i] += 1
            stream = stream % 30000 + 1
        s.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    return threads


def pipelined(port, user, seconds):
    s = startup(port, "127.0.0.3")
    s.sendall(b"".join(auth_frame(2 + i, user, f"pipelined-{i}") for i in range(1000)))
    s.settimeout(0.2)
    answered = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and answered < 1000:
        try:
            read_frame(s)
            answered += 1
        except socket.timeout:
            continue
    s.close()
    return answered


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build",
                                                  "sibyl"))
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sibyl-guesses-") as data_dir:
        cql, http_port, tls = free_port(), free_port(), free_port()
        env = dict(os.environ, SIBYL_ROOT_ACCESS_KEY_ID=ROOT_KEY,
                   SIBYL_ROOT_SECRET_ACCESS_KEY=ROOT_SECRET)
        log = open(os.path.join(data_dir, "server.log"), "wb")
        proc = subprocess.Popen(
            [args.bin, "serve", "--data-dir", data_dir, "--auth", "iam", "--cql-port", str(cql),
             "--cql-tls-port", str(tls), "--http-port", str(http_port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            for port in (cql, http_port):
                deadline = time.time() + 30
                while True:
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                        break
                    except OSError:
                        if time.time() > deadline:
                            raise
                        time.sleep(0.05)
            user, password = make_user(http_port)
            counts = [0] * args.connections
            started = time.monotonic()
            threads = sequential_burst(cql, user, args.connections, args.seconds, counts)
            time.sleep(min(1.0, args.seconds / 2))
            same_ok, same_s = owner_login(cql, "127.0.0.1", user, password)
            other_ok, other_s = owner_login(cql, "127.0.0.2", user, password)
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
            wrong = sum(counts)
            print(f"sequential: {args.connections} connections, {wrong} wrong passwords answered "
                  f"in {elapsed:.1f} s = {wrong / elapsed:.0f}/s")
            print(f"owner during the burst: same address {'in' if same_ok else 'REFUSED'} after "
                  f"{same_s * 1000:.0f} ms, other address {'in' if other_ok else 'REFUSED'} after "
                  f"{other_s * 1000:.0f} ms")
            answered = pipelined(cql, user, args.seconds)
            print(f"pipelined: 1000 wrong passwords on one connection, {answered} answered in "
                  f"{args.seconds:.0f} s")
            with open(os.path.join(data_dir, "server.log"), "rb") as f:
                lines = sum(1 for line in f if b"failed login" in line)
            print(f"log: {lines} 'failed login' lines")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
