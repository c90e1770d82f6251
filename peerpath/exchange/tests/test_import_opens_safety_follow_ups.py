"""A safety answer that arrives by import opens a safety follow-up, like one
answered on the portal or entered from paper (one rule for every entry point)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from peerpath.safety.models import SafetyFollowUp


def test_an_imported_safety_answer_opens_one_follow_up_due_after_the_organisations_hours(run_import, org_a):
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    header = ["會員編號", "問卷", "填答日期", *[str(i) for i in range(1, 10)]]
    rows = [["A0001", "phq9", day, *[1] * 8, 3]]
    content = "\n".join(",".join(str(c) for c in row) for row in [header, *rows]) + "\n"
    batch, check = run_import("responses", content)
    assert check.problems == [] and batch.result["flags"] == 1
    follow_up = SafetyFollowUp.objects.get(member=org_a.member)
    assert follow_up.administration.instrument_id == "phq9"
    assert follow_up.due_at - follow_up.opened_at == dt.timedelta(hours=24)
    assert follow_up.state == "open"
