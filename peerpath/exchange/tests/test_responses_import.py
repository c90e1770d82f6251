"""Importing questionnaire responses: scored exactly like paper forms, no duplicates,
every bad answer named by row and column."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from peerpath.exchange import actions
from peerpath.exchange.tests._helpers import counts, problem_texts
from peerpath.measures import actions as measure_actions
from peerpath.measures.models import Administration, ResultFlag, StoredScore
from peerpath.measures.tests._redcap_helpers import LIBRARY
from tests.factories import MemberFactory

PHQ9 = [str(i) for i in range(1, 10)]


def csv(rows: list[list[object]], header: list[str]) -> str:
    return "\n".join(",".join(str(c) for c in row) for row in [header, *rows]) + "\n"


def days_ago(n: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=n)).isoformat()


def test_a_flat_file_of_two_questionnaires_is_scored_and_flagged_like_paper_forms(run_import, org_a):
    header = ["會員編號", "問卷", "填答日期", *PHQ9, "who5_1", "who5_2", "who5_3", "who5_4", "who5_5"]
    rows = [
        ["A0001", "phq9", days_ago(30), *[1] * 8, 2, *[""] * 5],
        ["A0001", "who5", days_ago(20), *[""] * 9, 3, 3, 3, 3, 3],
    ]
    batch, check = run_import("responses", csv(rows, header))
    assert check.problems == [] and check.n_new == 2
    assert batch.result == {"administrations": 2, "scores": 3, "flags": 1}  # PHQ-9 item 9: a safety flag
    phq = Administration.objects.get(member=org_a.member, instrument_id="phq9")
    assert phq.answers == {**{str(i): 1.0 for i in range(1, 9)}, "9": 2.0}
    assert (phq.mode, phq.status, phq.created_by) == ("staff", "completed", org_a.users["coordinator"])
    assert StoredScore.objects.get(administration=phq, score_id="total").value == 10
    assert ResultFlag.objects.get(administration=phq).item_id == "9"
    assert StoredScore.objects.get(member=org_a.member, instrument_id="who5", score_id="percentage").value == 60


def test_the_same_rows_again_are_already_present_even_typed_differently(run_import, org_a):
    header = ["member code", "date", *PHQ9]
    run_import("responses", csv([["A0001", days_ago(10), *[2] * 9]], header), options={"instrument": "phq9"})
    retyped = csv([["A0001", days_ago(10), *["2.0"] * 9], ["A0001", days_ago(10), *["2"] * 9]], header)
    batch, check = run_import("responses", retyped, options={"instrument": "phq9"})
    assert (check.n_new, check.n_present) == (0, 2) and Administration.objects.count() == 1


def test_bad_answers_unknown_members_and_dates_are_named_and_nothing_is_written(run_import, org_a, org_b):
    header = ["member code", "questionnaire", "date", *PHQ9, "occasion"]
    rows = [
        ["A0001", "phq9", days_ago(5), 0, 1, 2, 3, 4, 0, 0, 0, 0, ""],
        ["B0001", "phq9", days_ago(5), *[0] * 9, ""],  # a member of another organisation
        ["A0001", "nosuch", days_ago(5), *[0] * 9, ""],
        ["A0001", "phq9", "2099-01-01", *[0] * 8, "x", "intake"],
        ["A0001", "phq9", days_ago(5), *[""] * 9, "sometimes"],
    ]
    before = counts()
    batch, check = run_import("responses", csv(rows, header), commit=False)
    assert problem_texts(check) == [
        "row 2, column '5': 4 is not an answer to item 5: expected one of 0, 1, 2, 3",
        "row 3, column 'member code': no member with code 'B0001' in this organisation",
        "row 4, column 'questionnaire': 'nosuch' is not a questionnaire members answer in Peerpath's library",
        "row 5, column 'date': 2099-01-01 is in the future",
        "row 6, column 'occasion': 'sometimes' is not one of: ad_hoc, group_session, intake, job_end, job_start, "
        "periodic",
    ]
    with pytest.raises(actions.ImportRefused):
        actions.commit(org_a.staff["admin"], batch)
    after = counts()
    assert [k for k in after if after[k] != before[k]] == ["exchange.ImportBatch", "exchange.ImportFile",
                                                           "audit.AccessLog"]


def test_an_explicit_mapping_reads_oddly_named_item_columns(run_import, org_a):
    header = ["code", "when", *[f"PHQ 第{i}題" for i in range(1, 10)]]
    data = csv([["A0001", days_ago(3), *[1] * 9]], header)
    mapping = {"0": "member_code", "1": "taken_on", **{str(i + 1): f"item:phq9:{i}" for i in range(1, 10)}}
    batch, check = run_import("responses", data, mapping=mapping, options={"instrument": "phq9"})
    assert check.problems == [] and batch.result["administrations"] == 1


def _paper_forms(membership, rows):
    for member, instrument_id, taken_on, answers in rows:
        measure_actions.record_paper_form(membership, member, instrument_id, answers=answers, taken_on=taken_on,
                                          reason="ad_hoc")


def _stored(org):
    scores = sorted(StoredScore.objects.filter(organization=org).values_list(
        "member__code", "taken_on", "score_id", "value", "n_answered", "prorated", "band_index", "flag"))
    flags = sorted(ResultFlag.objects.filter(organization=org).values_list(
        "member__code", "administration__taken_on", "kind", "item_id", "score_id", "value", "previous_value"))
    return scores, flags


@pytest.mark.parametrize("instrument_id", ["who5", "phq9"])
def test_bulk_writing_gives_the_same_scores_and_flags_as_entering_paper_forms_one_by_one(
        run_import, org_a, org_b, instrument_id):
    """The same responses entered on paper forms in organisation B (in the order the import
    writes them: member, date, row) and imported in A. WHO-5 has normative SD and reliability;
    PHQ-9's RCI uses the programme's baseline SD, fixed here by an earlier result of each member."""
    instrument = LIBRARY[instrument_id]
    rng = random.Random(7)
    today = timezone.localdate()

    def answers() -> dict[str, float]:
        found = {i.id: rng.choice(instrument.response_sets[i.response_set].values) for i in instrument.items}
        if rng.random() < 0.15:
            found.pop(instrument.items[0].id)  # a missing answer: prorated, or not scorable
        return found

    rows_a, rows_b, earlier_a, earlier_b = [], [], [], []
    for m in range(10):
        enrolled = today - dt.timedelta(days=400)  # before every response below
        a = MemberFactory(organization=org_a.org, code=f"Q{m:03d}", enrolment_date=enrolled)
        b = MemberFactory(organization=org_b.org, code=f"Q{m:03d}", enrolment_date=enrolled)
        first = answers()
        earlier_a.append((a, instrument_id, today - dt.timedelta(days=300), first))
        earlier_b.append((b, instrument_id, today - dt.timedelta(days=300), first))
        for k in range(3):
            given = answers()
            taken = today - dt.timedelta(days=200 - 40 * k - rng.choice([0, 0, 3]))
            rows_a.append((a, taken, given))
            rows_b.append((b, instrument_id, taken, given))
    _paper_forms(org_a.staff["coordinator"], earlier_a)
    _paper_forms(org_b.staff["coordinator"], earlier_b)
    order = sorted(range(len(rows_b)), key=lambda i: (rows_b[i][0].pk, rows_b[i][2], i))
    _paper_forms(org_b.staff["coordinator"], [rows_b[i] for i in order])
    header = ["member code", "date", *[i.id for i in instrument.items]]
    lines = [[m.code, taken.isoformat(), *[given.get(i.id, "") for i in instrument.items]]
             for m, taken, given in rows_a]
    batch, check = run_import("responses", csv(lines, header), options={"instrument": instrument_id})
    assert check.problems == [] and batch.result["administrations"] == len(rows_a)
    scores, flags = _stored(org_a.org)
    assert (scores, flags) == _stored(org_b.org)
    assert any(f[2] == "deterioration" for f in flags)  # the comparison with a previous result is exercised


def test_a_file_whose_item_columns_are_all_left_out_says_so_and_does_not_fail(run_import, org_a):
    header = ["member code", "questionnaire", "date", "1", "2", "3", "4", "5"]
    data = csv([["A0001", "who5", days_ago(3), 3, 3, 3, 3, 3]], header)
    mapping = {"0": "member_code", "1": "instrument", "2": "taken_on", "3": "", "4": "", "5": "", "6": "", "7": ""}
    batch, check = run_import("responses", data, mapping=mapping, options={"reason": "periodic"}, commit=False)
    assert problem_texts(check) == [
        "row 1: no column holds the answers to who5: name the columns by item (e.g. '1' or 'who5_1') or map them"]
    assert check.n_new == 0
