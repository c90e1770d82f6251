"""Recording IPS-25 fidelity reviews: the table's constraints, scoring by the engine,
the form (errors name the item, nothing saved on error), the detail page, the demo."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpath.audit.models import AccessLog, Event
from peerpath.demo.generator import plan
from peerpath.measures.library import library
from peerpath.measures.scoring import score_one
from peerpath.outcomes import demo
from peerpath.outcomes.actions import band_label, record_review
from peerpath.outcomes.fidelity import ITEM_IDS
from peerpath.outcomes.models import FidelityReview
from peerpath.outcomes.tests.factories import FidelityReviewFactory

TODAY = timezone.localdate


def ratings(total: int) -> dict[str, int]:
    """25 ratings summing to ``total``: as many 5s as fit, the rest 1s and one between."""
    extra = total - 25
    items = {i: 1 for i in ITEM_IDS}
    for i in ITEM_IDS:
        step = min(4, extra)
        items[i] += step
        extra -= step
    return items


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"reviewed_on": (TODAY() - dt.timedelta(days=3)).isoformat(),
                               "reviewers": "external: 2 IPS trainers", "period_label": "2026Q3"}
    data.update({f"item_{i}": "4" for i in ITEM_IDS})
    data.update(overrides)
    return data


# -- the table --------------------------------------------------------------------


def _refused(**fields: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        FidelityReviewFactory(**fields)


@pytest.mark.django_db
def test_the_database_refuses_a_total_outside_25_to_125(org_a):
    _refused(organization=org_a.org, total=24)
    _refused(organization=org_a.org, total=126)
    assert FidelityReviewFactory(organization=org_a.org, total=125).total == 125


@pytest.mark.django_db
def test_the_database_refuses_a_review_without_reviewers_band_or_every_item(org_a):
    _refused(organization=org_a.org, reviewers="")
    _refused(organization=org_a.org, band_index=None)
    _refused(organization=org_a.org, band_index=-1)
    _refused(organization=org_a.org, items={i: 4 for i in ITEM_IDS if i != "13"}, total=96, band_index=1)
    assert FidelityReview.objects.count() == 0


# -- scoring by the engine --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("total", "band"), [
    (25, "Not supported employment"), (73, "Not supported employment"), (74, "Fair fidelity"), (99, "Fair fidelity"),
    (100, "Good fidelity"), (114, "Good fidelity"), (115, "Exemplary fidelity"), (125, "Exemplary fidelity"),
])
def test_total_and_band_come_from_the_ips25_definition(org_a, total, band):
    items = ratings(total)
    review = record_review(org_a.staff["coordinator"], reviewed_on=TODAY(), reviewers="internal", items=items)
    engine = score_one(library()["ips25"], items)["scores"]["total"]
    assert review.total == total == engine["value"]
    assert review.band_index == engine["band_index"]
    assert band_label(review.band_index, "en") == band == engine["band_label"]["en"]


@pytest.mark.django_db
def test_recording_a_review_is_audited(org_a):
    review = record_review(org_a.staff["admin"], reviewed_on=TODAY(), reviewers="internal", items=ratings(90),
                           notes={"7": "Weekly unit meeting.", "8": "  "})
    entry = AccessLog.objects.get(event=Event.FIDELITY_RECORDED)
    assert entry.organization == org_a.org and entry.target_id == str(review.pk)
    assert review.notes == {"7": "Weekly unit meeting."}
    assert review.recorded_by == org_a.users["admin"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["professional", "peer_leader", "researcher"])
def test_only_administrators_and_coordinators_record_reviews(org_a, role):
    with pytest.raises(PermissionDenied):
        record_review(org_a.staff[role], reviewed_on=TODAY(), reviewers="x", items=ratings(90))
    assert FidelityReview.objects.count() == 0


@pytest.mark.django_db
def test_the_action_refuses_incomplete_ratings_and_long_notes(org_a):
    coordinator = org_a.staff["coordinator"]
    with pytest.raises(ValueError, match="7"):
        record_review(coordinator, reviewed_on=TODAY(), reviewers="x", items={**ratings(90), "7": 6})
    with pytest.raises(ValueError, match="longer than 2000"):
        record_review(coordinator, reviewed_on=TODAY(), reviewers="x", items=ratings(90), notes={"3": "x" * 2001})
    assert FidelityReview.objects.count() == 0
    assert not AccessLog.objects.filter(event=Event.FIDELITY_RECORDED).exists()


def test_band_labels_come_from_the_definition_in_either_language():
    assert [band_label(i, "en") for i in range(4)] == [
        "Not supported employment", "Fair fidelity", "Good fidelity", "Exemplary fidelity"]
    assert band_label(2, "zh-hant") == "良好忠誠度"
    assert band_label(9, "en") == "—"  # a band the definition no longer has


def test_the_data_migration_maps_stored_labels_to_band_indexes():
    import importlib

    migration = importlib.import_module("peerpath.outcomes.migrations.0002_fidelityreview_band_index")
    assert [migration.index_of(label) for label in
            ("Not supported employment", "Fair fidelity", "Good fidelity", "Exemplary fidelity")] == [0, 1, 2, 3]
    assert migration.label_of(2) == "Good fidelity"


# -- the form ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_saves_a_complete_review_and_shows_it(client_for, org_a):
    client = client_for("coordinator")
    response = client.post("/fidelity/reviews/new/", form_data(item_7="2", note_7="Unit meets monthly only."))
    review = FidelityReview.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fidelity/reviews/{review.pk}/"
    assert review.organization == org_a.org and review.total == 98 and review.band_index == 1
    assert review.items["7"] == 2 and review.notes == {"7": "Unit meets monthly only."}
    page = client.get(f"/fidelity/reviews/{review.pk}/").content.decode()
    assert "98" in page and "Fair fidelity" in page and "Unit meets monthly only." in page
    assert "7. Vocational unit" in page and "external: 2 IPS trainers" in page


@pytest.mark.django_db
def test_a_missing_rating_is_named_by_its_item_and_nothing_is_saved(client_for):
    data = form_data()
    del data["item_7"]
    data["item_21"] = "9"
    response = client_for("admin").post("/fidelity/reviews/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["item_7"] == ["Item 7 (vocational unit): choose 1–5."]
    assert form.errors["item_21"] == ["Item 21 (competitive jobs): choose 1–5."]
    page = response.content.decode()
    assert "Item 7 (vocational unit): choose 1–5." in page and "Nothing was saved" in page
    assert FidelityReview.objects.count() == 0
    assert not AccessLog.objects.filter(event=Event.FIDELITY_RECORDED).exists()


@pytest.mark.django_db
def test_other_errors_name_their_field_and_nothing_is_saved(client_for):
    future = (TODAY() + dt.timedelta(days=1)).isoformat()
    response = client_for("coordinator").post(
        "/fidelity/reviews/new/", form_data(reviewed_on=future, reviewers="  ", note_3="x" * 2001)
    )
    errors = response.context["form"].errors
    assert errors["reviewed_on"] == ["Date of the review: the date is in the future."]
    assert errors["reviewers"] == ["Reviewers: say who reviewed the programme."]
    assert errors["note_3"] == ["Item 3 (vocational generalists): the note is longer than 2000 characters."]
    assert FidelityReview.objects.count() == 0


@pytest.mark.django_db
def test_the_form_shows_each_item_heading_in_chinese(client_for):
    page = client_for("coordinator").get("/fidelity/reviews/new/", HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert page.count('type="radio"') == 25 * 5
    assert 'name="note_25"' in page
    assert "7. 就業服務單位" in page and "21. 競爭性工作" in page  # the headings from the zh-Hant catalogue
    assert "Vocational unit" not in page and "Competitive jobs" not in page


@pytest.mark.django_db
def test_another_organisations_review_is_not_found(client_for, org_b):
    review = FidelityReviewFactory(organization=org_b.org)
    assert client_for("coordinator").get(f"/fidelity/reviews/{review.pk}/").status_code == 404


@pytest.mark.django_db
def test_researchers_may_neither_read_nor_record_a_review(client_for, org_a):
    """A review names its reviewers and holds free-text notes: not for researchers."""
    review = FidelityReviewFactory(organization=org_a.org, notes={"7": "Unit meets monthly only."})
    client = client_for("researcher")
    response = client.get(f"/fidelity/reviews/{review.pk}/")
    assert response.status_code == 403 and "Unit meets monthly only." not in response.content.decode()
    assert client_for("coordinator").get(f"/fidelity/reviews/{review.pk}/").status_code == 200
    assert client.post("/fidelity/reviews/new/", form_data()).status_code == 403
    assert FidelityReview.objects.count() == 1


# -- the demo -----------------------------------------------------------------------------


def test_the_demo_plans_three_reviews_over_18_months_each_better_than_the_last():
    day = dt.date(2026, 11, 26)
    reviews = plan(seed=2026, today=day).extras["outcomes"]["reviews"]
    assert plan(seed=2026, today=day).extras["outcomes"] == {"reviews": reviews}
    dates = [dt.date.fromisoformat(r["reviewed_on"]) for r in reviews]
    totals = [sum(r["items"].values()) for r in reviews]
    assert len(reviews) == 3 and dates == sorted(dates) and (day - dates[0]).days <= 18 * 31
    assert totals == sorted(totals) and len(set(totals)) == 3
    assert all(set(r["items"]) == set(ITEM_IDS) and all(1 <= v <= 5 for v in r["items"].values()) for r in reviews)


@pytest.mark.django_db
def test_the_demo_loads_its_reviews_for_the_main_organisation(org_a):
    p = plan(seed=7, today=TODAY())
    ctx = SimpleNamespace(orgs={"main": org_a.org}, coordinators={org_a.org.pk: org_a.users["coordinator"]})
    with transaction.atomic():
        demo.load(p, ctx)
    totals = list(FidelityReview.objects.for_org(org_a.org).order_by("reviewed_on").values_list("total", flat=True))
    assert totals == [sum(r["items"].values()) for r in p.extras["outcomes"]["reviews"]]
    # last quarter's programme report, stored as `peerpath report programme --queue` stores it
    import hashlib

    from peerpath.outcomes.models import ReportFile
    from peerpath.outcomes.period import quarter_label, quarter_of

    last_quarter = quarter_label(quarter_of(p.today).start - dt.timedelta(days=1))
    [stored] = ReportFile.objects.for_org(org_a.org)
    assert (stored.report, stored.period, stored.language) == ("programme", last_quarter, "zh-hant")
    content = bytes(stored.content)
    assert content.startswith(b"%PDF") and stored.sha256 == hashlib.sha256(content).hexdigest()
