"""A national network of synthetic associations, for benchmarks (``peerpath demo --scale national``).

At ``factor=1``: 50 organisations, 20,000 members, about 1,000,000 completed
questionnaires (with their scores), 2,000,000 attendance rows and 30,000 jobs.
A ``factor`` scales every count (tests use 0.01), up to ``MAX_FACTOR`` (5: 100,000
members, about 5,000,000 questionnaires, 10,000,000 attendance rows, 150,000 jobs).
Memory stays bounded by one organisation's plan: organisations are planned and
written one after another, and rows stream to the database. Deterministic from the
seed and ``today``. Nothing is real: names come from the demo's character pools,
phones from the 0900-000 block, e-mail addresses from example.org.

Speed: rows are planned in Python and written by ``peerpath.demo.bulk`` (over
``peerpath.exchange.bulk.insert``: PostgreSQL ``COPY`` or ``executemany``,
bypassing the ORM). Encrypted fields are encrypted once per distinct value (per
table and organisation); optional ones stay empty. Scores come from the scoring
engine, vectorised over all responses of an instrument in an organisation.
Rows are written without model signals: no history rows, alerts or result flags.

Shape: the same rule as the demo association (``peerpath.demo.shape``): members
further on in recovery join the groups more often; who works is drawn with
``shape.work_chance`` (group attendance, helping role, stage); a job's tenure with
``shape.tenure_days`` (half the ending hazard after group attendance in the
``shape.WINDOW_DAYS`` days before the job).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from peerpath.demo import shape
from peerpath.demo.bulk import TableWriter
from peerpath.demo.generator import DIAGNOSES, GIVEN, SURNAMES
from peerpath.measures.library import library
from peerpath.measures.scoring import score_responses

FULL = {"organizations": 50, "members": 20_000, "administrations": 1_000_000, "attendance": 2_000_000, "jobs": 30_000}
PERIODIC = ("phq9", "who5", "gses", "ismi29")  # every WAVE_DAYS from enrolment
CLIMATE = "gcqs"  # after group sessions, filling the questionnaire total
WAVE_DAYS = 91
YEARS = 5  # enrolment dates over the last five years
SLOTS = 12  # places on each group's roster (one attendance row per place and session)
GROUP_WEEKS = shape.GROUP_WEEKS  # weekly sessions over three years
EMPLOYERS_PER_ORG = 40
COMPETITIVE = 0.85
# Full scale (and anything above this many members) needs PostgreSQL.
SQLITE_MAX_MEMBERS = 2_000
MAX_FACTOR = 5.0  # five times national scale (issue 17)

ProgressFn = Callable[[str], None]


def sizes(factor: float) -> dict[str, int]:
    """The planned totals at ``factor`` (at least two organisations)."""
    if not (math.isfinite(factor) and 0 < factor <= MAX_FACTOR):
        raise ValueError(f"--factor must be above 0 and at most {MAX_FACTOR:g} (got {factor:g})")
    out = {k: max(1, round(v * factor)) for k, v in FULL.items()}
    out["organizations"] = max(2, out["organizations"])
    return out


def backend_problem(vendor: str, members: int) -> str | None:
    """Why this database cannot take ``members`` members of the national set (None: it can)."""
    if vendor != "postgresql" and members > SQLITE_MAX_MEMBERS:
        return (
            "--scale national writes millions of rows: use PostgreSQL (DATABASE_URL=postgres://…), "
            f"or a --factor small enough for at most {SQLITE_MAX_MEMBERS:,} members on SQLite."
        )
    return None


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


# -- the plan of one organisation ------------------------------------------------------------


@dataclass
class _Staff:
    coordinator: int
    specialists: list[int]
    ot: int
    peer_leaders: list[int]


@dataclass
class _Member:
    id: int
    enrolled: dt.date
    exit: dt.date  # questionnaires stop here (today for active members)
    base: float  # latent wellbeing at enrolment
    attend: float  # chance of attending a session
    stage: int = 0  # recovery stage reached (index into the stages)


def build(
    seed: int = 2026, today: dt.date | None = None, factor: float = 1.0, progress: ProgressFn | None = None
) -> dict[str, int]:
    """Write the national data set into an empty database. Returns rows written per table."""
    today = today or timezone.localdate()
    say = progress or (lambda _text: None)
    total = sizes(factor)
    with transaction.atomic():
        writer = TableWriter(timezone.now())
        orgs, staff = _organisations(seed, total["organizations"])
        say(f"{len(orgs)} organisations and their staff")
        member_counts = _split(total["members"], len(orgs))
        job_counts = _split(total["jobs"], len(orgs))
        admin_counts = _split(total["administrations"], len(orgs))
        attendance_counts = _split(total["attendance"], len(orgs))
        for i, org_id in enumerate(orgs):
            rng = random.Random(f"{seed}:{i}")
            nrng = np.random.default_rng([seed, i])
            members = _members(writer, rng, org_id, staff[org_id], member_counts[i], today)
            attended, periods = _groups(writer, rng, org_id, staff[org_id], members, attendance_counts[i], today)
            _questionnaires(writer, rng, nrng, org_id, staff[org_id], members, attended, admin_counts[i], today)
            helpers = _helping(writer, rng, org_id, staff[org_id], members, today)
            _employment(writer, rng, org_id, staff[org_id], members, job_counts[i], today, periods, helpers)
            if (i + 1) % 5 == 0 or i + 1 == len(orgs):
                say(f"organisation {i + 1} of {len(orgs)} written")
        writer.finish()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = dict(writer.counts)
    counts["tenancy.Organization"] = len(orgs)
    return counts


def _organisations(seed: int, n: int) -> tuple[list[int], dict[int, _Staff]]:
    from peerpath.audit import actions as audit
    from peerpath.audit.models import Event
    from peerpath.demo.load import DEMO_PLAN
    from peerpath.measures.models import PlanRule
    from peerpath.tenancy.models import Membership, Organization

    rng = random.Random(f"{seed}:staff")
    User = get_user_model()
    password = make_password(None)  # staff of the national set cannot log in
    orgs = [Organization.objects.create(name=f"示範協會 {i + 1:02d}", slug=f"national-{i + 1:02d}") for i in range(n)]
    staff: dict[int, _Staff] = {}
    for i, org in enumerate(orgs):
        prefix = f"n{i + 1:02d}"
        roles = [("coordinator", "coordinator", "")]
        roles += [(f"es{k + 1}", "professional", "es") for k in range(rng.randint(2, 4))]
        roles += [("ot", "professional", "ot")]
        roles += [(f"peer{k + 1}", "peer_leader", "") for k in range(2)]
        users = User.objects.bulk_create([
            User(username=f"{prefix}-{name}", password=password, first_name="".join(rng.sample(GIVEN, 2)),
                 last_name=rng.choice(SURNAMES), email=f"{prefix}-{name}@example.org")
            for name, _role, _discipline in roles
        ])
        if any(u.pk is None for u in users):  # a backend that returns no ids
            users = [User.objects.get(username=u.username) for u in users]
        Membership.objects.bulk_create(
            Membership(user=u, organization=org, role=role, discipline=discipline)
            for u, (_name, role, discipline) in zip(users, roles, strict=True)
        )
        ids = [u.pk for u in users]
        n_es = sum(1 for _n, _r, d in roles if d == "es")
        staff[org.pk] = _Staff(coordinator=ids[0], specialists=ids[1:1 + n_es], ot=ids[1 + n_es],
                               peer_leaders=ids[2 + n_es:])
        PlanRule.objects.bulk_create(
            PlanRule(organization=org, instrument_id=instrument_id, trigger=trigger, interval_days=days)
            for instrument_id, trigger, days in DEMO_PLAN
        )
        audit.record(Event.DEMO_LOADED, actor=None, organization=org, extra={"seed": seed, "scale": "national"})
    return [o.pk for o in orgs], staff


def _members(
    writer: TableWriter, rng: random.Random, org_id: int, staff: _Staff, n: int,
    today: dt.date,
) -> list[_Member]:
    from peerpath.members.models import (
        CareTeamAssignment,
        Consent,
        Member,
        MemberSearchToken,
        StageChange,
    )
    from peerpath.members.search import tokens_for

    first = writer.next_id(Member)
    members: list[_Member] = []
    rows = []
    tokens: list[tuple[int, str]] = []
    token_cache: dict[str, set[str]] = {}
    for k in range(n):
        pk = first + k
        enrolled = today - dt.timedelta(days=rng.randint(30, YEARS * 365))
        status = rng.choices(["active", "inactive", "closed"], [70, 15, 15])[0]
        span = (today - enrolled).days
        exit_day = today if status == "active" else enrolled + dt.timedelta(days=int(span * rng.uniform(0.3, 1.0)))
        members.append(_Member(pk, enrolled, exit_day, rng.gauss(0, 1), rng.betavariate(4, 2)))
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        if name not in token_cache:
            token_cache[name] = tokens_for(Member(organization_id=org_id, name=name))
        tokens.extend((pk, t) for t in sorted(token_cache[name]))
        rows.append((
            pk, org_id, f"N{k + 1:05d}", name, f"0900-000-{rng.randint(0, 999):03d}",
            rng.choice(DIAGNOSES), rng.randint(1960, 2004),
            rng.choice(["female", "male", "male", "female", "undisclosed"]), enrolled, status,
            rng.choice(["hospital_ot", "day_ward", "clinic", "agency", "self", "family", "peer"]),
        ))
    writer.write(Member, ["id", "organization_id", "code", "name", "phone", "diagnosis", "birth_year", "gender",
                          "enrolment_date", "status", "referral_source"], rows)
    writer.write(MemberSearchToken, ["organization_id", "member_id", "token"],
                 ((org_id, pk, t) for pk, t in tokens))
    by = staff.coordinator
    writer.write(Consent, ["organization_id", "member_id", "kind", "version", "given_on", "recorded_by_id"], [
        *((org_id, m.id, "service", "1", m.enrolled, by) for m in members),
        *((org_id, m.id, "research", "1", m.enrolled, by) for m in members if rng.random() < 0.6),
    ])
    stages = ["moratorium", "awareness", "preparation", "rebuilding", "growth"]
    stage_rows = []
    for m in members:
        at = rng.randint(0, 2)
        m.stage = at
        stage_rows.append((org_id, m.id, stages[at], m.enrolled, by))
        if (today - m.enrolled).days > 180 and rng.random() < 0.5:
            m.stage = at + 1
            stage_rows.append((org_id, m.id, stages[at + 1], m.enrolled + dt.timedelta(days=rng.randint(90, 180)), by))
    writer.write(StageChange, ["organization_id", "member_id", "stage", "changed_on", "recorded_by_id"], stage_rows)
    writer.write(CareTeamAssignment, ["organization_id", "member_id", "role", "professional_id", "started_on",
                                      "assigned_by_id"], (
        (org_id, m.id, "professional", staff.specialists[k % len(staff.specialists)], m.enrolled, by)
        for k, m in enumerate(members)
    ))
    return members


def _groups(
    writer: TableWriter, rng: random.Random, org_id: int, staff: _Staff, members: list[_Member], target: int,
    today: dt.date,
) -> tuple[list[tuple[int, dt.date]], dict[int, list[tuple[dt.date, dt.date | None]]]]:
    """Weekly groups with a roster of SLOTS places; one attendance row per occupied place
    and session; a free place goes to a member further on in recovery more often
    (``shape.group_chance``). Returns (member id, session date) of every attended
    session, and each member's roster periods (joined, left or None)."""
    from peerpath.groups.models import Attendance, PeerGroup, RosterEntry, Session

    n_groups = max(1, math.ceil(target / (SLOTS * GROUP_WEEKS)))
    weeks = max(1, round(target / (SLOTS * n_groups)))
    by_enrolment = sorted(members, key=lambda m: m.enrolled)
    dates = [m.enrolled for m in by_enrolment]
    first_group, first_session = writer.next_id(PeerGroup), writer.next_id(Session)
    Row = tuple[Any, ...]
    groups: list[Row] = []
    sessions: list[Row] = []
    roster: list[Row] = []
    attendance: list[Row] = []
    attended: list[tuple[int, dt.date]] = []
    kinds = ["job_retention", "job_seeking", "helper_training", "open"]
    session_id = first_session
    for g in range(n_groups):
        group_id = first_group + g
        start = today - dt.timedelta(days=7 * weeks + rng.randint(0, 6))
        leader = staff.peer_leaders[g % len(staff.peer_leaders)]
        groups.append((group_id, org_id, f"團體 {g + 1:02d}", kinds[g % len(kinds)], leader,
                       staff.specialists[g % len(staff.specialists)], start))
        occupant: list[tuple[_Member, dt.date, dt.date] | None] = [None] * SLOTS  # member, joined, leaves
        for w in range(weeks):
            day = start + dt.timedelta(days=7 * w)
            sessions.append((session_id, org_id, group_id, day, leader))
            present = {o[0].id for o in occupant if o is not None}
            eligible = bisect.bisect_right(dates, day)
            for s in range(SLOTS):
                slot = occupant[s]
                if slot is not None and slot[2] <= day:
                    roster.append((org_id, group_id, slot[0].id, slot[1], slot[2] - dt.timedelta(days=1)))
                    present.discard(slot[0].id)
                    slot = None
                if slot is None:
                    picks = (by_enrolment[rng.randrange(eligible)] for _ in range(20 if eligible else 0))
                    member = next((m for m in picks if m.id not in present
                                   and rng.random() < shape.group_chance(m.stage)), None)
                    if member is None:
                        continue
                    present.add(member.id)
                    slot = (member, day, day + dt.timedelta(days=7 * rng.randint(8, 70)))
                    occupant[s] = slot
                member = slot[0]
                u = rng.random()
                status = ("present" if u < member.attend * 0.92 else "late" if u < member.attend
                          else "excused" if u < member.attend + (1 - member.attend) * 0.3 else "absent")
                attendance.append((org_id, session_id, member.id, status))
                if status in ("present", "late"):
                    attended.append((member.id, day))
            session_id += 1
        for slot in occupant:
            if slot is not None:
                left = slot[2] - dt.timedelta(days=1)
                roster.append((org_id, group_id, slot[0].id, slot[1], left if slot[2] <= today else None))
    writer.write(PeerGroup, ["id", "organization_id", "name", "kind", "peer_leader_id", "co_facilitator_id",
                             "started_on"], groups)
    writer.write(RosterEntry, ["organization_id", "group_id", "member_id", "joined_on", "left_on"], roster)
    writer.write(Session, ["id", "organization_id", "group_id", "date", "recorded_by_id"], sessions)
    writer.write(Attendance, ["organization_id", "session_id", "member_id", "status"], attendance)
    periods: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for _org, _group, member_id, joined, left in roster:
        periods.setdefault(member_id, []).append((joined, left))
    return attended, periods


def _questionnaires(
    writer: TableWriter, rng: random.Random, nrng: np.random.Generator, org_id: int, staff: _Staff,
    members: list[_Member], attended: list[tuple[int, dt.date]], target: int, today: dt.date,
) -> None:
    """Periodic PHQ-9, WHO-5, GSES, ISMI-29 from enrolment; GCQ-S after attended sessions
    up to ``target`` administrations in all; scores from the engine."""
    from peerpath.measures.models import Administration, StoredScore

    by_id = {m.id: m for m in members}
    planned: list[tuple[str, int, dt.date, str]] = []  # instrument, member, day, reason
    for m in members:
        day, first = m.enrolled, True
        while day <= min(m.exit, today):
            planned.extend((i, m.id, day, "intake" if first else "periodic") for i in PERIODIC)
            first = False
            day += dt.timedelta(days=WAVE_DAYS + rng.randint(-10, 10))
    if len(planned) > target:
        planned = [planned[k] for k in sorted(rng.sample(range(len(planned)), target))]
    extra = min(target - len(planned), len(attended))
    planned.extend((CLIMATE, mid, day, "group_session") for mid, day in rng.sample(attended, extra))
    lib = library()
    next_admin = writer.next_id(Administration)
    admin_rows: list[tuple[Any, ...]] = []
    score_rows: list[tuple[Any, ...]] = []
    now = writer.now
    for instrument_id in (*PERIODIC, CLIMATE):
        chosen = [p for p in planned if p[0] == instrument_id]
        if not chosen:
            continue
        instrument = lib[instrument_id]
        years = np.array([(p[2] - by_id[p[1]].enrolled).days / 365.25 for p in chosen])
        base = np.array([by_id[p[1]].base for p in chosen])
        wellbeing = 1 / (1 + np.exp(-(base + 0.35 * years + nrng.normal(0, 0.5, len(chosen)))))
        higher_is_better = instrument_id in ("who5", "gses", "gcqs")
        level = wellbeing if higher_is_better else 1 - wellbeing
        columns = []
        for item in instrument.items:
            values = np.array(sorted(instrument.response_sets[item.response_set].values), dtype=float)
            index = np.rint(level * (len(values) - 1) + nrng.normal(0, 0.8, len(chosen)))
            columns.append(values[np.clip(index, 0, len(values) - 1).astype(int)])
        matrix = np.column_stack(columns)
        result = score_responses(instrument, matrix)
        item_ids = [item.id for item in instrument.items]
        mode = "kiosk" if instrument_id == CLIMATE else "staff"
        for r, (_i, member_id, day, reason) in enumerate(chosen):
            admin_id = next_admin
            next_admin += 1
            answers = dict(zip(item_ids, matrix[r].tolist(), strict=True))
            admin_rows.append((admin_id, org_id, member_id, instrument_id, instrument.version, mode, reason,
                               "completed", day, answers, staff.coordinator, now))
            for score_id, s in result.scores.items():
                valid = bool(s.valid[r])
                band = int(s.band_index[r])
                score_rows.append((org_id, admin_id, member_id, instrument_id, score_id,
                                   float(s.value[r]) if valid else None, int(s.n_answered[r]), bool(s.prorated[r]),
                                   band if band >= 0 else None, bool(s.flag[r]), day, instrument.version, now))
    writer.write(Administration, ["id", "organization_id", "member_id", "instrument_id", "instrument_version", "mode",
                                  "reason", "status", "taken_on", "answers", "created_by_id", "completed_at"],
                 admin_rows)
    writer.write(StoredScore, ["organization_id", "administration_id", "member_id", "instrument_id", "score_id",
                               "value", "n_answered", "prorated", "band_index", "flag", "taken_on",
                               "definition_version", "computed_at"], score_rows)


def _employment(
    writer: TableWriter, rng: random.Random, org_id: int, staff: _Staff, members: list[_Member], target: int,
    today: dt.date, periods: dict[int, list[tuple[dt.date, dt.date | None]]], helpers: set[int],
) -> None:
    """Employers, job development contacts, chains of jobs (a JobEnding on the same day
    as Job.end_date) and follow-along support contacts. Members are taken in an order
    drawn with ``shape.work_chance`` (weighted sampling without replacement) until
    the target number of jobs; a job lasts ``shape.tenure_days``."""
    from peerpath.employment.models import Employer, EmployerContact, Job, JobEnding, SupportContact

    sectors = ["food_service", "retail", "cleaning", "office", "manufacturing", "logistics", "care_work"]
    first_employer = writer.next_id(Employer)
    employers = [
        (first_employer + e, org_id, f"示範企業 {e + 1:03d}", sectors[e % len(sectors)],
         rng.choice(["micro", "small", "medium", "large"]), staff.coordinator)
        for e in range(EMPLOYERS_PER_ORG)
    ]
    writer.write(Employer, ["id", "organization_id", "name", "sector", "size", "created_by_id"], employers)
    employer_ids = [e[0] for e in employers]
    contacts: list[tuple[Any, ...]] = [
        (org_id, rng.choice(employer_ids), today - dt.timedelta(days=rng.randint(1, YEARS * 365)),
         rng.choice(["visit", "phone", "email", "meeting"]), None, rng.choice(staff.specialists))
        for _ in range(2 * EMPLOYERS_PER_ORG)
    ]
    jobs: list[tuple[Any, ...]] = []
    endings: list[tuple[Any, ...]] = []
    support: list[tuple[Any, ...]] = []
    job_id = writer.next_id(Job)
    # Efraimidis–Spirakis: u^(1/w) in decreasing order samples without replacement with weights w.
    order = sorted(members, key=lambda m: rng.random() ** (
        1 / shape.work_chance(m.stage, m.id in periods, m.id in helpers)), reverse=True)
    for k, m in enumerate(order):
        if len(jobs) >= target:
            break
        specialist = staff.specialists[k % len(staff.specialists)]
        start = m.enrolled + dt.timedelta(days=int(rng.expovariate(1 / 150)) + 7)
        if start >= today:
            continue
        employer = rng.choice(employer_ids)
        contacts.append((org_id, employer, m.enrolled + dt.timedelta(days=rng.randint(0, (start - m.enrolled).days)),
                         "visit", m.id, specialist))
        frailty = shape.frailty(rng)
        while start < today and len(jobs) < target:
            competitive = rng.random() < COMPETITIVE
            criteria = [True, True, True] if competitive else [rng.random() < 0.5 for _ in range(3)]
            if not competitive and all(criteria):
                criteria[rng.randrange(3)] = False
            end = start + dt.timedelta(
                days=shape.tenure_days(rng, shape.in_groups_before(periods.get(m.id, []), start), frailty))
            ended = end < today
            jobs.append((job_id, org_id, m.id, employer, "職員", start, end if ended else None,
                         Decimal(rng.choice([8, 12, 16, 20, 24, 30, 40])),
                         Decimal(f"{rng.uniform(190, 260):.2f}"), "TWD", *criteria,
                         rng.choice(["full", "partial", "none"]), specialist))
            if ended:
                endings.append((org_id, job_id, end, rng.choice(["quit", "fired", "laid_off", "temporary_ended",
                                                                  "better_job"]), rng.random() < 0.3, specialist))
            last = end if ended else today
            for days in (7, 30, 60, 90, 180):
                day = start + dt.timedelta(days=days)
                if day > last:
                    break
                peer = rng.random() < 0.2
                support.append((org_id, m.id, day, "peer" if peer else "professional",
                                "peer_checkin" if peer else "follow_along", rng.choice(["workplace", "phone"]),
                                rng.choice([15, 30, 45, 60]), job_id,
                                staff.peer_leaders[0] if peer else specialist))
            job_id += 1
            if not ended:
                break
            start = end + dt.timedelta(days=int(rng.expovariate(1 / 60)) + 1)
            employer = rng.choice(employer_ids)
    writer.write(EmployerContact, ["organization_id", "employer_id", "contacted_on", "kind", "member_id", "by_id"],
                 contacts)
    writer.write(Job, ["id", "organization_id", "member_id", "employer_id", "title", "start_date", "end_date",
                       "hours_per_week", "hourly_wage", "currency", "in_community", "open_to_anyone",
                       "minimum_wage_or_more", "disclosure", "created_by_id"], jobs)
    writer.write(JobEnding, ["organization_id", "job_id", "ended_on", "reason", "planned", "recorded_by_id"], endings)
    writer.write(SupportContact, ["organization_id", "member_id", "contacted_on", "track", "kind", "place", "minutes",
                                  "job_id", "by_id"], support)


def _helping(
    writer: TableWriter, rng: random.Random, org_id: int, staff: _Staff, members: list[_Member], today: dt.date
) -> set[int]:
    """About one member in ten is a peer buddy who logs helping contacts. Returns
    the buddies' member ids."""
    from peerpath.pathway.models import HelperRole, HelpingContact

    helpers = [m for m in members if rng.random() < 0.1 and (today - m.enrolled).days > 120]
    roles, contacts = [], []
    for h in helpers:
        since = h.enrolled + dt.timedelta(days=rng.randint(60, (today - h.enrolled).days - 30))
        roles.append((org_id, h.id, "buddy", since, staff.coordinator))
        for _ in range(rng.randint(3, 15)):
            helped = rng.choice(members)
            if helped.id == h.id:
                continue
            day = since + dt.timedelta(days=rng.randint(0, (today - since).days))
            contacts.append((org_id, h.id, helped.id, rng.choice(["phone", "meeting", "accompany_interview"]),
                             rng.choice([15, 30, 60, 90]), day, staff.coordinator))
    writer.write(HelperRole, ["organization_id", "member_id", "role", "started_on", "recorded_by_id"], roles)
    writer.write(HelpingContact, ["organization_id", "helper_id", "helped_id", "kind", "minutes", "date",
                                  "logged_by_id"], contacts)
    return {h.id for h in helpers}
