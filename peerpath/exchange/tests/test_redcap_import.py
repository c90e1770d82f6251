"""REDCap records imported into questionnaire responses, for an instrument converted from
the project's data dictionary (the real complex_2.csv of measures/tests/data/redcap)."""

from __future__ import annotations

import datetime as dt

import pytest

from peerpath.exchange import actions
from peerpath.exchange.samples import redcap_records
from peerpath.exchange.tests._helpers import counts, problem_texts
from peerpath.measures.definitions import to_yaml
from peerpath.measures.library import library
from peerpath.measures.models import Administration, StoredScore
from peerpath.measures.redcap import parse_data_dictionary
from peerpath.measures.tests._redcap_helpers import convert, shared_file
from tests.factories import MemberFactory

FORM = "agitated_behavior_scale"
ENROLLED = dt.date(2024, 1, 1)  # before the sample records begin (2025-01-06)


@pytest.fixture
def abs_scale(tmp_path, settings):
    """complex_2.csv's form as the deployment's own instrument 'abs' (as `peerpath
    instruments import-redcap` writes it), loaded into the library for the test."""
    [form] = parse_data_dictionary(shared_file("complex_2.csv"), form=FORM)
    instrument = convert(form, instrument_id="abs")
    (tmp_path / "abs.yaml").write_text(to_yaml(instrument), encoding="utf-8")
    settings.PEERPATH_LOCAL_INSTRUMENTS = str(tmp_path)
    library.cache_clear()
    yield library()["abs"]
    library.cache_clear()


OPTIONS = {"form": FORM, "date_field": "abs_start", "member_field": "member_code", "reason": "periodic"}


def test_a_longitudinal_export_round_trips_into_scored_responses(run_import, org_a, abs_scale):
    for i in range(3):
        MemberFactory(organization=org_a.org, code=f"M{i + 1:05d}", enrolment_date=ENROLLED)
    data = redcap_records(abs_scale, records=3, events=("admission_arm_1", "week_2_arm_1"), seed=3, form=FORM)
    data = data.replace("visit_date", "abs_start")
    batch, check = run_import("redcap", data, options={"instrument": "abs", **OPTIONS})
    assert check.problems == [] and check.n_new == 6
    assert batch.result["administrations"] == 6
    administrations = Administration.objects.filter(organization=org_a.org, instrument_id="abs")
    assert administrations.count() == 6 and {a.reason for a in administrations} == {"periodic"}
    first = administrations.order_by("member__code", "taken_on").first()
    assert first.answers and set(first.answers) == {f"{i:02d}" for i in range(1, 15)}
    total = StoredScore.objects.get(administration=first, score_id="total")
    assert total.value == sum(first.answers.values())
    again, check = run_import("redcap", data, options={"instrument": "abs", **OPTIONS})
    assert (check.n_new, check.n_present) == (0, 6) and Administration.objects.count() == 6


def test_unknown_members_and_incomplete_forms_stop_the_import_until_corrected(run_import, org_a, abs_scale):
    MemberFactory(organization=org_a.org, code="M00001", enrolment_date=ENROLLED)
    data = redcap_records(abs_scale, records=2, seed=4, form=FORM).replace("visit_date", "abs_start")
    lines = data.splitlines()
    lines[1] = lines[1][: -1] + "0"  # record 1: form marked Incomplete
    data = "\n".join(lines) + "\n"
    before = counts()
    batch, check = run_import("redcap", data, options={"instrument": "abs", **OPTIONS}, commit=False)
    assert problem_texts(check) == [
        f"row 2, column '{FORM}_complete': the form is marked Incomplete (0): mark it complete in REDCap, or "
        "choose to skip incomplete forms",
        "row 3, column 'member_code': no member with code 'M00002' in this organisation",
    ]
    with pytest.raises(actions.ImportRefused):
        actions.commit(org_a.staff["coordinator"], batch)
    assert counts()["measures.Administration"] == before["measures.Administration"]
    MemberFactory(organization=org_a.org, code="M00002", enrolment_date=ENROLLED)
    batch, check = run_import("redcap", data, options={"instrument": "abs", **OPTIONS, "skip_incomplete": True})
    assert check.problems == [] and check.n_skipped == 1 and batch.result["administrations"] == 1


def test_the_shipped_phq9_exported_as_a_redcap_form_imports_back(run_import, org_a):
    for i in range(4):
        MemberFactory(organization=org_a.org, code=f"M{i + 1:05d}", enrolment_date=ENROLLED)
    data = redcap_records(library()["phq9"], records=4, events=("baseline_arm_1", "month_3_arm_1"), seed=9)
    options = {"instrument": "phq9", "form": "phq9", "date_field": "visit_date", "member_field": "member_code"}
    batch, check = run_import("redcap", data, options=options)
    assert check.problems == [] and batch.result["administrations"] == 8
