"""Writing the groups part of the demo plan (bulk inserts: attendance rows are the bulk)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from peerpath.groups.models import (
    Attendance,
    CriticalIncident,
    FeedbackNote,
    IncidentCoding,
    Norm,
    NormObservation,
    PeerGroup,
    RosterEntry,
    Session,
)
from peerpath.measures.actions import store_scores
from peerpath.measures.library import library
from peerpath.measures.models import (
    Administration,
    AdministrationStatus,
    LocalWording,
    Mode,
    Reason,
)

GCQS = "gcqs"


def load_groups(groups: list[dict[str, Any]], ctx: Any) -> None:
    now = timezone.now()
    wording_done: set[int] = set()
    for g in groups:
        org = ctx.orgs[g["org"]]
        members = {code: m for (key, code), m in ctx.members.items() if key == g["org"]}
        co = ctx.users[g["co_facilitator"]]
        leader = ctx.users[g["peer_leader"]] if g["peer_leader"] else None
        recorder = leader or co
        coordinator = ctx.coordinators.get(org.pk, co)
        group = PeerGroup.objects.create(
            organization=org, name=g["name"], kind=g["kind"], schedule=g["schedule"], place=g["place"],
            peer_leader=leader, co_facilitator=co, started_on=g["started_on"],
        )
        RosterEntry.objects.bulk_create(
            RosterEntry(organization=org, group=group, member=members[e["code"]], joined_on=e["joined"],
                        left_on=e["left"])
            for e in g["roster"]
        )
        norms: list[Norm] = []
        for n in g["norms"]:
            norms.append(Norm.objects.create(
                organization=org, group=group, text=n["text"], proposed_by=n["proposed_by"],
                proposed_on=n["proposed_on"], agreed_on=n["agreed_on"], retired_on=n["retired_on"],
                supersedes=norms[n["supersedes"]] if n["supersedes"] is not None else None, created_by=recorder,
            ))
        sessions = Session.objects.bulk_create(
            Session(organization=org, group=group, date=s["date"], theme=s["theme"], recorded_by=recorder)
            for s in g["sessions"]
        )
        through = Session.facilitators.through
        facilitators = [u for u in (leader, co) if u is not None]
        through.objects.bulk_create(
            through(session_id=session.pk, user_id=u.pk) for session in sessions for u in facilitators
        )
        Attendance.objects.bulk_create(
            Attendance(organization=org, session=session, member=members[code], status=status)
            for session, s in zip(sessions, g["sessions"], strict=True)
            for code, status in s["attendance"].items()
        )
        observations = []
        for i, session in enumerate(sessions):
            in_force = [n for n in norms if n.agreed_on and n.agreed_on <= session.date
                        and (n.retired_on is None or n.retired_on > session.date)]
            if in_force and i % 3 == 0:
                norm = in_force[i % len(in_force)]
                observations.append(NormObservation(organization=org, session=session, norm=norm,
                                                    observation="challenged" if i % 9 == 0 else "upheld"))
        NormObservation.objects.bulk_create(observations)
        FeedbackNote.objects.bulk_create(
            FeedbackNote(organization=org, session=session, giver=members[giver], receiver=members[receiver], note=note)
            for session, s in zip(sessions, g["sessions"], strict=True)
            for giver, receiver, note in s["feedback"]
        )
        planned = [(session, i) for session, s in zip(sessions, g["sessions"], strict=True) for i in s["incidents"]]
        incidents = CriticalIncident.objects.bulk_create(
            CriticalIncident(organization=org, session=session, member=members[i["code"]], text=i["text"],
                             dictated=i["dictated"], recorded_by=recorder)
            for session, i in planned
        )
        codings = []
        for incident, (_session, i) in zip(incidents, planned, strict=True):
            if i["factors"]:
                codings.append(IncidentCoding(organization=org, incident=incident, coder=coordinator, rank=1,
                                              code_set=group.code_set, factors=i["factors"], coded_at=now))
            if i["factors"] and i["second"]:
                codings.append(IncidentCoding(organization=org, incident=incident, coder=ctx.users[g["second_coder"]],
                                              rank=2, code_set=group.code_set, factors=i["second"], coded_at=now))
        IncidentCoding.objects.bulk_create(codings)
        if g["gcqs"] and GCQS in library():
            if org.pk not in wording_done:
                _demo_wording(org, coordinator)
                wording_done.add(org.pk)
            _gcqs(org, members, g["gcqs"], co, now)


def _demo_wording(org: Any, user: Any) -> None:
    """Placeholder GCQ-S wording so that the demo kiosk can be tried; a licensee
    replaces it with the licensed wording (Questionnaire wording page)."""
    items = [i.id for i in library()[GCQS].items]
    LocalWording.objects.bulk_create(
        [LocalWording(organization=org, instrument_id=GCQS, item_id=i, language="zh-hant",
                      text=f"（示範）第 {i} 題：請由授權單位輸入正式題目", updated_by=user) for i in items]
        + [LocalWording(organization=org, instrument_id=GCQS, item_id=i, language="en",
                        text=f"(Demo) Item {i}: a licensee enters the licensed wording", updated_by=user)
           for i in items]
    )


def _gcqs(org: Any, members: dict[str, Any], answered: list[dict[str, Any]], user: Any, now: Any) -> None:
    instrument = library()[GCQS]
    for a in answered:
        member = members[a["code"]]
        administration = Administration.objects.create(
            organization=org, member=member, instrument_id=instrument.id, instrument_version=instrument.version,
            mode=Mode.KIOSK, reason=Reason.GROUP_SESSION, status=AdministrationStatus.COMPLETED,
            language=member.preferred_language, taken_on=a["date"],
            answers={k: float(v) for k, v in a["answers"].items()}, created_by=user, completed_at=now,
        )
        store_scores(administration, instrument, new=False)  # no flags from demo climate answers
