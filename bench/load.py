"""Load harness: phones answering questionnaires and staff opening member pages,
against gunicorn on loopback with the production settings.

    make bench-load                                   # 50 phones + 10 staff, 60 s, on PostgreSQL
    BENCH_PHONES=5 BENCH_STAFF=2 BENCH_SECONDS=10 .venv/bin/python bench/load.py
    BENCH_DB=sqlite .venv/bin/python bench/load.py    # no PostgreSQL at hand (writes queue up)

What it does, by itself:

1. builds a database (``BENCH_DB``: a PostgreSQL URL, default the database
   ``peerpath_load`` on 127.0.0.1, dropped and created anew, never another name;
   or ``sqlite`` for a file in a temporary folder), migrates it, and creates an
   organisation, members with some history, self-report links (PHQ-9) for the
   phones and signed-in, two-factor-verified sessions for the staff;
2. starts gunicorn on a free loopback port with the production settings: DEBUG
   off, secrets generated for the run and passed through the environment,
   ``BENCH_WORKERS`` workers × ``BENCH_THREADS`` threads (default 2 × 4: see the
   performance section of docs/deployment.md), ``--keep-alive 10``;
3. runs the phones (each answers one questionnaire after another: open the link,
   answer every question, finish; ``BENCH_THINK`` seconds between taps) and the
   staff (each opens a random member's page, then the next) for ``BENCH_SECONDS``;
4. stops gunicorn and prints the requests, errors, and p50/p95/p99 latency of each
   kind, against the goals (0 errors; p99 ≤ 500 ms for phones, ≤ 800 ms for staff);
5. checks that every questionnaire a phone finished was stored exactly once, as
   completed, with its answers and its scores.

The clients are threads with ``requests`` sessions (keep-alive, cookies), spread
over ``BENCH_CLIENT_PROCS`` processes (default 4; each runs its share of the
phones and staff and sends its figures back). In one process (``1``) sixty client
threads take turns on its one interpreter lock, and a response that arrived waits
for a turn before its time is taken: the harness's own waiting counts as the
server's latency. On a two-core machine the clients still share the cores with the
server, as a benchmark on one machine must, so the run prints what the clients,
gunicorn and PostgreSQL used of the machine, and the rest (other programs), with
the load average, for a reader to judge the figures by.

``BENCH_REUSE=1`` keeps the database of the previous run (its members and staff;
new links and sessions are made) and the secrets it was built with (in a file of
the system's temporary folder, readable by its owner only): for trying settings
one after another. Figures to report come from a fresh build.

The harness's parts are modules of this folder that this script imports (named
with a leading underscore, so that the smoke run does not take them for
benchmarks): ``_load_setup`` (the settings, secrets, database, static files, links
and sessions), ``_load_clients`` (the phones and staff), ``_load_usage`` (what the
run used of the machine and what PostgreSQL's backends waited for) and
``_load_report`` (the figures against the goals and the stored-once check).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _load_clients import run_load, warm_up
from _load_report import report
from _load_setup import (
    CLIENT_PROCS,
    DB,
    LOAD_DB_NAME,
    MEMBERS,
    PHONES,
    ROOT,
    SECONDS,
    STAFF,
    THINK,
    THREADS,
    WORKERS,
    database,
    environment,
    free_port,
    run_secrets,
    setup,
)
from _load_usage import Usage


def main() -> int:
    var_dir = Path(tempfile.mkdtemp(prefix="peerpath-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        url, reuse = database(var_dir)
        os.environ.update(environment(var_dir, url, port, run_secrets(reuse)))
        # enough for the fastest a phone can go (9 answers and the finish, each after at
        # least half the think time): a phone that ran out of links would end the load early
        links_per_phone = max(2, int(SECONDS / max(THINK * 10 * 0.5, 0.5)) + 2)
        t0 = time.perf_counter()
        tokens, session_keys, codes = setup(links_per_phone, reuse)
        print(f"database: {url.split(':', 1)[0]}, {MEMBERS} members, {PHONES}×{links_per_phone} links, "
              f"{STAFF} staff sessions; {'kept from the previous run, links made' if reuse else 'built'} "
              f"in {time.perf_counter() - t0:.1f} s")
        command = [str(Path(sys.executable).parent / "gunicorn"), "peerpath.wsgi:application",
                   "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", str(THREADS),
                   "--keep-alive", "10", "--log-level", "warning"]
        server = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ))  # noqa: S603
        ready = time.monotonic() + 60
        while time.monotonic() < ready:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        import requests

        requests.get(f"{base}/healthz/", timeout=30, headers={"X-Forwarded-Proto": "https"})
        warm_up(base, tokens, session_keys, codes)
        print(f"gunicorn: {WORKERS} workers × {THREADS} threads, keep-alive 10 s, on 127.0.0.1:{port}")
        watch: list[Usage] = []
        stats, client_cpu = run_load(base, tokens, session_keys, codes, lambda: watch.append(
            Usage(server.pid, "" if DB == "sqlite" else LOAD_DB_NAME, "" if DB == "sqlite" else url)))
        usage = watch[0]
        used = usage.finish()
        load = os.getloadavg()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    ok = report(stats, usage, used, client_cpu, load, phones=PHONES, staff=STAFF, think=THINK,
                client_procs=CLIENT_PROCS)
    shutil.rmtree(var_dir, ignore_errors=True)
    if not ok:
        print("some goals were missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
