"""Benchmark: the staff pages at national scale, each against Django's floor.

The floor is a login-required view rendering a tiny template (this script adds it
at ``/bench-floor/``): what any signed-in page costs before it does any work
(sessions, authentication, middleware). Each page's median is printed as a
multiple of the floor's median measured alternately with it (a floor request,
then the page's, so that a machine whose speed drifts during the run moves both
alike; the goal is ≤ 4×): the member list and searches, the
member page of a member with a short history and of one with a long history (300
timeline rows: the page shows the latest entries, so it should cost the same),
the group page, the caseload and the dashboard.

    .venv/bin/python bench/member_pages.py        # 20,000 members on SQLite in a temporary folder
    BENCH_MEMBERS=100000 .venv/bin/python bench/member_pages.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/peerpath_bench .venv/bin/python bench/member_pages.py
    DATABASE_URL=postgres://…/peerpath_bench_national BENCH_REUSE=1 .venv/bin/python bench/member_pages.py

``BENCH_REUSE=1`` builds nothing: it measures the pages of a national data set
already in the database (``peerpath demo --scale national``, as ``bench/national.py``
builds it): in its largest organisation, the coordinator's member list, searches
and dashboard, a member's page, the page of the member with the longest history,
the group with the most sessions, and the caseload of the professional with the
most members.

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
if "DATABASE_URL" not in os.environ:  # SQLite in a folder of its own (PostgreSQL: the project's keys,
    os.environ.setdefault("PEERPATH_VAR_DIR", tempfile.mkdtemp(prefix="peerpath-bench-"))  # as the build used)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

N = int(os.environ.get("BENCH_MEMBERS", "20000"))
REUSE = os.environ.get("BENCH_REUSE", "") not in ("", "0")
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
LONG_HISTORY = int(os.environ.get("BENCH_LONG_HISTORY", "300"))  # timeline rows of the long-history member
CASELOAD = int(os.environ.get("BENCH_CASELOAD", "85"))  # members in the bench user's caseload
FLOOR_GOAL = 4.0  # each page's median within this many times the floor's
FLOOR_URL = "/bench-floor/"
PAGES = ("member list", "name search", "code search", "member page", "member page (long history)",
         "group page", "caseload", "dashboard")


def _floor_view(request: object) -> object:
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string("<!doctype html><title>floor</title><p>{{ user.username }}</p>")

    @login_required
    def view(request: object) -> HttpResponse:
        return HttpResponse(template.render({"user": request.user}, request))  # type: ignore[attr-defined]

    return view(request)


def _urlpatterns() -> list[object]:
    from django.urls import path

    from peerpath.urls import urlpatterns as project

    return [path("bench-floor/", _floor_view), *project]


urlpatterns = _urlpatterns()  # ROOT_URLCONF = this module while measuring


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
    extras(org, user, today, rng)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Statistics for the planner, as after any bulk load (docs/deployment.md, "Statistics after
        # bulk loads"), and the visibility map autovacuum would have set after so many inserts (a
        # count over an organisation's members is then read from its index alone): the state a
        # production server keeps its tables in; this one runs without autovacuum.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return user, names[N // 2], f"M{N // 2:06d}"


def extras(org: object, user: object, today: object, rng: object) -> None:
    """A member with a long history (M000001), a professional whose caseload is the
    first BENCH_CASELOAD members, and a peer group of ten with a year of weekly
    sessions."""
    import datetime as dt

    from peerpath.groups.models import Attendance, PeerGroup, RosterEntry, Session
    from peerpath.members.models import CareTeamAssignment, Consent, Member, StageChange

    members = list(Member.objects.filter(organization=org).order_by("code")[: max(CASELOAD, 10)])
    long = members[0]
    half = LONG_HISTORY // 2
    StageChange.objects.bulk_create(
        StageChange(organization=org, member=long, stage="awareness", changed_on=today - dt.timedelta(days=3 * i),
                    recorded_by=user) for i in range(half))
    Consent.objects.bulk_create(
        Consent(organization=org, member=long, kind="research", version=str(i), given_on=today - dt.timedelta(days=3 * i),
                recorded_by=user) for i in range(LONG_HISTORY - half))
    from django.contrib.auth import get_user_model

    from peerpath.tenancy.models import Membership

    pro = get_user_model().objects.create_user("bench-pro", password="bench-password-1")
    Membership.objects.create(user=pro, organization=org, role="professional")
    bench_ids["pro"] = pro
    CareTeamAssignment.objects.bulk_create(
        CareTeamAssignment(organization=org, member=m, role="professional", professional=pro,
                           started_on=today - dt.timedelta(days=30), assigned_by=user) for m in members[:CASELOAD])
    group = PeerGroup.objects.create(organization=org, name="Bench group", kind="open", started_on=today - dt.timedelta(days=400),
                                     co_facilitator=user)
    RosterEntry.objects.bulk_create(
        RosterEntry(organization=org, group=group, member=m, joined_on=today - dt.timedelta(days=400)) for m in members[:10])
    sessions = Session.objects.bulk_create(
        Session(organization=org, group=group, date=today - dt.timedelta(days=7 * w), recorded_by=user) for w in range(52))
    Attendance.objects.bulk_create(
        Attendance(organization=org, session=s, member=m, status="present") for s in sessions for m in members[:10])
    bench_ids["group"] = group.pk
    bench_ids["long"] = long.code


bench_ids: dict[str, object] = {}


def pick() -> tuple[object, str, str]:
    """The pages of a national data set already in the database (``BENCH_REUSE=1``)."""
    from django.db.models import Count, Max

    from peerpath.groups.models import PeerGroup
    from peerpath.measures.models import Administration
    from peerpath.members.models import CareTeamAssignment, Member
    from peerpath.tenancy.models import Membership, Organization

    sizes = (Member.objects.values("organization_id").annotate(n=Count("pk")).order_by("-n", "organization_id")
             .first())
    org = Organization.objects.filter(pk=sizes["organization_id"]).first() if sizes else None
    if org is None:
        sys.exit("BENCH_REUSE=1: the database holds no organisation (build one with bench/national.py)")
    coordinator = Membership.objects.filter(organization=org, role="coordinator").select_related("user").first()
    if coordinator is None:
        sys.exit(f"BENCH_REUSE=1: {org.name} has no coordinator")
    members = Member.objects.filter(organization=org)
    middle = members.order_by("code")[members.count() // 2]
    longest = (Administration.objects.filter(organization=org).values("member_id").annotate(n=Count("pk"))
               .order_by("-n", "member_id").first())
    bench_ids["long"] = Member.objects.get(pk=longest["member_id"]).code if longest else middle.code
    caseload = (CareTeamAssignment.objects.filter(organization=org, role="professional", ended_on__isnull=True)
                .values("professional_id").annotate(n=Count("member_id", distinct=True)).order_by("-n").first())
    if caseload is None:
        sys.exit(f"BENCH_REUSE=1: no professional of {org.name} has a caseload")
    bench_ids["pro"] = Membership.objects.get(organization=org, user_id=caseload["professional_id"]).user
    bench_ids["caseload"] = caseload["n"]
    group = (PeerGroup.objects.filter(organization=org).annotate(n=Count("sessions"), last=Max("sessions__date"))
             .order_by("-n", "pk").first())
    if group is None:
        sys.exit(f"BENCH_REUSE=1: {org.name} has no peer group")
    bench_ids["group"] = group.pk
    print(f"reusing the data set: {org.name} ({members.count():,} members of {Member.objects.count():,}), "
          f"longest history {longest['n'] if longest else 0} questionnaires, group of {group.n} sessions, "
          f"caseload of {caseload['n']}")
    return coordinator.user, middle.name, middle.code


def settle() -> None:
    """A data set just written (``bench/all.py`` builds the national set right before
    measuring its pages) leaves the server gigabytes of changed pages to write back:
    a checkpoint writes them first, so that the pages are measured against a server
    in its everyday state, not one still flushing the build (PostgreSQL; needs a
    superuser or the ``pg_checkpoint`` role, else measured as it is)."""
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        return
    t0 = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as exc:
        print(f"checkpoint: not run ({str(exc).strip()})")
        return
    print(f"checkpoint: {time.perf_counter() - t0:.1f} s (the data set's changed pages written before measuring)")


def measure(client: Client, url: str, floor_client: Client) -> tuple[list[float], list[float]]:
    """The page's times and the floor's, measured alternately (a floor request, then
    the page's, REPEAT times): a machine whose speed drifts during the run (other
    programs, a busy host) moves both alike, so the multiple compares like with like."""
    client.get(url)  # warm up
    floor_client.get(FLOOR_URL)
    page, floor = [], []
    for _ in range(REPEAT):
        for times, who, where in ((floor, floor_client, FLOOR_URL), (page, client, url)):
            t0 = time.perf_counter()
            response = who.get(where)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (where, response.status_code)
    return page, floor


def main() -> None:
    setup_test_environment()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}, " + ("a national data set" if REUSE else f"members: {N:,}"))
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    user, name, code = pick() if REUSE else build()
    print(f"build: {time.perf_counter() - t0:.1f} s" + (" (finding the pages of the data set)" if REUSE else ""))
    if REUSE:
        settle()
    with override_settings(PEERPATH_REQUIRE_2FA=False, ALLOWED_HOSTS=["testserver"], ROOT_URLCONF=__name__):
        client = Client()
        client.force_login(user)
        pages = {
            "member list": "/members/",
            "name search": f"/members/?q={name}",
            "code search": f"/members/?q={code}",
            "member page": f"/members/{code}/",
            "member page (long history)": f"/members/{bench_ids['long']}/",
            "group page": f"/groups/{bench_ids['group']}/",
            "caseload": "/caseload/",
            "dashboard": "/dashboard/",
        }
        professional = Client()  # the caseload: a professional's own (BENCH_CASELOAD members)
        professional.force_login(bench_ids["pro"])
        floors: list[float] = []
        results = []
        for label, url in pages.items():
            times, floor_times = measure(professional if label == "caseload" else client, url, client)
            floors += floor_times
            results.append((label, sorted(times), statistics.median(floor_times)))
        print(f"{'floor':<27} p50 {statistics.median(floors):7.1f} ms   (a login-required view rendering a tiny "
              "template; measured alternately with each page)")
        failed = False
        for label, times, floor in results:
            p50 = statistics.median(times)
            p95 = times[max(0, math.ceil(len(times) * 0.95) - 1)]  # nearest rank
            ratio = p50 / floor if floor else float("inf")
            ok = ratio <= FLOOR_GOAL
            failed |= not ok
            print(f"{label:<27} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {ratio:5.1f}× the floor "
                  f"(its floor {floor:.1f} ms)  (goal ≤ {FLOOR_GOAL:g}×)  {'ok' if ok else 'MISSED'}")
    if failed:
        print("some pages are more than the goal's multiple of the floor")


if __name__ == "__main__":
    main()
