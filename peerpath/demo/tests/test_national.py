"""The national benchmark data set (``peerpath demo --scale national``), built tiny."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F

from peerpath.demo import national, shape
from peerpath.demo.generator import GIVEN, SURNAMES
from peerpath.employment.models import EmployerContact, Job, JobEnding, SupportContact
from peerpath.groups.models import Attendance, RosterEntry, Session
from peerpath.measures.library import library
from peerpath.measures.models import Administration, StoredScore
from peerpath.measures.scoring import score_one, score_range
from peerpath.members.models import CareTeamAssignment, Consent, Member, MemberSearchToken
from peerpath.members.search import token_for_query
from peerpath.pathway.models import HelpingContact
from peerpath.tenancy.models import Membership, Organization

DAY = dt.date(2026, 11, 26)
FACTOR = 0.01


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True


@pytest.fixture(scope="class")
def _built(django_db_setup, django_db_blocker):
    """One build for the read-only tests of a class, rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield national.build(seed=11, today=DAY, factor=FACTOR)
        transaction.set_rollback(True)


@pytest.fixture
def counts(_built, db) -> dict[str, int]:
    return _built


def test_sizes_scale_with_the_factor():
    assert national.sizes(1) == national.FULL
    small = national.sizes(FACTOR)
    assert small == {"organizations": 2, "members": 200, "administrations": 10_000, "attendance": 20_000, "jobs": 300}
    with pytest.raises(ValueError, match="factor"):
        national.sizes(0)


def test_five_times_national_scale_is_the_bound():
    five = national.sizes(5)
    assert five == {k: 5 * v for k, v in national.sizes(1).items()}
    assert five == {"organizations": 250, "members": 100_000, "administrations": 5_000_000,
                    "attendance": 10_000_000, "jobs": 150_000}
    assert national.sizes(2) == {k: 2 * v for k, v in national.FULL.items()}
    for bad in (5.01, 6, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"--factor must be above 0 and at most 5"):
            national.sizes(bad)


class TestTheBuiltData:
    """Read-only checks of one build (factor 0.01, two organisations)."""

    def test_the_tables_hold_the_planned_rows(self, counts):
        assert Organization.objects.count() == counts["tenancy.Organization"] == 2
        assert Member.objects.count() == counts["members.Member"] == 200
        assert Administration.objects.filter(status="completed").count() == counts["measures.Administration"] == 10_000
        assert Job.objects.count() == counts["employment.Job"] == 300
        assert Attendance.objects.count() == counts["groups.Attendance"]
        assert abs(counts["groups.Attendance"] - 20_000) <= 20_000 * 0.02
        assert StoredScore.objects.count() == counts["measures.StoredScore"]
        per_org = Member.objects.values("organization").annotate(n=Count("pk"))
        assert sorted(r["n"] for r in per_org) == [100, 100]
        # Staff of each organisation: a coordinator, 2–4 employment specialists, peer leaders.
        for org in Organization.objects.all():
            roles = list(Membership.objects.filter(organization=org).values_list("role", "discipline"))
            assert roles.count(("coordinator", "")) == 1
            assert 2 <= roles.count(("professional", "es")) <= 4
            assert roles.count(("peer_leader", "")) == 2
        # One open professional per member, a service consent for all, research for about 60%.
        assert CareTeamAssignment.objects.filter(role="professional", ended_on__isnull=True).count() == 200
        assert Consent.objects.filter(kind="service").count() == 200
        assert 0.45 <= Consent.objects.filter(kind="research").count() / 200 <= 0.75
        assert HelpingContact.objects.exists() and SupportContact.objects.exists()


    def test_every_row_belongs_to_its_members_organisation(self, counts):
        member_org = F("member__organization_id")
        for model in (Consent, CareTeamAssignment, MemberSearchToken, RosterEntry, Attendance, Administration,
                      StoredScore, Job, SupportContact):
            assert not model.objects.exclude(organization_id=member_org).exists(), model.__name__
        assert not Attendance.objects.exclude(organization_id=F("session__organization_id")).exists()
        assert not Session.objects.exclude(organization_id=F("group__organization_id")).exists()
        assert not StoredScore.objects.exclude(organization_id=F("administration__organization_id")).exists()
        assert not Job.objects.exclude(organization_id=F("employer__organization_id")).exists()
        assert not JobEnding.objects.exclude(organization_id=F("job__organization_id")).exists()
        assert not EmployerContact.objects.exclude(organization_id=F("employer__organization_id")).exists()
        assert not HelpingContact.objects.exclude(organization_id=F("helped__organization_id")).exists()
        assert not CareTeamAssignment.objects.exclude(
            professional__memberships__organization_id=F("organization_id")
        ).exists()


    def test_jobs_and_their_endings_agree(self, counts):
        ended = Job.objects.filter(end_date__isnull=False)
        assert ended.count() == JobEnding.objects.count()
        assert not Job.objects.filter(end_date__isnull=False, ending__isnull=True).exists()
        assert not Job.objects.filter(end_date__isnull=True, ending__isnull=False).exists()
        assert not Job.objects.exclude(ending=None).exclude(end_date=F("ending__ended_on")).exists()
        assert not Job.objects.filter(end_date__lt=F("start_date")).exists()
        assert not Job.objects.filter(start_date__lt=F("member__enrolment_date")).exists()
        assert 0.5 <= ended.count() / 300 <= 0.85  # jobs last months (demo/shape.py); later ones still held
        competitive = Job.objects.filter(in_community=True, open_to_anyone=True, minimum_wage_or_more=True).count()
        assert 0.75 <= competitive / 300 <= 0.95
        # A member's jobs follow one another: no job starts before the previous one ended.
        for member_id in Job.objects.values_list("member_id", flat=True).distinct()[:50]:
            spans = list(Job.objects.filter(member_id=member_id).order_by("start_date").values_list("start_date", "end_date"))
            for (_s, end), (start, _e) in zip(spans, spans[1:], strict=False):
                assert end is not None and end < start


    def test_jobs_follow_the_demo_shape(self, counts):
        """The rule of peerpath.demo.shape: most working members attend groups, and a
        job after group attendance (a session in the window before it) ends at about
        ENDING_HAZARD_RATIO times the rate of one without (endings per day held;
        tenure is exponential, TENURE_SHAPE 1, and member frailty adds noise)."""
        assert shape.TENURE_SHAPE == 1
        attended: dict[int, list[dt.date]] = {}
        for member_id, day in Attendance.objects.filter(status__in=["present", "late"]).values_list(
                "member_id", "session__date"):
            attended.setdefault(member_id, []).append(day)
        endings = {True: 0, False: 0}
        days = {True: 0, False: 0}
        for member_id, start, end in Job.objects.values_list("member_id", "start_date", "end_date"):
            before = any(start - dt.timedelta(days=shape.WINDOW_DAYS) <= d < start for d in attended.get(member_id, []))
            endings[before] += end is not None
            days[before] += ((end or DAY) - start).days
        ratio = (endings[True] / days[True]) / (endings[False] / days[False])
        assert 0.3 <= ratio <= 0.8
        workers = set(Job.objects.values_list("member_id", flat=True))
        assert sum(w in attended for w in workers) > len(workers) / 2

    def test_stored_scores_are_the_engines_scores_of_the_answers(self, counts):
        lib = library()
        expected = {i: len(lib[i].scores) for i in (*national.PERIODIC, national.CLIMATE)}
        per_admin = Administration.objects.annotate(n=Count("scores")).values_list("instrument_id", "n")
        assert {i for i, _n in per_admin} == set(expected)
        assert all(n == expected[i] for i, n in per_admin)
        for instrument_id in expected:
            instrument = lib[instrument_id]
            for administration in Administration.objects.filter(instrument_id=instrument_id).order_by("pk")[:20]:
                assert administration.taken_on is not None
                assert administration.taken_on >= Member.objects.get(pk=administration.member_id).enrolment_date
                result = score_one(instrument, administration.answers)
                stored = {s.score_id: s for s in administration.scores.all()}
                for score_id, s in result["scores"].items():
                    assert stored[score_id].value is not None
                    assert math.isclose(stored[score_id].value, s["value"])
                    low, high = score_range(instrument, score_id)
                    assert low <= stored[score_id].value <= high
                    assert stored[score_id].taken_on == administration.taken_on


    def test_attendance_follows_the_rosters(self, counts):
        assert not Attendance.objects.values("session", "member").annotate(n=Count("pk")).filter(n__gt=1).exists()
        assert set(Attendance.objects.values_list("status", flat=True)) == {"present", "late", "excused", "absent"}
        # Each attendance row's member was on that group's roster on the session's day.
        for row in Attendance.objects.select_related("session").order_by("?")[:100]:
            on_roster = RosterEntry.objects.filter(
                group_id=row.session.group_id, member_id=row.member_id, joined_on__lte=row.session.date
            ).exclude(left_on__lt=row.session.date)
            assert on_roster.exists()
        assert not RosterEntry.objects.filter(joined_on__lt=F("member__enrolment_date")).exists()


    def test_members_are_synthetic_and_searchable(self, counts):
        member = Member.objects.order_by("pk").first()
        assert member is not None
        assert member.name[0] in SURNAMES and all(c in GIVEN for c in member.name[1:])
        assert member.phone.startswith("0900-000-")
        token = token_for_query(member.name, member.organization_id)
        assert MemberSearchToken.objects.filter(member=member, token=token).exists()


def test_the_same_seed_gives_the_same_data(db):
    def fingerprint() -> tuple[object, ...]:
        return (
            list(Member.objects.order_by("organization__slug", "code").values_list("code", "enrolment_date", "status")),
            list(Job.objects.order_by("start_date", "member__code").values_list("member__code", "start_date", "end_date")),
            sorted(StoredScore.objects.values_list("member__code", "score_id", "taken_on", "value")),
            Attendance.objects.filter(status="present").count(),
        )

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        national.build(seed=3, today=DAY, factor=0.005)
        first = fingerprint()
        raise Rollback
    national.build(seed=3, today=DAY, factor=0.005)
    assert fingerprint() == first


def test_the_command_builds_the_national_set(db, capsys):
    call_command("demo", "--scale", "national", "--factor", "0.005")
    assert Member.objects.count() == 100
    assert "members.Member" in capsys.readouterr().out


def test_full_scale_needs_postgresql():
    assert "PostgreSQL" in (national.backend_problem("sqlite", national.FULL["members"]) or "")
    assert national.backend_problem("sqlite", 200) is None
    assert national.backend_problem("postgresql", national.FULL["members"]) is None


def test_the_command_refuses_a_bad_factor(db):
    with pytest.raises(CommandError, match=r"--factor must be above 0 and at most 5 \(got 5.01\)"):
        call_command("demo", "--scale", "national", "--factor", "5.01")
    assert not Organization.objects.exists()


def test_the_command_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo", "--scale", "national", "--factor", "0.005")
    assert not Organization.objects.exists()
