"""factory_boy factories for tests (synthetic data only)."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from peerpath.members.models import CareTeamAssignment, Consent, Member, StageChange
from peerpath.members.search import refresh_tokens
from peerpath.tenancy.models import Membership, Organization


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Test Association {n}")
    slug = factory.Sequence(lambda n: f"test-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "professional"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"測試{'甲乙丙丁戊己庚辛壬癸'[n % 10]}{'一二三四五六七八九十'[(n // 10) % 10]}")
    phone = "0900-000-001"
    birth_year = 1985
    gender = "female"
    enrolment_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=200))
    status = "active"
    referral_source = "hospital_ot"
    diagnosis = "思覺失調症"

    @factory.post_generation
    def tokens(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            refresh_tokens(obj)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    member = factory.SubFactory(MemberFactory)
    organization = factory.SelfAttribute("member.organization")
    kind = "service"
    version = "2026-1"
    given_on = factory.LazyAttribute(lambda c: c.member.enrolment_date)
    recorded_by = factory.SubFactory(UserFactory)


class StageChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageChange

    member = factory.SubFactory(MemberFactory)
    organization = factory.SelfAttribute("member.organization")
    stage = "awareness"
    changed_on = factory.LazyAttribute(lambda s: s.member.enrolment_date)
    recorded_by = factory.SubFactory(UserFactory)


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeamAssignment

    member = factory.SubFactory(MemberFactory)
    organization = factory.SelfAttribute("member.organization")
    role = "professional"
    professional = factory.SubFactory(UserFactory)
    started_on = factory.LazyAttribute(lambda a: a.member.enrolment_date)
    assigned_by = factory.SubFactory(UserFactory)
