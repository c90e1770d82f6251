"""Alert rules: pure functions over one member's recent records (no Django import).

``compute.py`` builds a ``MemberSnapshot`` per active member from the records of
every app, runs ``evaluate`` and turns the findings into stored alerts. Each rule
is a function ``(snapshot, thresholds) -> list[Finding]``.

A finding's ``key`` names the *episode*: the same condition found again on a
later day has the same key (one alert, not a new one each run), and a new episode
(a later job ending, a new gap after a contact) has a new key. The texts are
English source strings marked for translation; they are rendered with their
parameters at display time, in the viewer's language (``peerpath/alerts/texts.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the translation catalogue (``makemessages`` looks for
    this name); it is translated when shown, not here."""
    return message


# Rule ids (stored in ``Alert.rule``; the model's choices give their labels).
NO_CONTACT = "no_contact"
JOB_ENDED = "job_ended"
MISSED_SESSIONS = "missed_sessions"
SAFETY = "safety"
DETERIORATION = "deterioration"
OVERDUE = "overdue"
NO_MENTOR = "no_mentor"
ISOLATED = "isolated"

# Rules whose alerts are clinical (never shown to the peer track), and rules whose
# alerts prompt the peer track (a peer mentor or the peer leaders).
CLINICAL_RULES = frozenset({SAFETY, DETERIORATION})
PEER_TRACK_RULES = frozenset({JOB_ENDED, MISSED_SESSIONS, NO_MENTOR, ISOLATED})

# Who an alert prompts.
PROFESSIONAL = "professional"  # the member's professional (occupational therapist, employment specialist)
PEER_MENTOR = "peer_mentor"  # the member's peer mentor (a member, in the portal)
PEER_LEADER = "peer_leader"  # the organisation's peer leaders
PEER_TRACK = frozenset({PEER_MENTOR, PEER_LEADER})

# Attendance status that counts as a missed session (excused absences do not).
ABSENT = "absent"


@dataclass(frozen=True)
class Thresholds:
    """An organisation's alert thresholds (``AlertSettings``; these are the defaults)."""

    no_contact_days: int = 14  # in work and no contact from either track for this long
    job_end_contact_days: int = 7  # after a job ending, no contact from either track for this long
    missed_sessions: int = 3  # group sessions missed in a row
    mentor_days: int = 14  # a new member still without a peer mentor after this long
    new_member_days: int = 180  # a member counts as new for this long after enrolment
    isolation_days: int = 60  # no helping contact given or received for this long
    overdue: bool = True  # alert on overdue questionnaires


@dataclass(frozen=True)
class OpenFlag:
    """A questionnaire result not yet followed up (``measures.ResultFlag``)."""

    id: int
    kind: str  # safety / deterioration
    raised_on: dt.date
    instrument: str  # instrument id


@dataclass(frozen=True)
class OverdueQuestionnaire:
    instrument: str  # instrument id
    due_on: dt.date


@dataclass(frozen=True)
class MemberSnapshot:
    """What the rules know about one active member on ``today``."""

    member_id: int
    enrolment_date: dt.date
    today: dt.date
    employed: bool = False
    current_job_starts: tuple[dt.date, ...] = ()
    last_job_end: dt.date | None = None
    last_job_end_reason: str = ""
    # Track ("professional" / "peer") → date of the latest contact from that track;
    # a helping contact the member received counts as a peer-track contact.
    last_contact: Mapping[str, dt.date] = field(default_factory=dict)
    # The latest group attendance records, newest first: (session date, status).
    recent_attendance: tuple[tuple[dt.date, str], ...] = ()
    open_flags: tuple[OpenFlag, ...] = ()
    overdue: tuple[OverdueQuestionnaire, ...] = ()
    has_peer_mentor: bool = False
    isolated: bool = False  # by the helping network, over ``Thresholds.isolation_days``

    @property
    def last_any_contact(self) -> dt.date | None:
        return max(self.last_contact.values(), default=None)


@dataclass(frozen=True)
class Finding:
    rule: str
    key: str  # the episode: same key, same alert
    started_on: dt.date  # when the condition began
    audience: tuple[str, ...]
    clinical: bool  # never shown to peer leaders or peer mentors
    message: str  # a key of MESSAGES
    params: Mapping[str, str | int] = field(default_factory=dict)  # dates as ISO strings


# Message id → (reason, suggested action), English source strings with parameters.
MESSAGES: dict[str, tuple[str, str]] = {
    "no_contact": (
        gettext_noop("In work; no contact from either track since %(date)s."),
        gettext_noop("Get in touch this week: a workplace visit or a call from either track."),
    ),
    "no_contact_since_start": (
        gettext_noop("In work since %(date)s; no contact from either track since the job started."),
        gettext_noop("Get in touch this week: a workplace visit or a call from either track."),
    ),
    "job_ended": (
        gettext_noop("Job ended on %(date)s (%(reason)s); no contact from either track since."),
        gettext_noop("Call or visit within two days; ask the peer mentor to check in."),
    ),
    "missed_sessions": (
        gettext_noop("Missed the last %(count)s group sessions in a row (since %(date)s)."),
        gettext_noop("Ask the group's peer leader or a peer buddy to reach out."),
    ),
    "safety": (
        gettext_noop("Safety answer on %(instrument)s on %(date)s, not yet followed up."),
        gettext_noop("Contact the member today, follow the safety protocol and record the follow-up."),
    ),
    "deterioration": (
        gettext_noop("Reliable deterioration on %(instrument)s on %(date)s, not yet followed up."),
        gettext_noop("Review with the member soon and record the follow-up."),
    ),
    "overdue": (
        gettext_noop("%(instrument)s was due on %(date)s and is overdue."),
        gettext_noop("Offer the questionnaire at the next contact or send a self-report link."),
    ),
    "no_mentor": (
        gettext_noop("Enrolled on %(date)s; still no peer mentor."),
        gettext_noop("Suggest a peer mentor, or note why the member does not want one."),
    ),
    "isolated": (
        gettext_noop("No helping contact given or received in the last %(days)s days."),
        gettext_noop("Invite the member to a group or pair them with a peer buddy."),
    ),
}

# What a peer mentor reads in the portal about a mentee (never clinical): rule →
# text with %(name)s (the mentee's preferred name) and the finding's parameters.
MENTOR_PROMPTS: dict[str, str] = {
    JOB_ENDED: gettext_noop("%(name)s's job ended on %(date)s. A check-in from you would help."),
    ISOLATED: gettext_noop("%(name)s has not been in touch with other members for a while. A call from you would help."),
}


def _days(a: dt.date, b: dt.date) -> int:
    return (b - a).days


def no_contact(s: MemberSnapshot, t: Thresholds) -> list[Finding]:
    """In work, and no contact from either track for ``no_contact_days``; the gap
    counts from the last contact or from the start of the current work, whichever
    is later."""
    if not s.employed or not s.current_job_starts:
        return []
    in_work_since = min(s.current_job_starts)
    last = s.last_any_contact
    since = max(last, in_work_since) if last is not None else in_work_since
    days = _days(since, s.today)
    if days < t.no_contact_days:
        return []
    message = "no_contact" if last is not None and last >= in_work_since else "no_contact_since_start"
    return [Finding(
        NO_CONTACT, since.isoformat(), since, (PROFESSIONAL,), False, message,
        {"date": since.isoformat()},
    )]


def job_ended(s: MemberSnapshot, t: Thresholds) -> list[Finding]:
    """A job ended ``job_end_contact_days`` or more ago and neither track has been
    in touch since (a contact on the day of the ending counts). Cross-track: it
    prompts both the professional and the peer mentor."""
    end = s.last_job_end
    if end is None or end > s.today or _days(end, s.today) < t.job_end_contact_days:
        return []
    if any(day >= end for day in s.last_contact.values()):
        return []
    return [Finding(
        JOB_ENDED, end.isoformat(), end, (PROFESSIONAL, PEER_MENTOR), False, "job_ended",
        {"date": end.isoformat(), "reason": s.last_job_end_reason},
    )]


def missed_sessions(s: MemberSnapshot, t: Thresholds) -> list[Finding]:
    """The last ``missed_sessions`` group sessions were all missed (absent)."""
    latest = s.recent_attendance[: t.missed_sessions]
    if len(latest) < t.missed_sessions or any(status != ABSENT for _, status in latest):
        return []
    first = min(day for day, _ in latest)
    return [Finding(
        MISSED_SESSIONS, first.isoformat(), first, (PEER_LEADER, PROFESSIONAL), False, "missed_sessions",
        {"count": len(latest), "date": first.isoformat()},
    )]


def _flags(kind: str, s: MemberSnapshot) -> list[Finding]:
    return [
        Finding(kind, f"flag:{f.id}", f.raised_on, (PROFESSIONAL,), True, kind,
                {"instrument": f.instrument, "date": f.raised_on.isoformat()})
        for f in s.open_flags
        if f.kind == kind
    ]


def safety(s: MemberSnapshot, t: Thresholds) -> list[Finding]:
    """A safety item answered at or above its threshold, not yet followed up (clinical)."""
    return _flags(SAFETY, s)


def deterioration(s: MemberSnapshot, t: Thresholds) -> list[Finding]:
    """A score that reliably deteriorated, not yet followed up (clinical)."""
    return _flags(DETERIORATION, s)


def overdue(s: MemberSnapshot, t: Thresholds) -> list[Finding]:
    """Questionnaires of the measurement plan that are overdue (when switched on)."""
    if not t.overdue:
        return []
    return [
        Finding(OVERDUE, f"{q.instrument}:{q.due_on.isoformat()}", q.due_on, (PROFESSIONAL,), False, "overdue",
                {"instrument": q.instrument, "date": q.due_on.isoformat()})
        for q in s.overdue
    ]


def no_mentor(s: MemberSnapshot, t: Thresholds) -> list[Finding]:
    """A new member (enrolled less than ``new_member_days`` ago) still without a
    peer mentor ``mentor_days`` after enrolment."""
    days = _days(s.enrolment_date, s.today)
    if s.has_peer_mentor or days < t.mentor_days or days >= t.new_member_days:
        return []
    return [Finding(
        NO_MENTOR, s.enrolment_date.isoformat(), s.enrolment_date, (PROFESSIONAL, PEER_LEADER), False,
        "no_mentor", {"date": s.enrolment_date.isoformat()},
    )]


def isolated(s: MemberSnapshot, t: Thresholds) -> list[Finding]:
    """Isolated in the helping network (no helping contact in ``isolation_days``),
    once the member has been enrolled that long. A new episode starts after the
    member's next peer-track contact."""
    if not s.isolated or _days(s.enrolment_date, s.today) < t.isolation_days:
        return []
    last_peer = s.last_contact.get("peer")
    key = last_peer.isoformat() if last_peer else "none"
    return [Finding(
        ISOLATED, key, s.today, (PEER_LEADER, PEER_MENTOR), False, "isolated", {"days": t.isolation_days},
    )]


Rule = Callable[[MemberSnapshot, Thresholds], list[Finding]]

RULES: dict[str, Rule] = {
    NO_CONTACT: no_contact,
    JOB_ENDED: job_ended,
    MISSED_SESSIONS: missed_sessions,
    SAFETY: safety,
    DETERIORATION: deterioration,
    OVERDUE: overdue,
    NO_MENTOR: no_mentor,
    ISOLATED: isolated,
}


def evaluate(snapshot: MemberSnapshot, thresholds: Thresholds, rule_ids: Collection[str] | None = None
             ) -> list[Finding]:
    """Every finding of every rule (or of the rules ``rule_ids``) for one member."""
    return [finding for rule_id, rule in RULES.items() if rule_ids is None or rule_id in rule_ids
            for finding in rule(snapshot, thresholds)]
