"""Benchmark: ``peerpath rescore`` of 1,000,000 questionnaires.

    make bench                                          # also runs the other benchmarks
    .venv/bin/python bench/rescore.py                   # 20,000 on SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peerpath_bench .venv/bin/python bench/rescore.py
    BENCH_ADMINISTRATIONS=100000 DATABASE_URL=postgres://… .venv/bin/python bench/rescore.py

1. Builds ``BENCH_ADMINISTRATIONS`` completed administrations (default 1,000,000 on
   PostgreSQL with ``DATABASE_URL``, 20,000 on SQLite) of 50 per member, the PHQ-9,
   the K10 and the WHO-5 in turn, random answers with about 3% missing (so some are
   prorated and some cannot be scored), each with a stored score from an "older
   definition" (value -1, version 0), bulk-inserted (COPY on PostgreSQL). The database
   must hold no questionnaire yet (``BENCH_REUSE=1`` measures what is there instead,
   after a ``VACUUM ANALYZE`` of the scores, as autovacuum would do).
2. Runs ``peerpath rescore`` in a child process (as production runs it, DEBUG off)
   and prints its time, administrations per second and the child's peak memory (RSS)
   against the targets: 1,000,000 in ≤ 60 s (≥ 16,667 per second) and ≤ 500 MB, with
   the load average before and after and, on PostgreSQL, the share of score rows
   updated in place (HOT: no index touched). ``BENCH_REPEAT=3`` runs it three times
   (``VACUUM ANALYZE`` before each) and prints the median.
3. Checks that every score of a completed administration was rewritten by the last
   run with the current definitions and that a sample of 500 equals ``score_one``'s.

Not a test: figures vary with the machine and its load (the load average is printed).
"""

from __future__ import annotations

import datetime as dt
import json
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
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
if "DATABASE_URL" not in os.environ:
    os.environ.setdefault("PEERPATH_VAR_DIR", tempfile.mkdtemp(prefix="peerpath-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

N = int(os.environ.get("BENCH_ADMINISTRATIONS", "1000000" if POSTGRES else "20000"))
REUSE = os.environ.get("BENCH_REUSE", "") not in ("", "0")
REPEAT = max(1, int(os.environ.get("BENCH_REPEAT", "1")))
INSTRUMENTS = ("phq9", "k10", "who5")
PER_MEMBER = 50
MISSING_RATE = 0.03
BUILD_CHUNK = 50_000
SAMPLE = 500
SEED = 20261206
TARGET_RATE = 1_000_000 / 60  # administrations per second: 1M in a minute
TARGET_MB = 500.0


def answers_json(item_ids: list[str], matrix: object) -> list[str]:
    """Each row's answers as the JSONField stores them (unanswered items left out)."""
    import numpy as np

    assert isinstance(matrix, np.ndarray)
    keys = [json.dumps(i) + ": " for i in item_ids]
    return ["{" + ", ".join(keys[j] + repr(v) for j, v in enumerate(row) if v == v) + "}" for row in matrix.tolist()]


def build() -> None:
    import datetime as dt

    import numpy as np
    from django.utils import timezone

    from peerpath.exchange import bulk
    from peerpath.measures.library import library
    from peerpath.measures.models import Administration, AdministrationStatus, StoredScore
    from peerpath.members.models import Member
    from peerpath.tenancy.models import Organization

    rng = np.random.default_rng(SEED)
    instruments = [library()[i] for i in INSTRUMENTS]
    org = Organization.objects.create(name="Bench rescoring", slug="bench-rescore")
    n_members = max(1, -(-N // PER_MEMBER))
    member_ids: list[int] = []
    for start in range(0, n_members, 5000):
        member_ids += [m.pk for m in Member.objects.bulk_create(
            Member(organization=org, code=f"R{i:07d}", name=f"成員{i}", enrolment_date=dt.date(2020, 1, 1))
            for i in range(start, min(n_members, start + 5000)))]
    now = timezone.now()
    first_day = dt.date(2020, 1, 1)
    for start in range(0, N, BUILD_CHUNK):
        count = min(BUILD_CHUNK, N - start)
        numbers = np.arange(start, start + count)
        which = numbers % len(instruments)
        rows: list[tuple[object, ...]] = []
        scores: list[tuple[object, ...]] = []
        for k, instrument in enumerate(instruments):
            at = numbers[which == k]
            columns = [rng.choice(np.array(instrument.response_sets[item.response_set].values), size=at.size)
                       for item in instrument.items]
            matrix = np.column_stack(columns).astype(float)
            matrix[rng.random(matrix.shape) < MISSING_RATE] = np.nan
            for n, answers in zip(at.tolist(), answers_json([i.id for i in instrument.items], matrix), strict=True):
                rows.append((n, member_ids[n // PER_MEMBER], instrument.id,
                             first_day + dt.timedelta(days=(n % PER_MEMBER) * 30), answers))
        rows.sort()
        with transaction.atomic():
            ids = bulk.insert(Administration, {
                "organization_id": org.pk, "instrument_version": 1, "mode": "staff",
                "status": AdministrationStatus.COMPLETED, "created_at": now, "completed_at": now,
            }, ["member_id", "instrument_id", "taken_on", "answers"], (r[1:] for r in rows),
                returning=True, prepared=["answers"])
            for pk, (_n, member_id, instrument_id, taken_on, _answers) in zip(ids, rows, strict=True):
                for score in library()[str(instrument_id)].scores:
                    scores.append((pk, member_id, instrument_id, score.id, taken_on))
            bulk.insert(StoredScore, {
                "organization_id": org.pk, "value": -1.0, "n_answered": 0, "prorated": False, "flag": False,
                "definition_version": 0, "computed_at": now,
            }, ["administration_id", "member_id", "instrument_id", "score_id", "taken_on"], scores)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics for the planner, as after any bulk load
            cursor.execute("ANALYZE measures_administration, measures_storedscore")


def vacuum() -> None:
    """``VACUUM ANALYZE`` of the scores (as autovacuum would do between runs): the
    dead rows of a run before are not left for the next one to step over."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE measures_storedscore")


def updates() -> tuple[int, int]:
    """Score rows updated so far, and of them those updated in place (PostgreSQL's
    statistics; (0, 0) elsewhere)."""
    if connection.vendor != "postgresql":
        return (0, 0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = %s",
                       ["measures_storedscore"])
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def measure(total: int) -> tuple[float, float]:
    """One run of ``peerpath rescore`` in a child process: its seconds and the peak
    RSS (MB) of the children so far."""
    before = updates()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"load average {load()} (1 / 5 / 15 min) before the run")
    connection.close()
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, __file__, "--child"], capture_output=True, text=True, check=False)  # noqa: S603
    process_seconds = time.perf_counter() - t0
    if run.returncode:
        sys.exit(f"peerpath rescore failed:\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    lines = run.stdout.strip().splitlines()
    seconds = float(lines[-1].removeprefix("seconds: "))  # the command's own time, without Python's start-up
    child_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = child_usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    rate = total / seconds if seconds else float("inf")
    print(lines[-2])
    print(f"rescore      {seconds:8.1f} s   {rate:10,.0f} administrations/s   "
          f"(target 1,000,000 in ≤ 60 s: ≥ {TARGET_RATE:,.0f}/s) {'ok' if rate >= TARGET_RATE else 'MISSED'}; "
          f"1,000,000 at this rate: {1_000_000 / rate:.0f} s; with start-up {process_seconds:.1f} s; "
          f"load average after {load()}")
    cpu = child_usage.ru_utime + child_usage.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    print(f"CPU          {cpu:8.1f} s of the rescore process (with its start-up); the rest of the time is the "
          f"database's, or waiting for a core")
    if connection.vendor == "postgresql":
        time.sleep(1)  # the statistics of the child's last transactions
        updated, in_place = (after - then for after, then in zip(updates(), before, strict=True))
        print(f"updates      {updated:,} score rows updated, {in_place / updated if updated else 0:.0%} in place "
              f"(HOT: no index touched)")
    return seconds, peak_mb


def child() -> None:
    """``peerpath rescore`` as production runs it (no query log)."""
    with override_settings(DEBUG=False):
        t0 = time.perf_counter()
        call_command("rescore")
        print(f"seconds: {time.perf_counter() - t0:.3f}")


def check(started: dt.datetime) -> list[str]:
    """Problems with the rescored data (empty: every score of a completed administration
    was computed by the run that started at ``started`` with the current definitions,
    and a sample equals score_one's)."""
    import math
    import random

    from peerpath.measures.library import library
    from peerpath.measures.models import Administration, AdministrationStatus, StoredScore
    from peerpath.measures.scoring import score_one

    problems = []
    old = StoredScore.objects.filter(definition_version=0).count()
    if old:
        problems.append(f"{old:,} scores were not rewritten")
    stale = StoredScore.objects.filter(administration__status=AdministrationStatus.COMPLETED,
                                       instrument_id__in=list(library()), computed_at__lt=started).count()
    if stale:
        problems.append(f"{stale:,} scores were not computed by the run")
    ids = list(Administration.objects.order_by("pk").values_list("pk", flat=True))
    sample = random.Random(SEED).sample(ids, min(SAMPLE, len(ids)))
    stored = {(a, s): (v, p) for a, s, v, p in StoredScore.objects.filter(administration_id__in=sample)
              .values_list("administration_id", "score_id", "value", "prorated")}
    for administration in Administration.objects.filter(pk__in=sample):
        result = score_one(library()[administration.instrument_id], administration.answers)
        for score_id, s in result["scores"].items():
            value = None if s["value"] is None or math.isnan(s["value"]) else s["value"]
            if stored.get((administration.pk, score_id)) != (value, s["prorated"]):
                problems.append(f"administration {administration.pk} {score_id}: stored "
                                f"{stored.get((administration.pk, score_id))!r}, score_one {(value, s['prorated'])!r}")
    return problems


def main() -> None:
    from django.utils import timezone

    from peerpath.measures.models import Administration, StoredScore

    call_command("migrate", verbosity=0)
    if Administration.objects.exists() and not REUSE:
        sys.exit("The database already holds questionnaires: set BENCH_REUSE=1 to rescore them, "
                 "or use an empty database.")
    if not REUSE:
        t0 = time.perf_counter()
        build()
        print(f"build: {time.perf_counter() - t0:.1f} s")
    total = Administration.objects.count()
    print(f"database: {connection.vendor}, administrations: {total:,} ({', '.join(INSTRUMENTS)}), "
          f"scores: {StoredScore.objects.count():,}")
    print(f"machine: {os.cpu_count()} cores (other processes share them: compare runs on a quiet machine)")
    runs: list[float] = []
    peak_mb = 0.0
    for n in range(REPEAT):
        if REUSE or n:
            t0 = time.perf_counter()
            vacuum()
            print(f"VACUUM ANALYZE of the scores: {time.perf_counter() - t0:.1f} s")
        started = timezone.now()
        seconds, peak_mb = measure(total)
        runs.append(seconds)
    seconds = sorted(runs)[len(runs) // 2]
    rate = total / seconds if seconds else float("inf")
    rate_ok, memory_ok = rate >= TARGET_RATE, peak_mb <= TARGET_MB
    if REPEAT > 1:
        print(f"median       {seconds:8.1f} s   {rate:10,.0f} administrations/s of {REPEAT} runs "
              f"({', '.join(f'{r:.1f}' for r in runs)} s) {'ok' if rate_ok else 'MISSED'}")
    print(f"peak memory  {peak_mb:8.0f} MB RSS of the rescore process (target ≤ {TARGET_MB:.0f} MB) "
          f"{'ok' if memory_ok else 'MISSED'}")
    problems = check(started)
    print(f"checked      every score rewritten; a sample of {min(SAMPLE, total):,} equals score_one's"
          if not problems else "checked      PROBLEMS:\n  " + "\n  ".join(problems[:10]))
    if problems:
        sys.exit(1)
    if not (rate_ok and memory_ok):
        print("some targets were missed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        child()
    else:
        main()
