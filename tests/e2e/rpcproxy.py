#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A TCP proxy on 127.0.0.1 for the chain tests' RPC outages.

    rpcproxy.py PORTFILE TARGET_PORT

Listens on a port the kernel picks (written to PORTFILE) and forwards every
connection to 127.0.0.1:TARGET_PORT. SIGUSR1 takes it down (the listener is
closed and every connection reset: clients see "connection refused"), SIGUSR2
brings it back on the same port.
"""
import os
import signal
import socket
import sys
import threading

portfile, target = sys.argv[1], int(sys.argv[2])
lock = threading.Lock()
conns = set()
state = {"listener": None, "port": 0}


def listen():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", state["port"]))
    s.listen(64)
    state["port"] = s.getsockname()[1]
    state["listener"] = s
    threading.Thread(target=accept, args=(s,), daemon=True).start()


def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def accept(s):
    while True:
        try:
            c, _ = s.accept()
        except OSError:
            return
        try:
            u = socket.create_connection(("127.0.0.1", target))
        except OSError:
            c.close()
            continue
        with lock:
            conns.update((c, u))
        threading.Thread(target=pipe, args=(c, u), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c), daemon=True).start()


def down(*_):
    # shutdown() first: close() alone does not wake a thread blocked in
    # accept() or recv() on Linux, and the socket would live on.
    if state["listener"]:
        try:
            state["listener"].shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        state["listener"].close()
        state["listener"] = None
    with lock:
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        conns.clear()


def up(*_):
    if not state["listener"]:
        listen()


signal.signal(signal.SIGUSR1, down)
signal.signal(signal.SIGUSR2, up)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
listen()
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % state["port"])
os.rename(portfile + ".tmp", portfile)
while True:
    signal.pause()
