"""This app's rows of the route × role matrix (merged by tests/test_route_matrix.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

ANON, MEMBER = "anonymous", "member"
STAFF = ("admin", "coordinator", "professional", "peer_leader", "researcher")

# PATHWAY_VIEW, HELPING_LOG and NETWORK_VIEW: every staff role but researchers.
VIEWERS = {ANON: "login", "admin": 200, "coordinator": 200, "professional": 200, "peer_leader": 200,
           "researcher": 403}
# PATHWAY_RECORD: professionals, coordinators, administrators.
RECORDERS = {**VIEWERS, "peer_leader": 403}
# MENTOR_MATCH, STORY_REVIEW, PATHWAY_CONFIGURE: coordinators and administrators.
COORDINATORS = {**RECORDERS, "professional": 403}
# The member portal: a signed-in member only.
PORTAL = {ANON: "login", **{r: 403 for r in STAFF}, MEMBER: 200}


def post_only(rows: dict[str, object]) -> dict[str, object]:
    return {role: 405 if status == 200 else status for role, status in rows.items()}


MATRIX: dict[str, dict[str, object]] = {
    "pathway_member": VIEWERS,
    "pathway_role_change": RECORDERS,
    "pathway_training_record": RECORDERS,
    "pathway_mentoring": RECORDERS,
    "pathway_member_story": RECORDERS,
    "mentor_suggestions": COORDINATORS,
    "mentor_confirm": post_only(COORDINATORS),
    "helping_list": VIEWERS,
    "helping_log": VIEWERS,
    "helping_network": VIEWERS,
    "training_catalogue": COORDINATORS,
    "training_module_toggle": post_only(COORDINATORS),
    "readiness_criteria": COORDINATORS,
    "readiness_criterion_remove": post_only(COORDINATORS),
    "story_list": VIEWERS,
    "story_review_queue": COORDINATORS,
    "story_detail": VIEWERS,
    "story_review": COORDINATORS,
    "portal_helping": PORTAL,
    "portal_story": PORTAL,
    "portal_stories": PORTAL,
    "portal_story_read": PORTAL,
}
OBJECT_ROUTES: set[str] = {
    "pathway_member", "pathway_role_change", "pathway_training_record", "pathway_mentoring",
    "pathway_member_story", "mentor_suggestions", "mentor_confirm", "training_module_toggle",
    "readiness_criterion_remove", "story_detail", "story_review",
}
GET_ONLY: set[str] = {"pathway_member", "mentor_suggestions", "story_detail"}
# "app.Model" labels whose row counts a refused cross-organisation write must leave unchanged.
COUNTED_MODELS: list[str] = [
    "pathway.HelperRole", "pathway.TrainingModule", "pathway.TrainingCompletion", "pathway.ReadinessCriterion",
    "pathway.MentorPreferences", "pathway.MenteePreferences", "pathway.HelpingContact", "pathway.Story",
]


def setup(tenant: SimpleNamespace) -> None:
    """Create this app's example objects for a tenant (organisation A or B)."""
    from peerpath.pathway.models import ReadinessCriterion, Story, TrainingModule
    from tests.factories import ConsentFactory

    coordinator = tenant.users["coordinator"]
    tenant.training_module = TrainingModule.objects.create(
        organization=tenant.org, name="同儕支持基礎訓練", hours=Decimal("12")
    )
    tenant.criterion = ReadinessCriterion.objects.create(
        organization=tenant.org, target_role="buddy", kind="months_in_programme", threshold=3, created_by=coordinator
    )
    ConsentFactory(member=tenant.member, kind="story", recorded_by=coordinator)
    tenant.story = Story.objects.create(
        organization=tenant.org, member=tenant.member, pseudonym="小太陽", sector="food_service",
        recovery_stage="rebuilding", how_found="朋友介紹", what_helped="就服員陪同面試", what_was_hard="早班",
        advice="慢慢來", status="published", published_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    )


def path_values(name: str, tenant: SimpleNamespace) -> dict[str, str]:
    """URL parameter → example value for route ``name`` in ``tenant``."""
    if name == "training_module_toggle":
        return {"<int:pk>": str(tenant.training_module.pk)}
    if name == "readiness_criterion_remove":
        return {"<int:pk>": str(tenant.criterion.pk)}
    if name in ("story_detail", "story_review", "portal_story_read"):
        return {"<int:pk>": str(tenant.story.pk)}
    return {}
