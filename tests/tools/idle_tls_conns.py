#!/usr/bin/env python3
"""Holds N idle keep-alive TLS connections to `coldvault serve`.

Opens N connections one after the other, completes one GET on each (so each is past its handshake
and its first request, as an SDK agent's idle socket is), prints "ready N ok K" (K: answers with
status 200) and holds them all open until its stdin closes.

  idle_tls_conns.py HOST PORT CAFILE TOKEN PATH N

Used by tests/e2e/serve_transport.sh (a server's thread count must not grow with its connections)
and bench/rest_bench.sh (RSS and threads with 10 and 1,000 idle connections).
"""
import resource
import socket
import ssl
import sys


def get(conn, host, port, token, path):
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                 f"Authorization: Bearer {token}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return 0
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            return 0
        body += chunk
    return status


def main():
    host, port, cafile, token, path, n = sys.argv[1:7]
    port, n = int(port), int(n)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 64)), hard))
    ctx = ssl.create_default_context(cafile=cafile)
    conns, ok = [], 0
    for _ in range(n):
        raw = socket.create_connection((host, port))
        conn = ctx.wrap_socket(raw, server_hostname="localhost")
        if get(conn, host, port, token, path) == 200:
            ok += 1
        conns.append(conn)
    print(f"ready {n} ok {ok}", flush=True)
    sys.stdin.read()
    for c in conns:
        c.close()


if __name__ == "__main__":
    main()
