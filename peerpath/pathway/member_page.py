"""What the pathway app adds to the member page (timeline entries and panels) and to
the member's portal home. Each provider reads in one query whatever the history."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.members.models import Member
from peerpath.members.panels import Panel
from peerpath.members.panels import register as register_panel
from peerpath.members.timeline import TimelineEntry, Track
from peerpath.members.timeline import register as register_provider
from peerpath.pathway import (
    actions,  # noqa: F401  (registers the consent-withdrawal hook)
    selectors,
)
from peerpath.pathway.describe import hours
from peerpath.pathway.models import (
    HelperRole,
    HelperRoleKind,
    HelpingContact,
    Story,
    TrainingCompletion,
)
from peerpath.pathway.readiness import next_role
from peerpath.portal.models import MemberAccount
from peerpath.portal.sections import PortalSection
from peerpath.portal.sections import register as register_section
from peerpath.tenancy.models import Membership, display_name
from peerpath.tenancy.policy import Perm, can

# -- timeline --------------------------------------------------------------------


@register_provider
def helper_roles(member: Member) -> list[TimelineEntry]:
    labels = dict(HelperRoleKind.choices)
    rows = HelperRole.objects.for_org(member.organization).filter(member=member).select_related("recorded_by")
    return [
        TimelineEntry(
            date=r.started_on, kind="pathway.role", track=Track.PEER,
            title=_("Helper role: %(role)s") % {"role": labels.get(r.role, r.role)},
            by=display_name(r.recorded_by), sort_key=(str(r.created_at),),
        )
        for r in rows
    ]


@register_provider
def training(member: Member) -> list[TimelineEntry]:
    rows = TrainingCompletion.objects.for_org(member.organization).filter(member=member).select_related(
        "module", "recorded_by"
    )
    return [
        TimelineEntry(
            date=c.completed_on, kind="pathway.training", track=Track.PEER,
            title=_("Training completed: %(module)s") % {"module": c.module.name},
            detail=_("%(hours)s hours") % {"hours": c.module.hours},
            by=display_name(c.recorded_by), sort_key=(str(c.created_at),),
        )
        for c in rows
    ]


@register_provider
def helping(member: Member) -> list[TimelineEntry]:
    """One entry per contact given or received; the note is private detail."""
    kinds = dict(HelpingContact._meta.get_field("kind").choices or [])
    rows = (
        HelpingContact.objects.for_org(member.organization)
        .filter(Q(helper=member) | Q(helped=member))
        .select_related("helper", "helped", "logged_by", "logged_by_member")
        .only("date", "kind", "minutes", "note", "created_at", "helper_id", "helped_id", "helper__code",
              "helped__code", "logged_by__first_name", "logged_by__last_name", "logged_by__username",
              "logged_by_member__code")
    )
    entries = []
    for c in rows:
        params = {"kind": kinds.get(c.kind, c.kind), "minutes": c.minutes}
        if c.helper_id == member.pk:
            title = _("Helped %(code)s: %(kind)s, %(minutes)s min") % {**params, "code": c.helped.code}
        else:
            title = _("Helped by %(code)s: %(kind)s, %(minutes)s min") % {**params, "code": c.helper.code}
        by = display_name(c.logged_by) if c.logged_by else (c.logged_by_member.code if c.logged_by_member else "")
        entries.append(
            TimelineEntry(
                date=c.date, kind="pathway.helping", track=Track.PEER, title=title, detail=c.note,
                private_detail=True, by=by, sort_key=(str(c.created_at),),
            )
        )
    return entries


@register_provider
def story(member: Member) -> list[TimelineEntry]:
    entries = []
    for s in Story.objects.for_org(member.organization).filter(member=member).only(
        "published_at", "unpublished_at", "status", "sector"
    ):
        if s.published_at:
            entries.append(TimelineEntry(
                date=timezone.localdate(s.published_at), kind="pathway.story_published", track=Track.PEER,
                title=_("Work story published in the hope library"), sort_key=(str(s.published_at),),
            ))
        if s.unpublished_at:
            entries.append(TimelineEntry(
                date=timezone.localdate(s.unpublished_at), kind="pathway.story_unpublished", track=Track.PEER,
                title=_("Work story taken off the hope library"), sort_key=(str(s.unpublished_at),),
            ))
    return entries


# -- member-page panels ----------------------------------------------------------


@register_panel
def pathway_panel(member: Member, membership: Membership) -> Panel | None:
    """Current helper role, the readiness checklist for the next role, training."""
    if not can(membership, Perm.PATHWAY_VIEW):
        return None
    history = selectors.role_history(member)
    current = selectors.current_role_of(history)
    completed = selectors.completions_of(member)
    since = next((r.started_on for r in history if r.ended_on is None), None)
    return Panel(
        template="pathway/_panel_pathway.html",
        title=_("Helper pathway"),
        context={
            "current_label": HelperRoleKind(current).label, "since": since,
            "readiness": selectors.readiness_of(member, current, completed),
            "final": next_role(current) is None,
            "completed": completed,
        },
    )


@register_panel
def helping_panel(member: Member, membership: Membership) -> Panel | None:
    """Helping hours given and received."""
    if not can(membership, Perm.PATHWAY_VIEW):
        return None
    return Panel(
        template="pathway/_panel_helping.html",
        title=_("Helping"),
        context={"summary": selectors.helping_summary(member), "recent_days": selectors.RECENT_DAYS},
    )


# -- the member's portal home ----------------------------------------------------


@register_section
def portal_section(account: MemberAccount) -> PortalSection | None:
    member = account.member
    current = selectors.current_roles(account.organization_id, [member.pk])[member.pk]
    summary = selectors.helping_summary(member)
    return PortalSection(
        template="pathway/_portal_section.html",
        title=_("Helping and stories"),
        context={
            "role_label": HelperRoleKind(current).label,
            "given_recent": hours(summary.given_recent), "received_recent": hours(summary.received_recent),
            "given": hours(summary.given), "received": hours(summary.received),
            "recent_days": selectors.RECENT_DAYS,
        },
    )
