"""Benchmark: building the national data set at five times national scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peerpath_bench_national .venv/bin/python bench/national.py
    BENCH_FACTOR=1 DATABASE_URL=postgres://… .venv/bin/python bench/national.py   # national scale
    BENCH_FACTOR=0.005 .venv/bin/python bench/national.py                      # tiny, on SQLite

1. Migrates the database, which must hold no organisation yet (the set is written
   into an empty database, as ``peerpath demo --scale national`` requires).
2. Runs ``peerpath demo --scale national --factor BENCH_FACTOR`` (default 5: 250
   organisations, 100,000 members, 5,000,000 questionnaires, 10,000,000 attendance
   rows, 150,000 jobs) in a child process, as an operator would, and prints its
   wall time and the child's peak memory (RSS) against the targets: ≤ 15 minutes
   and bounded memory (≤ 500 MB, the rescore's bound).
3. Counts the rows of the national tables and the database's size.

``bench/all.py`` (``make bench``) then measures the staff pages, the reports and the
rescore on the data this leaves (``BENCH_REUSE=1``). Not a test: figures vary with
the machine and its load (the load average is printed).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "true")
if "DATABASE_URL" not in os.environ:
    os.environ.setdefault("PEERPATH_VAR_DIR", tempfile.mkdtemp(prefix="peerpath-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

FACTOR = float(os.environ.get("BENCH_FACTOR", "5"))
SEED = int(os.environ.get("BENCH_SEED", "2026"))
TARGET_SECONDS = 15 * 60
TARGET_MB = 500
TABLES = {  # what the national set writes, by model label
    "members": "members.Member",
    "questionnaires": "measures.Administration",
    "scores": "measures.StoredScore",
    "attendance rows": "groups.Attendance",
    "jobs": "employment.Job",
}


def main() -> int:
    from django.apps import apps

    from peerpath.demo.national import backend_problem, sizes
    from peerpath.tenancy.models import Organization

    planned = sizes(FACTOR)
    problem = backend_problem(connection.vendor, planned["members"])
    if problem:
        sys.exit(problem)
    call_command("migrate", verbosity=0)
    if Organization.objects.exists():
        sys.exit("The database already holds organisations: bench/national.py builds into an empty database.")
    load = os.getloadavg()
    print(f"database: {connection.vendor}, factor {FACTOR:g}: {planned['organizations']:,} organisations, "
          f"{planned['members']:,} members, {planned['administrations']:,} questionnaires planned")
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    connection.close()
    command = [sys.executable, str(ROOT / "manage.py"), "demo", "--scale", "national", "--factor", f"{FACTOR:g}",
               "--seed", str(SEED)]
    t0 = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    seconds = time.perf_counter() - t0
    if run.returncode:
        sys.exit(f"peerpath demo --scale national failed:\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    time_ok, memory_ok = seconds <= TARGET_SECONDS, peak_mb <= TARGET_MB
    minutes, rest = divmod(seconds, 60)
    print(f"build        {seconds:8.1f} s ({int(minutes)} min {rest:02.0f} s; target ≤ {TARGET_SECONDS // 60} min) "
          f"{'ok' if time_ok else 'MISSED'}")
    print(f"CPU          {usage.ru_utime + usage.ru_stime:8.1f} s of the generator (the rest is the database's, "
          f"or waiting for a core)")
    print(f"peak memory  {peak_mb:8.0f} MB RSS of the generator (target ≤ {TARGET_MB} MB) "
          f"{'ok' if memory_ok else 'MISSED'}")
    counts = {label: apps.get_model(model).objects.count() for label, model in TABLES.items()}
    print("rows         " + ", ".join(f"{n:,} {label}" for label, n in counts.items()))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            print(f"database     {cursor.fetchone()[0]} on disk, tables and indexes")
    if not (time_ok and memory_ok):
        print("some targets were missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
