"""Registrations of the safety app with the apps below it:

* ``measures.completion``: a safety flag opens a follow-up (in the same
  transaction); the page after a self-completed questionnaire that tripped a
  safety rule is the crisis page (or, at the group kiosk, the discreet
  "please speak with a facilitator now" screen);
* ``workspace.urgent``: open follow-ups first on the caseload and dashboards;
  kiosk calls first on the facilitators' dashboards;
* ``members.panels``: the member page's safety panel, first on the page;
* ``members.timeline``: follow-ups, contacts and plan versions (clinical);
* ``portal.sections``: the crisis message on the member's portal home until
  staff record the follow-up, and a mentor's view of plans shared with them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.measures import completion
from peerpath.measures.models import Administration, FlagKind, Mode, ResultFlag
from peerpath.members import panels, precompiled, timeline
from peerpath.members.models import Member
from peerpath.members.timeline import TimelineEntry, Track
from peerpath.portal import sections
from peerpath.portal.models import MemberAccount
from peerpath.safety import actions, rules, selectors
from peerpath.safety.models import FollowUpContact, SafetyFollowUp, SafetyPlan
from peerpath.safety.views import page_context
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can
from peerpath.workspace import urgent

completion.register_flagged(actions.open_follow_ups)


@completion.register
def crisis_page(request: HttpRequest, administration: Administration, back: str | None) -> HttpResponse | None:
    """The page after a questionnaire whose answers raised a safety flag."""
    if administration.mode not in (Mode.LINK, Mode.PORTAL, Mode.KIOSK):
        return None
    if not precompiled.rows(("safety.has_safety_flag",), _safety_flags, {"administration": administration.pk},
                            prepared=True):
        return None
    member = administration.member
    if administration.mode == Mode.KIOSK:
        from peerpath.groups.kiosk import kiosk_of

        kiosk = kiosk_of(request)
        if kiosk is not None:
            actions.raise_kiosk_call(administration, kiosk.session, request=request)
        # Nothing on this screen says why: the tablet goes round the room.
        return render(request, "safety/kiosk_call.html", {"language": administration.language})
    audit.record(Event.SAFETY_CRISIS_SHOWN, actor=None, organization=administration.organization,
                 target=administration, request=request, extra={"member": member.pk})
    has_account = bool(precompiled.rows(("safety.has_account",), _active_account, {"member": member.pk},
                                        prepared=True))
    return render(request, "safety/crisis.html", {
        **page_context(member), "member": member, "has_account": has_account, "language": administration.language,
        "signed_in": request.user.is_authenticated and getattr(request.user, "member_account", None) is not None,
    })


# The crisis page's reads, compiled once (members.precompiled) and prepared on
# PostgreSQL: it follows every self-completed questionnaire with a safety answer.
def _safety_flags(administration: int) -> QuerySet[ResultFlag, tuple[Any, ...]]:
    return ResultFlag.objects.filter(administration_id=administration, kind=FlagKind.SAFETY).values_list("pk")[:1]


def _active_account(member: int) -> QuerySet[MemberAccount, tuple[Any, ...]]:
    return MemberAccount.objects.filter(member_id=member, is_active=True).values_list("pk")[:1]


# --- the team's side -----------------------------------------------------------

@urgent.register
def follow_ups_panel(membership: Membership, member_ids: list[int] | None) -> urgent.UrgentPanel | None:
    items = selectors.urgent_follow_ups(membership, member_ids)
    if not items:
        return None
    now = timezone.now()
    return urgent.UrgentPanel(
        template="safety/_urgent_follow_ups.html",
        title=_("Safety follow-ups"),
        context={"items": items, "now": now, "overdue": sum(1 for i in items if i.is_overdue(now))},
        order=0,
        member_ids=frozenset(i.member_id for i in items),
    )


@urgent.register
def kiosk_calls_panel(membership: Membership, member_ids: list[int] | None) -> urgent.UrgentPanel | None:
    if member_ids is not None:
        return None  # dashboards only: the caseload is not where a facilitator looks during a session
    calls = selectors.open_kiosk_calls(membership)
    if not calls:
        return None
    return urgent.UrgentPanel(template="safety/_urgent_kiosk_calls.html",
                              title=_("Asked to speak with a facilitator now"), context={"calls": calls}, order=1)


@panels.register
def member_safety_panel(member: Member, membership: Membership) -> panels.Panel | None:
    """Open follow-ups, the history, and the safety plan (clinical staff); a peer
    leader sees only a plan the member shared with their peer mentor."""
    plan = selectors.current_plan(member)
    if can(membership, Perm.SAFETY_FOLLOW_UP):
        items = selectors.member_follow_ups(membership, member)
        now = timezone.now()
        return panels.Panel(
            template="safety/_member_panel.html", title=_("Safety"),
            context={"items": items, "open": [i for i in items if i.state == "open"],
                     "closed": [i for i in items if i.state == "closed"], "plan": plan, "now": now,
                     "may_edit": can(membership, Perm.SAFETY_PLAN)},
            wide=True, urgent=any(i.state == "open" for i in items),
        )
    if selectors.may_see_plan(membership, plan):
        return panels.Panel(template="safety/_member_panel.html", title=_("Safety plan"),
                            context={"items": [], "open": [], "plan": plan, "may_edit": False})
    return None


@timeline.register
def safety_entries(member: Member) -> list[timeline.Source]:
    org = member.organization_id

    def opened(d: dict[str, Any]) -> TimelineEntry:
        due = timeline.parse_moment(d["due"])
        return TimelineEntry(
            date=d["_date"], kind="safety.opened", title=_("Safety follow-up opened"),
            detail=_("Due by %(due)s") % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else ""},
            clinical=True,
        )

    def contact(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(
            date=d["_date"], kind="safety.contact",
            title=_("Safety follow-up: %(outcome)s") % {"outcome": rules.Outcome(d["outcome"]).label},
            detail=str(rules.Method(d["method"]).label), by=timeline.staff_name(d, "by"), clinical=True,
        )

    def plan(d: dict[str, Any]) -> TimelineEntry:
        return TimelineEntry(date=d["_date"], kind="safety.plan", clinical=True,
                             title=_("Safety plan, version %(n)s") % {"n": d["version"]})

    return [
        timeline.Source(name="safety.opened", queryset=SafetyFollowUp.objects.filter(organization_id=org, member=member),
                        date=timeline.local_date("opened_at"), at=F("opened_at"), track=Track.PROFESSIONAL,
                        clinical=True, columns={"due": F("due_at")}, render=opened),
        timeline.Source(name="safety.contact", queryset=FollowUpContact.objects.filter(organization_id=org, member=member),
                        date=timeline.local_date("contacted_at"), at=F("contacted_at"), track=Track.PROFESSIONAL,
                        clinical=True, render=contact,
                        columns={"outcome": F("outcome"), "method": F("method"),
                                 **timeline.staff_columns("by", "recorded_by")}),
        timeline.Source(name="safety.plan", queryset=SafetyPlan.objects.filter(organization_id=org, member=member),
                        date=timeline.local_date("created_at"), track=Track.PROFESSIONAL, clinical=True,
                        columns={"version": F("version")}, render=plan),
    ]


# --- the member's side ---------------------------------------------------------

@sections.register
def portal_crisis_section(account: MemberAccount) -> sections.PortalSection | None:
    follow_up = selectors.open_follow_up_of(account.member)
    plan = selectors.current_plan(account.member)
    if follow_up is None and plan is None:
        return None
    return sections.PortalSection(
        template="safety/_portal_section.html",
        title=_("Your answer was seen") if follow_up else _("My safety plan"),
        context={"follow_up": follow_up, "plan": plan, "crisis_url": reverse("portal_safety")},
        first=follow_up is not None,
    )


@sections.register
def portal_mentee_plans(account: MemberAccount) -> sections.PortalSection | None:
    shared = selectors.mentee_plans(account.member)
    if not shared:
        return None
    return sections.PortalSection(
        template="safety/_portal_mentee_plans.html", title=_("Safety plans shared with you"),
        context={"shared": [(m, p, _step_list(p)) for m, p in shared]},
    )


def _step_list(plan: SafetyPlan) -> list[tuple[str, str]]:
    return [(SafetyPlan.step_label(s), getattr(plan, s)) for s in SafetyPlan.STEPS
            if getattr(plan, s)]
