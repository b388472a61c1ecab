#!/usr/bin/env python3
"""A burst of new CQL connections that each log in with SASL PLAIN (service-specific
credential), over raw sockets so that the client is as thin as possible.

    python3 bench/login_burst.py --port 9042 --user USER --password PASS [--connections 5000]
"""
import argparse
import os
import socket
import struct
import threading
import time


def frame(stream, opcode, body):
    return struct.pack(">BBhBi", 4, 0, stream, opcode, len(body)) + body


def read_frame(sock):
    header = b""
    while len(header) < 9:
        header += sock.recv(9 - len(header))
    length = struct.unpack(">i", header[5:9])[0]
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return header[4], body


def login(port, user, password):
    with socket.create_connection(("127.0.0.1", port)) as s:
        startup = struct.pack(">H", 1) + struct.pack(">H", 11) + b"CQL_VERSION" + \
            struct.pack(">H", 5) + b"3.0.0"
        s.sendall(frame(1, 0x01, startup))
        opcode, _ = read_frame(s)
        assert opcode == 0x03, opcode  # AUTHENTICATE
        token = b"\x00" + user.encode() + b"\x00" + password.encode()
        s.sendall(frame(2, 0x0F, struct.pack(">i", len(token)) + token))
        opcode, _ = read_frame(s)
        assert opcode == 0x10, opcode  # AUTH_SUCCESS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=9042)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--connections", type=int, default=5000)
    ap.add_argument("--threads", type=int, default=32)
    args = ap.parse_args()
    per_thread = args.connections // args.threads
    errors = []

    def worker():
        try:
            for _ in range(per_thread):
                login(args.port, args.user, args.password)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    total = per_thread * args.threads
    print(f"{total} connections each with a PLAIN login in {elapsed:.2f} s = "
          f"{total / elapsed:,.0f} logins/s ({args.threads} client threads), errors: {len(errors)}")


if __name__ == "__main__":
    main()
