"""The vocational profile: a new dated version per change, the latest is current."""

from __future__ import annotations

from peerpath.audit.models import AccessLog, Event
from peerpath.employment.models import VocationalProfile
from peerpath.employment.selectors import current_profiles

from .conftest import assert_field_error, days_ago

URL = "/members/A0001/employment/profile/"


def profile_data(**overrides) -> dict:
    data = {
        "recorded_on": days_ago(10).isoformat(), "sectors": ["food_service", "logistics"], "hours_per_week": "24",
        "location": "新店", "shifts": ["weekday_day", "weekend"], "disclosure_preference": "undecided",
        "goals": "穩定工作半年", "work_history": "", "benefits_concerns": "",
    }
    data.update(overrides)
    return data


def test_each_change_is_a_new_dated_version(client_for, org_a):
    client = client_for("professional")
    assert client.post(URL, profile_data()).status_code == 302
    assert client.post(URL, profile_data(recorded_on=days_ago(1).isoformat(), hours_per_week="30")).status_code == 302
    versions = list(VocationalProfile.objects.filter(member=org_a.member))
    assert [(p.recorded_on, p.hours_per_week) for p in versions] == [(days_ago(1), 30), (days_ago(10), 24)]
    assert versions[1].sectors == ["food_service", "logistics"]
    assert AccessLog.objects.filter(event=Event.PROFILE_CHANGED).count() == 2
    assert current_profiles(org_a.org.pk, [org_a.member.pk])[org_a.member.pk].hours == 30
    page = client.get("/members/A0001/employment/")
    assert [p.recorded_on for p in page.context["record"].profiles] == [days_ago(1), days_ago(10)]
    assert "Earlier versions" in page.content.decode()


def test_the_form_starts_from_the_current_profile_and_saving_it_unchanged_adds_nothing(client_for, org_a):
    client = client_for("professional")
    client.post(URL, profile_data())
    initial = client.get(URL).context["form"].initial
    assert initial["sectors"] == ["food_service", "logistics"] and initial["location"] == "新店"
    client.post(URL, profile_data(recorded_on=days_ago(0).isoformat()))
    assert VocationalProfile.objects.count() == 1


def test_an_unknown_sector_is_refused(client_for, org_a):
    response = client_for("professional").post(URL, profile_data(sectors=["food_service", "astronaut"]))
    assert response.status_code == 200 and "sectors" in response.context["form"].errors
    assert not VocationalProfile.objects.exists()


def test_hours_wanted_are_between_1_and_80(client_for, org_a):
    response = client_for("professional").post(URL, profile_data(hours_per_week="81"))
    assert_field_error(response, "hours_per_week", "Enter between 1 and 80 hours.")
    assert not VocationalProfile.objects.exists()


def test_the_model_validates_sectors_too(org_a):
    import pytest
    from django.core.exceptions import ValidationError

    profile = VocationalProfile(organization=org_a.org, member=org_a.member, recorded_on=days_ago(1),
                                sectors=["food_service", "food_service"], recorded_by=org_a.users["professional"])
    with pytest.raises(ValidationError):
        profile.full_clean()
    profile.sectors = ["moon_mining"]
    with pytest.raises(ValidationError):
        profile.full_clean()


def test_peer_leaders_may_not_change_the_profile(client_for, org_a):
    assert client_for("peer_leader").post(URL, profile_data()).status_code == 403
    assert not VocationalProfile.objects.exists()
