"""The outcome-report settings page: defaults, saving (audited), bad values refused
whole with the field named, one organisation's settings never another's."""

from __future__ import annotations

import pytest

from peerpath.audit.models import AccessLog, Event
from peerpath.outcomes import settings_rules as rules
from peerpath.outcomes.models import OutcomeSettings
from peerpath.outcomes.outcome_settings import Values, settings_of

URL = "/reports/settings/"


def test_the_page_shows_the_defaults_until_the_organisation_saves_its_own(org_a, client_for):
    form = client_for("coordinator").get(URL).context["form"]
    assert form.initial == {"stable_employment_days": 90, "inactive_after_days": 180}
    assert settings_of([org_a.org.pk]) == {org_a.org.pk: Values(90, 180)}


def test_saving_stores_the_values_for_the_organisation_and_audits_the_change(org_a, org_b, client_for):
    response = client_for("admin").post(URL, {"stable_employment_days": "120", "inactive_after_days": "365"})
    assert response.status_code == 302
    row = OutcomeSettings.objects.get()
    assert (row.organization, row.stable_employment_days, row.inactive_after_days) == (org_a.org, 120, 365)
    entry = AccessLog.objects.filter(event=Event.REPORT_SETTINGS_CHANGED).get()
    assert entry.extra["before"] is None and entry.extra["stable_employment_days"] == 120
    assert settings_of([org_a.org.pk, org_b.org.pk]) == {org_a.org.pk: Values(120, 365), org_b.org.pk: Values()}
    client_for("admin").post(URL, {"stable_employment_days": "90", "inactive_after_days": "365"})
    assert OutcomeSettings.objects.get().stable_employment_days == 90
    last = AccessLog.objects.filter(event=Event.REPORT_SETTINGS_CHANGED).order_by("-pk").first()
    assert last.extra["before"] == {"stable_employment_days": 120, "inactive_after_days": 365}


@pytest.mark.parametrize("field,value", [
    ("stable_employment_days", "0"), ("stable_employment_days", str(rules.MAX_STABLE_EMPLOYMENT_DAYS + 1)),
    ("inactive_after_days", "29"), ("inactive_after_days", "three months"),
])
def test_bad_values_are_refused_whole_with_the_field_named(org_a, client_for, field, value):
    data = {"stable_employment_days": "90", "inactive_after_days": "180", field: value}
    response = client_for("coordinator").post(URL, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert not OutcomeSettings.objects.exists()


def test_the_action_applies_the_models_rule_too(org_a):
    from django.core.exceptions import ValidationError

    from peerpath.outcomes.actions import save_outcome_settings

    with pytest.raises(ValidationError) as error:
        save_outcome_settings(org_a.staff["admin"], stable_employment_days=90, inactive_after_days=5000)
    assert list(error.value.message_dict) == ["inactive_after_days"]
    assert not OutcomeSettings.objects.exists()


def test_the_settings_are_in_the_administration_menu_of_those_who_may_change_them(org_a):
    from peerpath.workspace.navigation import menu_for

    def urls(role: str) -> set[str]:
        return {link.url for group in menu_for(org_a.staff[role], None) for link in group.links}

    assert URL in urls("coordinator") and URL in urls("admin")
    assert URL not in urls("professional") and URL not in urls("researcher")
