"""bench/load.py's sampling of what the run used: CPU of the machine, gunicorn
and PostgreSQL, and what PostgreSQL's backends wait for."""

from __future__ import annotations

import math
import os
import re
import threading
import time
from pathlib import Path
from typing import Any


class Usage:
    """CPU used during the run, from /proc (Linux): the machine's, gunicorn's (its
    master and workers), the PostgreSQL backends serving the load database, sampled
    every second so that a backend that ends during the run still counts."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, server_pid: int, database: str, url: str = "") -> None:
        self.server_pid, self.database = server_pid, database.encode()
        self.url = url  # PostgreSQL: what its backends wait for is sampled too
        self.waits: dict[str, int] = {}
        self.blocked: dict[str, int] = {}  # the statements that waited for a lock or ran last before idling
        self.samples = 0
        self.first: dict[int, float] = {}  # CPU seconds of a process when first seen (0 if it started since)
        self.last: dict[int, float] = {}
        self.kind: dict[int, str] = {}  # "gunicorn", "postgres", or "other" (not counted)
        self.stop = threading.Event()
        self.started = time.perf_counter()
        self.machine0 = self.machine()
        self.load0 = os.getloadavg()
        self.initial = True
        self.sample()
        self.initial = False
        self.thread = threading.Thread(target=self.every_second, daemon=True)
        self.thread.start()

    @staticmethod
    def machine() -> tuple[float, float]:
        """Busy and stolen CPU seconds of the whole machine so far."""
        try:
            fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except OSError:
            return math.nan, math.nan
        user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0.0] * 8)[:8]
        return (user + nice + system + irq + softirq) / Usage.TICK, steal / Usage.TICK

    def sample(self) -> None:
        for entry in Path("/proc").iterdir() if Path("/proc/stat").exists() else []:
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                ppid, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / self.TICK
                kind = self.kind.get(pid)
                if kind is None:
                    cmdline = (entry / "cmdline").read_bytes()
                    if pid == self.server_pid or ppid == self.server_pid:
                        kind = "gunicorn"
                    elif self.database and cmdline.startswith(b"postgres:") and self.database in cmdline:
                        kind = "postgres"
                    else:
                        kind = "other"
                    self.kind[pid] = kind
                    self.first[pid] = 0.0 if not self.initial else cpu
            except (OSError, ValueError, IndexError):
                continue
            if kind != "other" and cpu >= self.last.get(pid, 0.0):  # (a number used again: not counted again)
                self.last[pid] = cpu

    def every_second(self) -> None:
        conn = None
        if self.url:
            import psycopg

            conn = psycopg.connect(self.url, autocommit=True)
            self.kind[conn.info.backend_pid] = "other"  # this sampler's own backend is not the load's
        try:
            tick = 0
            while not self.stop.wait(0.25):
                tick += 1
                if tick % 4 == 0:
                    self.sample()
                if conn is not None:
                    self.sample_waits(conn)
        finally:
            if conn is not None:
                conn.close()

    def sample_waits(self, conn: Any) -> None:
        """What the load database's backends are doing, four times a second: running,
        waiting for a lock (a row another transaction holds), for the WAL to be flushed
        at a commit, other waits; or idle inside a transaction."""
        rows = conn.execute(
            "SELECT state, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            [self.database.decode()]).fetchall()
        self.samples += 1
        for state, wait_type, wait, query in rows:
            if state == "active":
                what = ("lock" if wait_type == "Lock" else "WAL flush" if wait in ("WALSync", "WALWrite", "WALInsert")
                        else "client" if wait_type == "Client" else "running" if wait_type is None
                        else f"{wait_type}/{wait}")
            elif state and state.startswith("idle in transaction"):
                what = "idle in transaction"
            else:
                continue
            self.waits[what] = self.waits.get(what, 0) + 1
            if what in ("lock", "idle in transaction"):
                statement = f"{what}: {re.sub(r'[0-9]+', 'N', query)}"
                self.blocked[statement] = self.blocked.get(statement, 0) + 1

    def waiting(self) -> str:
        """The backends' average numbers in each state over the run."""
        if not self.samples:
            return ""
        return ", ".join(f"{what} {n / self.samples:.2f}" for what, n in sorted(self.waits.items(), key=lambda w: -w[1]))

    def finish(self) -> dict[str, float]:
        self.stop.set()
        self.thread.join()
        self.sample()
        busy, steal = (b - a for a, b in zip(self.machine0, self.machine(), strict=True))
        used = {"gunicorn": 0.0, "postgres": 0.0}
        for pid, cpu in self.last.items():
            used[self.kind[pid]] += cpu - self.first[pid]
        return {"seconds": time.perf_counter() - self.started, "busy": busy, "steal": steal, **used}
