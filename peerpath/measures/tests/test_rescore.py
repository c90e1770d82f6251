"""`peerpath rescore`: scores follow the definitions; answers and flags stay."""

from django.core.management import call_command
from django.utils import timezone

from peerpath.measures import actions
from peerpath.measures.models import ResultFlag, StoredScore


def test_rescore_recomputes_scores_and_records_the_definition_version(org_a, capsys):
    staff = org_a.staff["coordinator"]
    answers = {str(i): 2 for i in range(1, 10)}
    actions.record_paper_form(staff, org_a.member, "phq9", answers={**answers, "9": 1},
                              taken_on=timezone.localdate(), reason="periodic")
    StoredScore.objects.update(value=-1, definition_version=0)  # as if computed by an old definition
    call_command("rescore")
    score = StoredScore.objects.get(score_id="total")
    assert (score.value, score.definition_version) == (17.0, 1)
    assert ResultFlag.objects.count() == 1  # not raised again
    assert "1 administrations rescored" in capsys.readouterr().out


def test_rescore_can_be_limited_to_one_instrument(org_a):
    staff = org_a.staff["coordinator"]
    actions.record_paper_form(staff, org_a.member, "who5", answers={str(i): 3 for i in range(1, 6)},
                              taken_on=timezone.localdate(), reason="periodic")
    actions.record_paper_form(staff, org_a.member, "phq9", answers={str(i): 0 for i in range(1, 10)},
                              taken_on=timezone.localdate(), reason="periodic")
    StoredScore.objects.update(definition_version=0)
    call_command("rescore", "--instrument", "who5")
    assert set(StoredScore.objects.filter(definition_version=1).values_list("instrument_id", flat=True)) == {"who5"}


def test_rescore_queued_for_a_worker_changes_nothing_until_it_runs(org_a, capsys):
    from peerpath.audit.models import AccessLog, Event
    from peerpath.tasks.worker import run_pending

    staff = org_a.staff["coordinator"]
    answers = {str(i): 2 for i in range(1, 10)}
    actions.record_paper_form(staff, org_a.member, "phq9", answers={**answers, "9": 1},
                              taken_on=timezone.localdate(), reason="periodic")
    StoredScore.objects.update(value=-1, definition_version=0)
    call_command("rescore", "--queue", "--instrument", "phq9")
    assert "Rescoring queued" in capsys.readouterr().out
    assert StoredScore.objects.get(score_id="total").value == -1
    assert run_pending() == 1
    score = StoredScore.objects.get(score_id="total")
    assert (score.value, score.definition_version) == (17.0, 1)
    assert AccessLog.objects.filter(event=Event.RESCORED).get().extra == {"rescored": 1, "skipped": 0}
