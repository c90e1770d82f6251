"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

from types import SimpleNamespace

ANON = "anonymous"
MEMBER = "member"
CLINICAL = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 200, "peer_leader": 403,
            "researcher": 403}
SETTINGS = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 403, "peer_leader": 403,
            "researcher": 403}
# Peer leaders reach a plan only when the member shared it with their peer mentor
# (the example plan is not shared); researchers never see member records.
PLAN_READERS = {**CLINICAL}
PORTAL = {ANON: "login", "admin": 403, "coordinator": 403, "professional": 403, "peer_leader": 403,
          "researcher": 403, MEMBER: 200}

MATRIX: dict[str, dict[str, object]] = {
    "safety_follow_up_list": CLINICAL,
    "safety_settings": SETTINGS,
    "safety_kiosk_call_answered": {ANON: "login", "admin": 405, "coordinator": 405, "professional": 405,
                                   "peer_leader": 405, "researcher": 403},
    "safety_follow_up": CLINICAL,
    "safety_plan": PLAN_READERS,
    "safety_plan_edit": CLINICAL,
    "safety_plan_pdf": PLAN_READERS,
    "portal_safety": PORTAL,
    "portal_safety_plan": PORTAL,
    "portal_safety_plan_pdf": PORTAL,
}
OBJECT_ROUTES: set[str] = {"safety_follow_up", "safety_plan", "safety_plan_edit", "safety_plan_pdf"}
GET_ONLY: set[str] = {"safety_plan", "safety_plan_pdf"}
COUNTED_MODELS: list[str] = ["safety.FollowUpContact", "safety.SafetyPlan", "safety.SafetySettings",
                             "safety.CrisisContact"]


def setup(tenant: SimpleNamespace) -> None:
    """A safety follow-up opened by a paper PHQ-9 with item 9 above 0, and a safety
    plan (not shared with the peer mentor) for the tenant's member."""
    import datetime as dt

    from django.utils import timezone

    from peerpath.measures import actions as measure_actions
    from peerpath.safety import actions
    from peerpath.safety.models import SafetyFollowUp

    answers = {str(i): 1 for i in range(1, 10)}
    measure_actions.record_paper_form(tenant.staff["professional"], tenant.member, "phq9", answers=answers,
                                      taken_on=timezone.localdate() - dt.timedelta(days=1), reason="ad_hoc")
    tenant.safety_follow_up = SafetyFollowUp.objects.get(member=tenant.member)
    tenant.safety_plan = actions.save_plan(tenant.staff["professional"], tenant.member,
                                           steps={"warning_signs": "睡不著"}, share_with_mentor=False)


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    if name == "safety_follow_up":
        return {"<int:pk>": str(tenant.safety_follow_up.pk)}
    if name == "safety_kiosk_call_answered":
        return {"<int:pk>": "999999"}
    return {}
