"""The multi-server topology on one machine, a smoke journey through it, a worker
killed mid-task, and the backup and restore drill of docs/deployment.md.

    .venv/bin/python tests/topology/topology.py          (make topology)

Starts, all on loopback and all removed again on exit (cluster.py):

* a fresh database on the PostgreSQL primary at ``TOPOLOGY_PG`` (default
  ``postgres://postgres@127.0.0.1:5432``) and a streaming replica of that cluster
  (``.ci/pg-replica``: ``pg_basebackup -R`` into the temporary directory, on a free port);
* a Redis server of its own (``CACHE_URL``) on a free port;
* two gunicorn servers and two task workers, started with the command lines of
  deploy/systemd/ (fewer gunicorn workers: two servers share this machine), with
  production settings: DEBUG off, secrets in the environment, behind a proxy;
* nginx with deploy/nginx/peerpath.conf in front of both servers, where installed.

Then it runs the checks of checks.py, printing one line per check, and exits
non-zero at the first failure (README.md beside this file says what each proves).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checks import (
    backup_drill,
    journey,
    kill_worker_mid_task,
    periodic_tasks,
    report_on_replica,
    smoke_export,
    through_the_proxy,
)
from cluster import Topology
from common import STARTED, Failure, in_background, say


def main() -> int:
    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    keep = os.environ.get("TOPOLOGY_KEEP") == "1"
    with contextlib.ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="peerpath-topology-"))
        work.chmod(0o755)  # the replica's directory inside is the postgres user's
        if not keep:
            stack.callback(shutil.rmtree, work, ignore_errors=True)
        top = Topology(work, stack)
        current = "setting up"
        try:
            top.create_databases()
            top.start_redis()
            replica = in_background(top.start_replica)  # streams what migrate writes meanwhile
            top.install()
            replica()
            top.start_servers()
            top.start_workers()
            top.check_ready()
            if shutil.which("nginx"):
                top.start_proxy()
            else:
                say("skip  nginx is not installed: the journey through deploy/nginx/ is not run "
                    "(.ci/run installs nginx-light)")
            current = "the smoke journey"
            ctx = journey(top)
            steps: list[tuple[str, Callable[[Topology, dict[str, Any]], None]]] = [
                ("the export", smoke_export), ("the report on the replica", report_on_replica),
                ("the periodic tasks", periodic_tasks), ("the worker killed mid-task", kill_worker_mid_task),
                ("the backup and restore drill", backup_drill)]
            if shutil.which("nginx"):
                steps.insert(0, ("the journey through nginx", through_the_proxy))
            for current, step in steps:  # noqa: B007 - named in the failure message
                step(top, ctx)
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - every failure is reported, then cleaned up
            if not isinstance(exc, Failure | subprocess.TimeoutExpired | KeyboardInterrupt):
                traceback.print_exc()
            say(f"FAIL  {current}: {exc}")
            for name in top.procs.running:
                tail = top.procs.tail(name, 15)
                if tail:
                    print(f"--- last lines of {name}.log ---\n{tail}", file=sys.stderr)
            if keep:
                say(f"kept {work}")
            return 1
        say(f"PASS  topology: every check passed in {time.monotonic() - STARTED:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
