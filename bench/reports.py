"""Benchmark: the programme dashboard and IPS quarterly reports against hand-written SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench_national make bench   # national scale
    DATABASE_URL=postgres://… BENCH_REUSE=1 .venv/bin/python bench/reports.py   # data already built
    .venv/bin/python bench/reports.py            # no PostgreSQL: the demo association on SQLite
    BENCH_SIZE=10 BENCH_REPEAT=1 .venv/bin/python bench/reports.py   # a tiny association (the smoke run)
    DATABASE_URL=postgres://… BENCH_FACTOR=0.1 .venv/bin/python bench/reports.py  # a tenth of national

1. Builds the data: at national scale (the default on PostgreSQL) ``peerpath demo
   --scale national`` — 50 organisations, 20,000 members, 1,000,000 questionnaires,
   2,000,000 attendance rows, 30,000 jobs — on PostgreSQL only (``BENCH_SCALE=national``
   on SQLite is refused); ``BENCH_SCALE=association`` (the default on SQLite): the demo
   association (``peerpath demo``; ``BENCH_SIZE`` members in its main organisation,
   default 60). ``BENCH_REUSE=1`` uses the data a
   previous run left in the database (the run refuses a non-empty database otherwise).
2. Times ``registry.get("programme").build(scope)`` and ``registry.get("ips_quarterly").build(scope)``
   with a scope covering every organisation (a coordinator's view, no small-cell
   suppression), period = the last four quarters, median of ``BENCH_REPEAT`` runs after
   one warm-up run, and counts their queries.
3. In the same run, times the raw SQL aggregates those reports need, written by hand
   with ``connection.cursor()`` (one query per figure group, rows fetched), and checks
   that they give the reports' figures.
4. Prints both times, their ratio and the target: report ≤ 2× the raw queries.

Not a test: figures vary with the machine and its load (the load average is printed).
"""

# ruff: noqa: S608 -- the SQL is assembled from constants and integer ids; every value is a parameter

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "true")
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
# National scale needs PostgreSQL: without it (as in ``make bench`` on SQLite) the
# default is the association; an explicit BENCH_SCALE=national is refused.
SCALE = os.environ.get("BENCH_SCALE") or ("national" if POSTGRES else "association")
if "DATABASE_URL" not in os.environ:
    os.environ.setdefault("PEERPATH_VAR_DIR", tempfile.mkdtemp(prefix="peerpath-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
REUSE = os.environ.get("BENCH_REUSE", "") not in ("", "0")
FACTOR = float(os.environ.get("BENCH_FACTOR", "1"))
SEED = int(os.environ.get("BENCH_SEED", "2026"))
SIZE = int(os.environ.get("BENCH_SIZE", "60"))  # members of the demo association (association scale)
TARGET_RATIO = 2.0
COMPETITIVE = "j.in_community AND j.open_to_anyone AND j.minimum_wage_or_more"


def build() -> None:
    from peerpath.tenancy.models import Organization

    if Organization.objects.exists():
        if not REUSE:
            sys.exit("The database already holds data: set BENCH_REUSE=1 to measure it, or use an empty database.")
        print("build: reusing the data in the database")
        return
    t0 = time.perf_counter()
    if SCALE == "national":
        call_command("demo", "--scale", "national", "--seed", str(SEED), "--factor", str(FACTOR), verbosity=0,
                     stdout=open(os.devnull, "w"))  # noqa: SIM115
    else:
        call_command("demo", "--seed", str(SEED), "--size", str(SIZE), stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"build: {time.perf_counter() - t0:.1f} s")


def scope() -> Any:
    from peerpath.outcomes.cells import Suppression
    from peerpath.outcomes.period import default_period
    from peerpath.outcomes.scope import ReportScope
    from peerpath.tenancy.models import Organization

    today = timezone.localdate()
    return ReportScope(
        organizations=tuple(Organization.objects.order_by("pk")), period=default_period(today), today=today,
        suppression=Suppression(active=False, threshold=settings.PEERPATH_SMALL_CELL),
    )


# -- the raw SQL ---------------------------------------------------------------------


class Raw:
    """The aggregates of the programme dashboard as hand-written SQL (PostgreSQL, or
    SQLite where the dialects differ)."""

    def __init__(self, s: Any) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.orgs = ", ".join(str(int(pk)) for pk in s.org_ids)
        self.start, self.end, self.today = s.period.start, s.period.end, s.today
        self.day = min(s.period.end, s.today)  # reference and censoring day
        self.quarters = s.period.quarters()
        # The scope's members: enrolled by the period's end (coordinator, no filters).
        self.members = f"m.organization_id IN ({self.orgs}) AND m.enrolment_date <= %(end)s"

    def run(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, {"start": self.start, "end": self.end, "day": self.day, **(params or {})})
            return cursor.fetchall()

    def held(self, first: str, last: str) -> str:
        return f"j.start_date <= {last} AND (j.end_date IS NULL OR j.end_date >= {first})"

    def caseload(self) -> tuple[int, int]:
        row = self.run(f"""
            SELECT count(*) FILTER (WHERE m.status = 'active'),
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM employment_job j WHERE j.member_id = m.id AND {COMPETITIVE}
                       AND {self.held('%(day)s', '%(day)s')}))
            FROM members_member m WHERE {self.members}""")[0]
        return int(row[0]), int(row[1])

    def quarterly_employment(self) -> list[tuple[int, int]]:
        columns, params = [], {}
        for i, q in enumerate(self.quarters):
            params[f"qs{i}"], params[f"qe{i}"] = q.start, q.end
            # only the days from the enrolment day on: a job that ended before enrolment is not counted
            job = (f"SELECT 1 FROM employment_job j WHERE j.member_id = m.id "
                   f"AND {self.held(f'%(qs{i})s', f'%(qe{i})s')} "
                   f"AND (j.end_date IS NULL OR j.end_date >= m.enrolment_date)")
            contact = (f"SELECT 1 FROM employment_supportcontact c WHERE c.member_id = m.id "
                       f"AND c.contacted_on BETWEEN %(qs{i})s AND %(qe{i})s")
            served = (f"(m.enrolment_date <= %(qe{i})s "
                      f"AND (m.status <> 'closed' OR EXISTS ({job}) OR EXISTS ({contact})))")
            columns.append(f"count(*) FILTER (WHERE {served})")
            columns.append(f"count(*) FILTER (WHERE {served} AND EXISTS ({job} AND {COMPETITIVE}))")
        row = self.run(f"SELECT {', '.join(columns)} FROM members_member m WHERE {self.members}", params)[0]
        return [(int(row[2 * i]), int(row[2 * i + 1])) for i in range(len(self.quarters))]

    def job_starts(self) -> list[tuple[int, int, int, int]]:
        parts, params = ["TRUE"], {}
        for i, q in enumerate(self.quarters):
            params[f"qs{i}"], params[f"qe{i}"] = q.start, q.end
            parts.append(f"j.start_date BETWEEN %(qs{i})s AND %(qe{i})s")
        columns = []
        for when in parts:
            columns += [f"count(*) FILTER (WHERE {when})", f"count(DISTINCT j.member_id) FILTER (WHERE {when})",
                        f"count(*) FILTER (WHERE {when} AND {COMPETITIVE})",
                        f"count(DISTINCT j.member_id) FILTER (WHERE {when} AND {COMPETITIVE})"]
        row = self.run(f"""
            SELECT {', '.join(columns)} FROM employment_job j
            WHERE j.organization_id IN ({self.orgs}) AND j.start_date BETWEEN %(start)s AND %(end)s
              AND j.member_id IN (SELECT m.id FROM members_member m WHERE {self.members})""", params)[0]
        return [tuple(int(v) for v in row[4 * k:4 * k + 4]) for k in range(len(parts))]  # type: ignore[misc]

    def hours_and_wages(self) -> dict[str, Any]:
        current = f"""FROM employment_job j WHERE j.organization_id IN ({self.orgs}) AND {COMPETITIVE}
              AND {self.held('%(day)s', '%(day)s')}
              AND j.member_id IN (SELECT m.id FROM members_member m WHERE {self.members})"""
        now = self.run(f"SELECT count(*), count(DISTINCT j.member_id), avg(j.hours_per_week) {current}")[0]
        if self.postgres:
            wages = self.run(f"""SELECT j.currency, percentile_cont(0.5) WITHIN GROUP (ORDER BY j.hourly_wage),
                count(*) {current} AND j.hourly_wage IS NOT NULL GROUP BY j.currency ORDER BY j.currency""")
            span = "(LEAST(COALESCE(j.end_date, %(day)s), %(day)s) - GREATEST(j.start_date, %(start)s) + 1)"
        else:  # SQLite: no percentile aggregate (the median is taken in Python), dates are text
            import numpy as np

            rows = self.run(f"SELECT j.currency, j.hourly_wage {current} AND j.hourly_wage IS NOT NULL")
            by: dict[str, list[float]] = {}
            for currency, wage in rows:
                by.setdefault(currency, []).append(float(wage))
            wages = [(c, float(np.median(v)), len(v)) for c, v in sorted(by.items())]
            span = ("(julianday(min(COALESCE(j.end_date, %(day)s), %(day)s)) "
                    "- julianday(max(j.start_date, %(start)s)) + 1)")
        worked = self.run(f"""
            SELECT sum({span} * j.hours_per_week) / 7.0, count(DISTINCT j.member_id) FROM employment_job j
            WHERE j.organization_id IN ({self.orgs}) AND {COMPETITIVE} AND {self.held('%(start)s', '%(day)s')}
              AND j.member_id IN (SELECT m.id FROM members_member m WHERE {self.members})""")[0]
        return {"jobs": int(now[0]), "members": int(now[1]), "wages": wages,
                "hours_worked": float(worked[0] or 0), "hours_members": int(worked[1])}

    def helping(self) -> tuple[int, int, int, int]:
        scope_ids = f"SELECT m.id FROM members_member m WHERE {self.members}"
        row = self.run(f"""
            SELECT COALESCE(sum(h.minutes), 0), count(*), count(DISTINCT h.helper_id),
                   count(DISTINCT h.helped_id) FILTER (WHERE h.helped_id IN ({scope_ids}))
            FROM pathway_helpingcontact h
            WHERE h.organization_id IN ({self.orgs}) AND h.helper_id IN ({scope_ids})
              AND h.date BETWEEN %(start)s AND %(end)s""")[0]
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    def last_questionnaires(self) -> int:
        """The data of "questionnaires due": the measurement plans and each active
        member's last completed date per questionnaire (the due rules run in Python)."""
        self.run(f"SELECT organization_id, instrument_id, trigger, interval_days FROM measures_planrule "
                 f"WHERE organization_id IN ({self.orgs}) AND active")
        rows = self.run(f"""
            SELECT a.member_id, a.instrument_id, max(a.taken_on) FROM measures_administration a
            JOIN members_member m ON m.id = a.member_id
            WHERE {self.members} AND m.status = 'active' AND a.organization_id IN ({self.orgs})
              AND a.status = 'completed'
            GROUP BY a.member_id, a.instrument_id""")
        return len(rows)

    def first_jobs(self) -> list[tuple[Any, ...]]:
        """Per member enrolled by the censoring day: enrolment, first competitive job
        since enrolment, id, and whether they were already working at enrolment."""
        return self.run(f"""
            SELECT m.enrolment_date,
                   min(j.start_date) FILTER (WHERE {COMPETITIVE} AND j.start_date >= m.enrolment_date), m.id,
                   count(*) FILTER (WHERE {COMPETITIVE} AND j.start_date < m.enrolment_date
                                    AND (j.end_date IS NULL OR j.end_date >= m.enrolment_date)) > 0
            FROM members_member m LEFT JOIN employment_job j ON j.member_id = m.id
            WHERE {self.members} AND m.enrolment_date <= %(day)s GROUP BY m.id ORDER BY m.id""")

    def tenure(self) -> list[tuple[Any, ...]]:
        return self.run(f"""
            SELECT j.start_date, j.end_date, j.member_id, j.id FROM employment_job j
            WHERE j.organization_id IN ({self.orgs}) AND {COMPETITIVE} AND j.start_date <= %(day)s
              AND j.member_id IN (SELECT m.id FROM members_member m WHERE {self.members})
            ORDER BY j.id""")

    def stable(self) -> tuple[int, int]:
        """Members in a competitive job held in the period, and of them those with at
        least their organisation's stable-employment days (default 90) in one, both
        the first and the last day counted."""
        if self.postgres:
            days = "(LEAST(COALESCE(j.end_date, %(day)s), %(day)s) - j.start_date + 1)"
        else:
            days = "(julianday(min(COALESCE(j.end_date, %(day)s), %(day)s)) - julianday(j.start_date) + 1)"
        row = self.run(f"""
            SELECT count(DISTINCT j.member_id),
                   count(DISTINCT j.member_id) FILTER (WHERE {days} >= COALESCE(
                       (SELECT o.stable_employment_days FROM outcomes_outcomesettings o
                        WHERE o.organization_id = j.organization_id), 90))
            FROM employment_job j
            WHERE j.organization_id IN ({self.orgs}) AND {COMPETITIVE} AND {self.held('%(start)s', '%(day)s')}
              AND j.member_id IN (SELECT m.id FROM members_member m WHERE {self.members})""")[0]
        return int(row[0]), int(row[1])

    def programme(self) -> dict[str, Any]:
        return {
            "caseload": self.caseload(), "employment": self.quarterly_employment(), "starts": self.job_starts(),
            "hours": self.hours_and_wages(), "helping": self.helping(), "due": self.last_questionnaires(),
            "first_jobs": self.first_jobs(), "tenure": self.tenure(), "stable": self.stable(),
        }


def compare(report: dict[str, Any], raw: dict[str, Any]) -> list[str]:
    """Figures of the report that the raw SQL does not reproduce (empty: all agree)."""
    got = {
        "active caseload": (report["caseload"].value, raw["caseload"][0]),
        "employed now": (report["employed_now"].value, raw["caseload"][1]),
        "job starts": ((report["starts_total"]["jobs"].value, report["starts_total"]["members"].value,
                        report["starts_total"]["competitive_jobs"].value,
                        report["starts_total"]["competitive_members"].value), raw["starts"][0]),
        "served / worked by quarter": ([(r["served"].value, r["worked"].value) for r in report["employment"]],
                                       raw["employment"]),
        "competitive jobs now": ((report["hours"]["jobs"].value, report["hours"]["jobs"].n),
                                 (raw["hours"]["jobs"], raw["hours"]["members"])),
        "hours worked": (round(report["hours"]["hours_worked"].value, 3), round(raw["hours"]["hours_worked"], 3)),
        "median wage": ([(w["currency"], round(float(w["median"].value), 2)) for w in report["hours"]["wages"]],
                        [(c, round(float(m), 2)) for c, m, _n in raw["hours"]["wages"]]),
        "helping minutes": (round(report["helping"]["hours"].value * 60), raw["helping"][0]),
        "members followed to a first job / already working": (
            (report["first_job"]["members"].value, report["first_job"]["already_working"].value),
            (len({r[2] for r in raw["first_jobs"] if not r[3]}), len({r[2] for r in raw["first_jobs"] if r[3]}))),
        "competitive jobs followed": (report["retention"]["jobs"].value, len(raw["tenure"])),
        "stable employment (held, stable)": ((report["stable"]["held"].value, report["stable"]["members"].value),
                                             raw["stable"]),
    }
    return [f"{name}: report {a!r}, SQL {b!r}" for name, (a, b) in got.items() if a != b]


CHART_MS: list[float] = []


def time_charts(module_name: str) -> None:
    """Wrap the chart functions a report module imported, to report their share."""
    import importlib

    module = importlib.import_module(module_name)
    for name in ("bar_chart", "line_chart", "step_chart"):
        draw = getattr(module, name, None)
        if draw is None:
            continue

        def timed(*args: Any, _draw: Callable[..., str] = draw, **kwargs: Any) -> str:
            t0 = time.perf_counter()
            try:
                return _draw(*args, **kwargs)
            finally:
                CHART_MS.append((time.perf_counter() - t0) * 1000)

        setattr(module, name, timed)


def median_ms(run: Callable[[], object]) -> tuple[float, object]:
    result = run()  # warm-up (caches, the first connection)
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def main() -> None:
    from peerpath.employment.models import Job
    from peerpath.groups.models import Attendance
    from peerpath.measures.models import Administration
    from peerpath.members.models import Member
    from peerpath.outcomes import registry
    from peerpath.tenancy.models import Organization

    engine = connection.vendor
    if SCALE not in ("national", "association"):
        sys.exit("BENCH_SCALE: national or association")
    if SCALE == "national" and engine != "postgresql" and not REUSE:
        sys.exit("National scale needs PostgreSQL: set DATABASE_URL=postgres://… (or BENCH_SCALE=association).")
    for slug in ("programme", "ips_quarterly"):
        if registry.get(slug) is None:
            sys.exit(f"The {slug} report is not available (peerpath/outcomes/reports/{slug}.py).")
    call_command("migrate", verbosity=0)
    build()
    print(f"database: {engine}, scale: {SCALE}, organisations: {Organization.objects.count()}, "
          f"members: {Member.objects.count():,}, questionnaires: {Administration.objects.count():,}, "
          f"attendance rows: {Attendance.objects.count():,}, jobs: {Job.objects.count():,}")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
          f"(other processes share the cores: compare runs on a quiet machine)")
    settings.DEBUG = False  # no query log while timing (the demo command needed DEBUG)
    s = scope()
    raw = Raw(s)
    print(f"period: {s.period.label} ({s.period.start} to {s.period.end}), today {s.today}, "
          f"median of {REPEAT} runs after a warm-up")
    failed = False
    for slug, raw_run in (("programme", raw.programme), ("ips_quarterly", raw.quarterly_employment)):
        report = registry.get(slug)
        assert report is not None
        time_charts(f"peerpath.outcomes.reports.{slug}")
        reset_queries()  # the build filled the query log (DEBUG): count from an empty one
        with CaptureQueriesContext(connection) as queries:
            report.build(s)
        CHART_MS.clear()
        report_ms, result = median_ms(lambda report=report: report.build(s))  # type: ignore[misc]
        chart_ms = sum(CHART_MS) / (REPEAT + 1)
        raw_ms, raw_result = median_ms(raw_run)
        if slug == "programme":
            problems = compare(result, raw_result)  # type: ignore[arg-type]
        else:
            problems = [] if [(r["served"].value, r["worked"].value) for r in result["quarters"]] == raw_result \
                else [f"served / worked by quarter: report differs from SQL {raw_result!r}"]  # type: ignore[index]
        ratio = report_ms / raw_ms if raw_ms else float("inf")
        # The target is set for national scale: on a small association the fixed
        # costs (charts, the ORM) dominate milliseconds of SQL.
        ok = ratio <= TARGET_RATIO or SCALE != "national"
        failed |= not ok or bool(problems)
        verdict = ("ok" if ratio <= TARGET_RATIO else "MISSED") if SCALE == "national" else "(national scale only)"
        print(f"{slug:<14} report {report_ms:8.1f} ms ({len(queries)} queries)   raw SQL {raw_ms:8.1f} ms   "
              f"ratio {ratio:4.2f}   target ≤ {TARGET_RATIO:.0f}×  {verdict}")
        rest = report_ms - chart_ms
        print(f"{'':<14} of which SVG charts {chart_ms:.1f} ms (mean); without them {rest:.1f} ms, "
              f"ratio {rest / raw_ms if raw_ms else float('inf'):4.2f}")
        for problem in problems:
            print(f"  figures differ — {problem}")
    if failed:
        print("some targets were missed or figures differ")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"total: {time.perf_counter() - started:.0f} s")
