"""Load and crash test of the production server (gunicorn on 127.0.0.1 only).

    python benchmarks/load.py                 # 20,000 mixed requests, then 6,000 with a kill
    python benchmarks/load.py --requests 400 --kill-requests 200   # quick

Phase 1: 32 concurrent clients send a fixed mix — canvas PNGs, phone JPEGs, bad requests,
share creations, share page views — bounded in count and time. Reports requests/s, p50/p99,
errors among valid requests (must be 0), bad requests answered 4xx, worker memory before/after.
Phase 2: the same load while one worker is killed with SIGKILL halfway: the master must replace
it, the load must go on, every share whose creation returned 2xx must still be readable, and
SQLite's integrity check must pass. Appends its report to benchmarks/RESULTS-load.md.
"""

import argparse
import http.client
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import canvas_png, phone_jpeg, rss_mb, start_server, free_port, worker_pids  # noqa: E402,E501
from hcr.data import load_test  # noqa: E402

CLIENTS = 32
# The leak check: growth of each worker's anonymous (heap) memory over phase 1, after warm-up.
# Resident size also counts shared-library code, which a worker pages in when it first takes a
# path (and more of it when the files were just installed), so it is reported but not judged.
MAX_GROWTH = 0.10
MAX_SECONDS = 600
# One cycle of the mix: what a class of phones sends.
MIX = (["canvas"] * 10 + ["photo"] * 2 + ["not-image", "empty", "bad-json"]
       + ["share"] * 3 + ["view"] * 2)
BAD = {"not-image", "empty", "bad-json"}


class Load:
    def __init__(self, port, bodies, view_ids):
        self.port = port
        self.bodies = bodies
        self.view_ids = view_ids
        self.lock = threading.Lock()
        self.results = []          # (kind, status, seconds)
        self.created = []          # share ids whose creation returned 2xx
        self.connection_errors = 0

    def request(self, connection, kind, i):
        if kind == "canvas":
            return connection.request("POST", "/api/predict", self.bodies["canvas"],
                                      {"Content-Type": "image/png"})
        if kind == "photo":
            return connection.request("POST", "/api/predict", self.bodies["photo"],
                                      {"Content-Type": "image/jpeg"})
        if kind == "share":
            return connection.request("POST", "/api/shares", self.bodies["canvas"],
                                      {"Content-Type": "image/png"})
        if kind == "view":
            share_id = self.view_ids[i % len(self.view_ids)]
            return connection.request("GET", f"/s/{share_id}")
        if kind == "not-image":
            return connection.request("POST", "/api/predict", b"%PDF-1.4 not an image",
                                      {"Content-Type": "image/png"})
        if kind == "empty":
            return connection.request("POST", "/api/predict", b"", {"Content-Length": "0"})
        return connection.request("POST", "/api/predict", b'{"image": 42',
                                  {"Content-Type": "application/json"})

    def client(self, counter, total, deadline):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while True:
            with self.lock:
                i = next(counter)
            if i >= total or time.monotonic() > deadline:
                break
            kind = MIX[i % len(MIX)]
            start = time.perf_counter()
            try:
                self.request(connection, kind, i)
                response = connection.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                # The worker holding this connection died (phase 2): a new connection.
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                with self.lock:
                    self.connection_errors += 1
                    self.results.append((kind, 0, time.perf_counter() - start))
                continue
            elapsed = time.perf_counter() - start
            with self.lock:
                self.results.append((kind, status, elapsed))
                if kind == "share" and 200 <= status < 300:
                    self.created.append(json.loads(body)["id"])
        connection.close()

    def run(self, total, on_half=None):
        counter = itertools.count()
        deadline = time.monotonic() + MAX_SECONDS
        threads = [threading.Thread(target=self.client, args=(counter, total, deadline))
                   for _ in range(CLIENTS)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        if on_half:
            while len(self.results) < total // 2 and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            on_half()
        for thread in threads:
            thread.join()
        return time.perf_counter() - start

    def summary(self, seconds):
        kinds = np.array([k for k, _, _ in self.results])
        status = np.array([s for _, s, _ in self.results])
        latency = np.array([t for _, _, t in self.results]) * 1000
        bad = np.isin(kinds, list(BAD))
        valid_ok = (status >= 200) & (status < 300)
        return {
            "requests": len(self.results), "seconds": seconds,
            "rps": len(self.results) / seconds,
            "p50_ms": float(np.percentile(latency, 50)),
            "p99_ms": float(np.percentile(latency, 99)),
            "valid_requests": int((~bad).sum()),
            "valid_errors": int((~bad & ~valid_ok).sum()),
            "bad_requests": int(bad.sum()),
            "bad_answered_4xx": int((bad & (status >= 400) & (status < 500)).sum()),
            "server_errors_5xx": int((status >= 500).sum()),
            "connection_errors": self.connection_errors,
            "shares_created": len(self.created),
        }


def all_readable(port, share_ids):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    missing = 0
    for share_id in share_ids:
        connection.request("GET", f"/api/shares/{share_id}")
        response = connection.getresponse()
        response.read()
        missing += response.status != 200
    connection.close()
    return missing


def create_shares(port, body, count):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ids = []
    for _ in range(count):
        connection.request("POST", "/api/shares", body, {"Content-Type": "image/png"})
        response = connection.getresponse()
        ids.append(json.loads(response.read())["id"])
    connection.close()
    return ids


def private_mb(pid):
    """Anonymous memory of a process (MB): the heap and other memory no file backs."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--kill-requests", type=int, default=6_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-load.md")
    args = parser.parse_args(argv)

    test = load_test()
    bodies = {"canvas": canvas_png(test), "photo": phone_jpeg(test)}
    port = free_port()
    instance = tempfile.mkdtemp()
    os.environ["HCR_RATELIMIT_ENABLED"] = "0"  # one client address plays 32 phones
    server, _ = start_server(port, instance)
    try:
        view_ids = create_shares(port, bodies["canvas"], 20)
        workers = worker_pids(server.pid)
        warm = Load(port, bodies, view_ids)
        warm.run(len(MIX) * CLIENTS)
        memory_before = {pid: (rss_mb(pid), private_mb(pid)) for pid in workers}

        print(f"phase 1: {args.requests} requests, {CLIENTS} clients", flush=True)
        load = Load(port, bodies, view_ids)
        phase1 = load.summary(load.run(args.requests))
        memory_after = {pid: (rss_mb(pid), private_mb(pid)) for pid in workers}
        phase1["missing_shares"] = all_readable(port, load.created)

        print(f"phase 2: {args.kill_requests} requests, a worker killed halfway", flush=True)
        crash = Load(port, bodies, view_ids)
        victim = worker_pids(server.pid)[0]
        phase2 = crash.summary(crash.run(args.kill_requests,
                                         on_half=lambda: os.kill(victim, signal.SIGKILL)))
        time.sleep(1)
        phase2["killed_worker"] = victim
        phase2["workers_after"] = len(worker_pids(server.pid))
        phase2["victim_replaced"] = victim not in worker_pids(server.pid)
        phase2["missing_shares"] = all_readable(port, crash.created + load.created)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    with sqlite3.connect(Path(instance) / "shares.sqlite3") as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
    shutil.rmtree(instance, ignore_errors=True)

    growth = max((memory_after[p][1] - memory_before[p][1]) / memory_before[p][1] for p in workers)
    report = [
        f"## Load test, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"`python benchmarks/load.py --requests {args.requests} --kill-requests "
        f"{args.kill_requests}`: gunicorn on 127.0.0.1 with {len(workers)} workers, "
        f"{CLIENTS} concurrent clients, mix per {len(MIX)} requests: 10 canvas PNGs, 2 phone "
        "JPEGs (1600x1200), 3 bad requests, 3 share creations, 2 share page views.",
        "",
        "| phase | requests | req/s | p50 ms | p99 ms | valid errors | bad → 4xx | 5xx | "
        "connection errors | shares created | shares missing after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, p in (("steady", phase1), ("worker SIGKILLed halfway", phase2)):
        report.append(
            f"| {name} | {p['requests']} | {p['rps']:.0f} | {p['p50_ms']:.1f} | "
            f"{p['p99_ms']:.1f} | {p['valid_errors']} | {p['bad_answered_4xx']}/"
            f"{p['bad_requests']} | {p['server_errors_5xx']} | {p['connection_errors']} | "
            f"{p['shares_created']} | {p['missing_shares']} |")
    report += [
        "",
        "- Worker memory (MB) before → after phase 1, resident: " + ", ".join(
            f"{memory_before[p][0]:.0f} → {memory_after[p][0]:.0f}" for p in workers)
        + "; anonymous (heap): " + ", ".join(
            f"{memory_before[p][1]:.1f} → {memory_after[p][1]:.1f}" for p in workers)
        + f" (largest growth {100 * growth:.1f}%, at most {100 * MAX_GROWTH:.0f}% allowed).",
        f"- Phase 2: worker {phase2['killed_worker']} killed with SIGKILL; replaced: "
        f"{phase2['victim_replaced']}; workers afterwards: {phase2['workers_after']}. "
        "Requests on the killed worker's connections fail (counted as connection errors) and "
        "the clients reconnect.",
        f"- SQLite after the test: journal_mode={journal}, integrity_check={integrity}.",
        "",
    ]
    with open(args.out, "a") as f:
        f.write("\n".join(report) + "\n")
    print("\n".join(report))
    ok = (phase1["valid_errors"] == 0 and phase1["server_errors_5xx"] == 0
          and phase1["missing_shares"] == 0 and phase2["missing_shares"] == 0
          and phase2["victim_replaced"] and integrity == "ok" and growth < MAX_GROWTH)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
