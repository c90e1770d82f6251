"""What the pathway app adds to the member page (timeline entries and panels) and to
the member's portal home. Its timeline sources are read with every other app's in the timeline's one query."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from peerpath.members.models import Member
from peerpath.members.panels import Panel
from peerpath.members.panels import register as register_panel
from peerpath.members.timeline import (
    Source,
    TimelineEntry,
    Track,
    local_date,
    plain,
    staff_columns,
    staff_name,
)
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
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can

# -- timeline --------------------------------------------------------------------


@register_provider
def helper_roles(member: Member) -> list[Source]:
    labels = dict(HelperRoleKind.choices)
    rows = HelperRole.objects.filter(organization_id=member.organization_id, member=member)

    def render(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="pathway.role", by=staff_name(d, "by"),
                             title=_("Helper role: %(role)s") % {"role": labels.get(d["role"], d["role"])})

    return [Source(name="pathway.role", queryset=rows, date=F("started_on"), track=Track.PEER, render=render,
                   columns={"role": F("role"), **staff_columns("by", "recorded_by")})]


@register_provider
def training(member: Member) -> list[Source]:
    rows = TrainingCompletion.objects.filter(organization_id=member.organization_id, member=member)

    def render(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="pathway.training",
            title=_("Training completed: %(module)s") % {"module": d["module"]},
            detail=_("%(hours)s hours") % {"hours": _number(d["hours"])}, by=staff_name(d, "by"),
        )

    return [Source(name="pathway.training", queryset=rows, date=F("completed_on"), track=Track.PEER, render=render,
                   columns={"module": F("module__name"), "hours": F("module__hours"),
                            **staff_columns("by", "recorded_by")})]


def _number(value: Any) -> Any:
    """Training hours read from JSON as the model field shows them (one decimal place)."""
    return Decimal(str(value)).quantize(Decimal("0.1")) if value is not None else value


@register_provider
def helping(member: Member) -> list[Source]:
    """One entry per contact given or received; the note is private detail."""
    kinds = dict(HelpingContact._meta.get_field("kind").choices or [])
    rows = HelpingContact.objects.filter(organization_id=member.organization_id).filter(
        Q(helper=member) | Q(helped=member))

    def render(d: dict[str, Any]) -> TimelineEntry:
        params = {"kind": kinds.get(d["kind"], d["kind"]), "minutes": d["minutes"]}
        if d["helper"] == d["_member"]:
            title = _("Helped %(code)s: %(kind)s, %(minutes)s min") % {**params, "code": d["helped_code"]}
        else:
            title = _("Helped by %(code)s: %(kind)s, %(minutes)s min") % {**params, "code": d["helper_code"]}
        by = staff_name(d, "by") or (d["by_member"] or "")
        return TimelineEntry(date=d["_date"], kind="pathway.helping", title=title, detail=plain(d["note"]),
                             private_detail=True, by=by)

    return [Source(
        name="pathway.helping", queryset=rows, date=F("date"), track=Track.PEER, render=render,
        columns={"kind": F("kind"), "minutes": F("minutes"), "note": F("note"), "helper": F("helper_id"),
                 "helper_code": F("helper__code"), "helped_code": F("helped__code"),
                 "by_member": F("logged_by_member__code"), **staff_columns("by", "logged_by")},
    )]


@register_provider
def story(member: Member) -> list[Source]:
    rows = Story.objects.filter(organization_id=member.organization_id, member=member)

    def published(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="pathway.story_published",
                             title=_("Work story published in the hope library"))

    def unpublished(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="pathway.story_unpublished",
                             title=_("Work story taken off the hope library"))

    return [
        Source(name="pathway.story_published", queryset=rows.filter(published_at__isnull=False),
               date=local_date("published_at"), at=F("published_at"), track=Track.PEER, render=published),
        Source(name="pathway.story_unpublished", queryset=rows.filter(unpublished_at__isnull=False),
               date=local_date("unpublished_at"), at=F("unpublished_at"), track=Track.PEER, render=unpublished),
    ]


# -- member-page panels ----------------------------------------------------------


@register_panel
def pathway_panels(member: Member, membership: Membership) -> list[Panel]:
    """The pathway and helping panels, from one read (``selectors.member_page_pathway``)."""
    if not can(membership, Perm.PATHWAY_VIEW):
        return []
    found = selectors.member_page_pathway(member)
    return [_pathway(member, membership, found), _helping(member, membership, found)]


def pathway_panel(member: Member, membership: Membership) -> Panel | None:
    """Current helper role, the readiness checklist for the next role, training."""
    if not can(membership, Perm.PATHWAY_VIEW):
        return None
    return _pathway(member, membership, selectors.member_page_pathway(member))


def helping_panel(member: Member, membership: Membership) -> Panel | None:
    """Helping hours given and received."""
    if not can(membership, Perm.PATHWAY_VIEW):
        return None
    return _helping(member, membership, selectors.member_page_pathway(member))


def _pathway(member: Member, membership: Membership, found: selectors.MemberPagePathway) -> Panel:
    title = _("Helper pathway")
    context = {
        "current_label": HelperRoleKind(found.current).label, "since": found.since,
        "readiness": selectors.readiness_from(member, found.current, found.completed, found.criteria),
        "final": next_role(found.current) is None,
        "completed": found.completed,
    }
    return Panel(template="pathway/_panel_pathway.html", title=title, context=context,
                 html=pathway_html(title, context, member, can(membership, Perm.MENTOR_MATCH)))


def pathway_html(title: str, c: dict[str, Any], member: Member, may_match: bool) -> SafeString:
    """What ``pathway/_panel_pathway.html`` (with ``_readiness.html``) renders,
    written in Python (tests compare the two): every value from data escaped as the
    template's autoescaping did (its translations of literals are not escaped); the
    msgids are the template's."""
    since = ""
    if c["since"]:
        since = f'<span class="muted">{_("since %(d)s") % {"d": c["since"].isoformat()}}</span>'
    completed = ", ".join(escape(done.module.name) for done in c["completed"]) or \
        f'<span class="muted">{_("None yet")}</span>'
    mentor = ""
    if may_match:
        mentor = (f' · <a href="{escape(reverse("mentor_suggestions", kwargs={"code": member.code}))}">'
                  f'{_("Suggest a peer mentor")}</a>')
    return mark_safe(  # noqa: S308  # every value from data is escaped
        '<section class="card" aria-labelledby="h-pathway">\n'
        f'  <h2 id="h-pathway"><span class="track track-peer">{_("Peer track")}</span> {escape(title)}</h2>\n'
        f'  <dl class="facts">\n    <dt>{_("Current role")}</dt>\n'
        f'    <dd><span class="track track-peer">{escape(c["current_label"])}</span>\n      {since}</dd>\n'
        f'    <dt>{_("Training")}</dt>\n    <dd>{completed}</dd>\n  </dl>\n'
        f'  {_readiness_html(c["readiness"], c["final"])}\n'
        f'  <p><a href="{escape(reverse("pathway_member", kwargs={"code": member.code}))}">'
        f'{_("Helper pathway in full")}</a>\n  {mentor}</p>\n</section>\n'
    )


def _readiness_html(readiness: list[selectors.Readiness], final: bool) -> str:
    """What ``pathway/_readiness.html`` renders (escaped as ``pathway_html``)."""
    if not readiness:
        last = _("This is the last step of the pathway.") if final else \
            _("No readiness criteria are set for the next role.")
        return f'<p class="muted">{last}</p>\n\n'
    met, not_yet = f'<span class="yes">✓ {_("Met")}</span>', f'<span class="no">✗ {_("Not yet")}</span>'
    parts = []
    for r in readiness:
        ready = f'<span class="yes">{_("All criteria met")}</span>' if r.ready else ""
        items = "".join(f'\n  <li>{met if done else not_yet}\n    {escape(asked)} <span class="muted">'
                        f"({escape(stands)})</span></li>\n  " for asked, stands, done in r.items)
        parts.append(f'\n<h3 class="checklist-head">{_("Ready to become: %(role)s") % {"role": escape(r.label)}}'
                     f'\n  {ready}</h3>\n<ul class="plain checklist">\n  {items}\n</ul>\n')
    return "".join(parts) + "\n"


def _helping(member: Member, membership: Membership, found: selectors.MemberPagePathway) -> Panel:
    title = _("Helping")
    context = {"summary": found.summary, "recent_days": selectors.RECENT_DAYS}
    return Panel(template="pathway/_panel_helping.html", title=title, context=context,
                 html=helping_html(title, context, member, can(membership, Perm.HELPING_LOG)))


def helping_html(title: str, c: dict[str, Any], member: Member, may_log: bool) -> SafeString:
    """What ``pathway/_panel_helping.html`` renders, written in Python (tests compare
    the two): escaped as the template's autoescaping did (its translations of
    literals are not escaped); the msgids are the template's."""
    s = c["summary"]
    log = ""
    if may_log:
        log = (f'<p><a href="{escape(reverse("helping_log"))}?helper={member.pk}">'
               f'{_("Log a helping contact")}</a></p>')
    return mark_safe(  # noqa: S308  # every value from data is escaped (numbers and a URL)
        '<section class="card" aria-labelledby="h-helping">\n'
        f'  <h2 id="h-helping"><span class="track track-peer">{_("Peer track")}</span> {escape(title)}</h2>\n  \n'
        '  <table class="list compact">\n'
        f'    <thead><tr><th scope="col">{_("Hours")}</th><th scope="col">{pgettext("helping hours", "Given")}</th>'
        f'<th scope="col">{pgettext("helping hours", "Received")}</th></tr></thead>\n    <tbody>\n'
        f'      <tr><th scope="row">{_("Last %(n)s days") % {"n": escape(c["recent_days"])}}</th>'
        f'<td class="num">{hours(int(s.given_recent or 0))}</td><td class="num">{hours(int(s.received_recent or 0))}'
        '</td></tr>\n'
        f'      <tr><th scope="row">{_("All time")}</th><td class="num">{hours(int(s.given or 0))}</td>'
        f'<td class="num">{hours(int(s.received or 0))}</td></tr>\n    </tbody>\n  </table>\n  \n'
        f'  {log}\n</section>\n'
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
