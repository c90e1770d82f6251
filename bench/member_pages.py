"""Benchmark: member list, name search and member page at national scale.

    make bench                    # 20,000 members on SQLite in a temporary folder
    BENCH_MEMBERS=100000 make bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peerpath_bench make bench

Prints the time to build the data and the median / 95th percentile latency of
each page over repeated requests, against targets. Not a test: figures vary
with the machine; the query count per page is asserted in the test suite.
"""

from __future__ import annotations

import math
import os
import statistics
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
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

N = int(os.environ.get("BENCH_MEMBERS", "20000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
TARGETS_MS = {"member list": 300, "name search": 300, "code search": 300, "member page": 300, "dashboard": 500}


def build() -> tuple[object, str, str]:
    import datetime as dt
    import random

    from django.contrib.auth import get_user_model

    from peerpath.demo.generator import GIVEN, SURNAMES
    from peerpath.members.models import Consent, Member, MemberSearchToken, StageChange
    from peerpath.members.search import tokens_for
    from peerpath.tenancy.models import Membership, Organization

    rng = random.Random(1)
    org = Organization.objects.create(name="Bench association", slug="bench")
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    Membership.objects.create(user=user, organization=org, role="coordinator")
    today = dt.date(2026, 11, 26)
    batch = 2000
    names = []
    for start in range(0, N, batch):
        members = []
        for i in range(start, min(N, start + batch)):
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
            names.append(name)
            members.append(Member(
                organization=org, code=f"M{i + 1:06d}", name=name, phone="0900-000-000",
                enrolment_date=today - dt.timedelta(days=rng.randint(1, 3000)), diagnosis="思覺失調症",
            ))
        created = Member.objects.bulk_create(members)
        MemberSearchToken.objects.bulk_create(
            MemberSearchToken(organization=org, member=m, token=t) for m in created for t in tokens_for(m)
        )
        StageChange.objects.bulk_create(
            StageChange(organization=org, member=m, stage="awareness", changed_on=m.enrolment_date, recorded_by=user)
            for m in created
        )
        Consent.objects.bulk_create(
            Consent(organization=org, member=m, kind="service", version="1", given_on=m.enrolment_date,
                    recorded_by=user)
            for m in created
        )
    return user, names[N // 2], f"M{N // 2:06d}"


def measure(client: Client, url: str) -> list[float]:
    client.get(url)  # warm up
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main() -> None:
    setup_test_environment()
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, members: {N:,}")
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    user, name, code = build()
    print(f"build: {time.perf_counter() - t0:.1f} s")
    with override_settings(PEERPATH_REQUIRE_2FA=False, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(user)
        pages = {
            "member list": "/members/",
            "name search": f"/members/?q={name}",
            "code search": f"/members/?q={code}",
            "member page": f"/members/{code}/",
            "dashboard": "/dashboard/",
        }
        failed = False
        for label, url in pages.items():
            times = sorted(measure(client, url))
            p50 = statistics.median(times)
            p95 = times[max(0, math.ceil(len(times) * 0.95) - 1)]  # nearest rank
            ok = p95 <= TARGETS_MS[label]
            failed |= not ok
            print(f"{label:<12} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   target p95 ≤ {TARGETS_MS[label]} ms  "
                  f"{'ok' if ok else 'MISSED'}")
    if failed:
        print("some targets were missed")


if __name__ == "__main__":
    main()
