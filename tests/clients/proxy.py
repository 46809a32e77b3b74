#!/usr/bin/env python3
"""The client suite's HTTP(S) proxy: it lets requests to loopback through and refuses every other
host, writing each refused attempt to a log the suite checks at the end.

The Salesforce CLI retries a failed JWT login against login.salesforce.com and test.salesforce.com,
and jsforce sends every request through HTTP(S)_PROXY (it ignores NO_PROXY): with this proxy in
HTTP_PROXY/HTTPS_PROXY, nothing the clients try can leave the machine, and the suite knows if they
tried.

Usage: proxy.py PORT_FILE REFUSED_LOG   (writes the port it listens on to PORT_FILE; every request
line it sees, allowed or not, goes to REFUSED_LOG.all for debugging a failed run)
"""
import socket
import sys
import threading

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def is_loopback(host):
    return host in LOOPBACK or host.startswith("127.")


def split_host_port(authority, default_port):
    if authority.startswith("["):
        host, _, rest = authority.partition("]")
        host += "]"
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = authority.rpartition(":") if ":" in authority else (authority, "", "")
    return host, int(port) if port else default_port


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def refuse(client, what, log):
    with LOCK:
        with open(log, "a", encoding="utf-8") as f:
            f.write(what + "\n")
    body = b"sfconn client suite: only loopback hosts are allowed\n"
    client.sendall(
        b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n"
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    client.close()


def handle(client, log):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                client.close()
                return
            head += chunk
        head, _, rest = head.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        with LOCK:
            with open(log + ".all", "a", encoding="utf-8") as f:
                f.write(f"{method} {target}\n")
        if method == "CONNECT":
            host, port = split_host_port(target, 443)
            if not is_loopback(host):
                return refuse(client, f"CONNECT {target}", log)
            upstream = socket.create_connection((host.strip("[]"), port))
            client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
        else:
            if not target.startswith("http://"):
                return refuse(client, f"{method} {target}", log)
            authority, _, path = target[len("http://"):].partition("/")
            host, port = split_host_port(authority, 80)
            if not is_loopback(host):
                return refuse(client, f"{method} {target}", log)
            upstream = socket.create_connection((host.strip("[]"), port))
            headers = [
                h for h in lines[1:]
                if h.split(":", 1)[0].strip().lower() not in ("proxy-connection", "connection")
            ]
            request = "\r\n".join([f"{method} /{path} {version}", *headers, "Connection: close", "", ""])
            upstream.sendall(request.encode("latin-1") + rest)
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)
    except (OSError, ValueError):
        try:
            client.close()
        except OSError:
            pass


LOCK = threading.Lock()


def main():
    port_file, log = sys.argv[1], sys.argv[2]
    open(log, "a", encoding="utf-8").close()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    with open(port_file, "w", encoding="utf-8") as f:
        f.write(str(server.getsockname()[1]))
    while True:
        client, _ = server.accept()
        threading.Thread(target=handle, args=(client, log), daemon=True).start()


if __name__ == "__main__":
    main()
