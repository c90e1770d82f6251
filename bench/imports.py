"""Benchmark: a 100,000-row REDCap records import into questionnaire responses.

    make bench                                    # also runs the other benchmarks
    .venv/bin/python bench/imports.py             # SQLite in a temporary folder
    BENCH_RECORDS=5000 BENCH_EVENTS=4 .venv/bin/python bench/imports.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peerpath_bench .venv/bin/python bench/imports.py

Generates a longitudinal REDCap export of the PHQ-9 (as the shipped definition exports
to a REDCap form) with the project's seeded generator (``peerpath.exchange.samples``):
20,000 records × 5 events = 100,000 rows, the member code on each record's first event.
Then runs the import as the pages do — upload (read, encrypt, store), check (every row,
duplicates against the database), commit (one transaction: administrations, scores,
flags, bulk-inserted) — and prints the seconds of each step and the peak memory (RSS)
against the targets: ≤ 30 s in all and ≤ 500 MB. Not a test: figures vary with the
machine.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("PEERPATH_VAR_DIR", tempfile.mkdtemp(prefix="peerpath-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

RECORDS = int(os.environ.get("BENCH_RECORDS", "20000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "5"))
SEED = 20261126
TARGET_SECONDS = 30.0
TARGET_MB = 500.0


def peak_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def build() -> object:
    import datetime as dt

    from django.contrib.auth import get_user_model

    from peerpath.exchange.samples import member_code
    from peerpath.members.models import Member
    from peerpath.tenancy.models import Membership, Organization

    org = Organization.objects.create(name="Bench association", slug="bench")
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    membership = Membership.objects.create(user=user, organization=org, role="coordinator")
    for start in range(0, RECORDS, 5000):
        Member.objects.bulk_create(
            Member(organization=org, code=member_code(i), name=f"成員{i}", enrolment_date=dt.date(2024, 1, 1))
            for i in range(start, min(RECORDS, start + 5000))
        )
    return membership


def main() -> None:
    from peerpath.exchange import actions
    from peerpath.exchange.samples import redcap_records
    from peerpath.measures.library import library
    from peerpath.measures.models import Administration, StoredScore

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}, REDCap records: {RECORDS:,} × {EVENTS} events = {RECORDS * EVENTS:,} rows (PHQ-9)")
    call_command("migrate", verbosity=0)
    membership = build()
    events = [f"visit_{e + 1}_arm_1" for e in range(EVENTS)]
    data = redcap_records(library()["phq9"], records=RECORDS, events=events, seed=SEED, missing_rate=0.01).encode()
    print(f"file: {len(data) / 1e6:.1f} MB; memory before the import {peak_mb():.0f} MB")
    options = {"instrument": "phq9", "form": "phq9", "date_field": "visit_date", "member_field": "member_code"}
    steps: list[tuple[str, float, float]] = []
    t0, c0 = time.perf_counter(), time.process_time()
    batch = actions.upload(membership, kind="redcap", file_name="records.csv", data=data, options=options)
    batch = actions.save_mapping(membership, batch, mapping={}, options=options)
    steps.append(("upload (read, encrypt, store)", time.perf_counter() - t0, time.process_time() - c0))
    t1, c1 = time.perf_counter(), time.process_time()
    check = actions.preview(membership, batch)
    steps.append(("check every row", time.perf_counter() - t1, time.process_time() - c1))
    assert not check.problems, [str(p) for p in check.problems[:5]]
    t2, c2 = time.perf_counter(), time.process_time()
    batch.refresh_from_db()
    batch = actions.commit(membership, batch)
    steps.append(("commit (one transaction)", time.perf_counter() - t2, time.process_time() - c2))
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  {'step':<32} {'seconds':>8} {'CPU s':>8}   (load average {load:.1f} on {os.cpu_count()} CPUs)")
    for label, seconds, cpu_seconds in steps:
        print(f"  {label:<32} {seconds:8.1f} {cpu_seconds:8.1f}")
    administrations = Administration.objects.count()
    print(f"imported {administrations:,} questionnaires, {StoredScore.objects.count():,} scores, "
          f"{batch.result.get('flags', 0):,} flags")
    peak = peak_mb()
    time_ok, memory_ok = total <= TARGET_SECONDS, peak <= TARGET_MB
    print(f"total {total:.1f} s, {cpu:.1f} s of CPU (target ≤ {TARGET_SECONDS:.0f} s) {'ok' if time_ok else 'MISSED'}; "
          f"peak memory {peak:.0f} MB RSS (target ≤ {TARGET_MB:.0f} MB) {'ok' if memory_ok else 'MISSED'}")
    assert administrations == RECORDS * EVENTS


if __name__ == "__main__":
    # DEBUG (on for development secrets) makes Django keep and format every SQL statement;
    # production runs with it off, and so does the import being measured.
    with override_settings(DEBUG=False):
        main()
