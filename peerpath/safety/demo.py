"""The safety app's part of the demo association (see peerpath/demo/generator.py).

The core demo scores every planned questionnaire, and each safety answer opens a
safety follow-up there, as in real use. This part gives them a realistic history:
answers older than a week were followed up — most within the due time, some
late, one member referred to a crisis service, one reached only at the second
attempt — while the newest stay open (one of them overdue, so the coordinator's
dashboard shows an escalation). Members who gave a safety answer have a safety
plan written with their professional (some shared with their peer mentor), and
the harbour organisation keeps its own list of crisis contacts.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from peerpath.demo.generator import DemoPlan

METHODS = [("phone", 60), ("in_person", 25), ("video", 5), ("home_visit", 10)]
NOTES = [
    "電話關心，會員表示這週睡不好但沒有立即危險，已一起檢視安全計畫。",
    "面談時討論最近工作壓力，會員同意有困擾時先打給姊姊。",
    "會員說填答時心情很低落，今天已比較穩定，約好週五再聊。",
]
PLAN = {
    "warning_signs": ["連續幾天睡不著、不想出門", "開始覺得自己是家人的負擔", "不接電話、把自己關在房間"],
    "coping": ["出門散步二十分鐘、聽喜歡的音樂", "洗熱水澡、寫下三件今天做到的事", "泡茶、整理房間"],
    "distractions": ["去社區咖啡館坐一下", "到會所參加下午的活動", "去公園找常一起下棋的鄰居"],
    "help_people": ["姊姊（示範電話 0900-000-111）", "同儕導師（示範電話 0900-000-222）", "好友阿明（示範電話 0900-000-333）"],
    "professionals": ["個案管理師（上班時間）", "安心專線 1925（24 小時）", "門診醫師（週二、週四）"],
    "environment": ["藥物交給家人保管，每週領一次", "把不需要的藥拿回藥局", "危險物品請家人收好"],
    "reasons": ["我的貓", "想看女兒畢業", "下個月的工作面試", "會所的朋友"],
}


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    """Plain data: the hours to the first contact of each older follow-up (drawn
    when loading, in the order of the follow-ups) and the plan texts."""
    plan.extras["safety"] = {
        "delays": [rng.choice([2, 3, 4, 5, 6, 8, 18, 20, 22, 30, 40]) for _ in range(200)],
        "methods": [rng.choices([m for m, _w in METHODS], [w for _m, w in METHODS])[0] for _ in range(200)],
        "notes": [rng.choice(NOTES) for _ in range(200)],
        "plans": [{k: rng.choice(v) for k, v in PLAN.items()} for _ in range(60)],
        "share": [rng.random() < 0.35 for _ in range(60)],
    }


def load(plan: DemoPlan, ctx: Any) -> None:  # ctx: peerpath.demo.load.LoadContext
    """Write this app's part of the plan (inside the demo's one transaction)."""
    from django.utils import timezone

    from peerpath.members.models import CareTeamAssignment
    from peerpath.safety import rules
    from peerpath.safety.models import (
        CrisisContact,
        FollowUpContact,
        FollowUpState,
        SafetyFollowUp,
        SafetyPlan,
        SafetySettings,
    )

    extras = plan.extras.get("safety", {})
    delays, methods, notes = extras.get("delays", []), extras.get("methods", []), extras.get("notes", [])
    now = timezone.now()
    tz = timezone.get_current_timezone()
    follow_ups = list(
        SafetyFollowUp.objects.select_related("administration", "member").order_by("administration__taken_on", "pk")
    )
    professional_of = {
        a.member_id: a.professional for a in CareTeamAssignment.objects.filter(role="professional", ended_on__isnull=True)
        .select_related("professional")
    }
    def age(f: Any) -> int:
        return (plan.today - (f.administration.taken_on or plan.today)).days

    old = [f for f in follow_ups if age(f) > 7]
    recent = [f for f in follow_ups if age(f) <= 7]
    for i, f in enumerate(old):
        opened = dt.datetime.combine(f.administration.taken_on or plan.today, dt.time(10 + i % 6, 15), tzinfo=tz)
        hours = delays[i % len(delays)] if delays else 4
        due = rules.due_time(opened, rules.DEFAULT_FOLLOW_UP_HOURS)
        by = professional_of.get(f.member_id) or ctx.coordinators[f.organization_id]
        contacted = opened + dt.timedelta(hours=hours)
        outcome = "referred" if i == 3 else "safe"
        if i == 5:  # reached at the second attempt
            retry = contacted + dt.timedelta(hours=20)
            FollowUpContact.objects.create(
                organization_id=f.organization_id, follow_up=f, member=f.member, contacted_at=contacted,
                method="phone", outcome="not_reached", next_attempt_at=retry, recorded_by=by,
            )
            contacted = retry + dt.timedelta(hours=1)
        FollowUpContact.objects.create(
            organization_id=f.organization_id, follow_up=f, member=f.member, contacted_at=contacted,
            method=methods[i % len(methods)] if methods else "phone", outcome=outcome,
            plan="reviewed" if outcome == "safe" else "written", note=notes[i % len(notes)] if notes else "",
            recorded_by=by,
        )
        SafetyFollowUp.objects.filter(pk=f.pk).update(
            opened_at=opened, first_due_at=due, due_at=due, state=FollowUpState.CLOSED, closed_at=contacted,
            closed_by=by, outcome=outcome,
        )
    recent += _answered_today(plan, ctx, now)
    for i, f in enumerate(reversed(recent)):
        if f.administration.mode == "portal" and f.administration.completed_at is not None:
            opened = f.administration.completed_at
        else:
            opened = min(dt.datetime.combine(f.administration.taken_on or plan.today, dt.time(9, 40), tzinfo=tz),
                         now - dt.timedelta(hours=2))
        due = rules.due_time(opened, rules.DEFAULT_FOLLOW_UP_HOURS)
        SafetyFollowUp.objects.filter(pk=f.pk).update(
            opened_at=opened, first_due_at=due, due_at=due,
            # the oldest open one is overdue and was escalated to the coordinators
            escalated_at=due + dt.timedelta(minutes=5) if due < now and i == len(recent) - 1 else None,
        )
    follow_ups = list(
        SafetyFollowUp.objects.select_related("administration", "member").order_by("administration__taken_on", "pk")
    )
    # Safety plans, written with the member's professional after the first safety answer.
    plans = extras.get("plans", [])
    share = extras.get("share", [])
    seen: set[int] = set()
    for i, f in enumerate(follow_ups):
        if f.member_id in seen or not plans:
            continue
        seen.add(f.member_id)
        by = professional_of.get(f.member_id) or ctx.coordinators[f.organization_id]
        SafetyPlan.objects.create(
            organization_id=f.organization_id, member=f.member, version=1, written_with=by,
            share_with_mentor=share[i % len(share)] if share else False, **plans[i % len(plans)],
        )
    # The harbour organisation's own list (the main one keeps the national lines).
    if "harbour" in ctx.orgs:
        harbour = ctx.orgs["harbour"]
        admin = next(iter(u for name, u in ctx.users.items() if name == "harbour_admin"), None)
        if admin is not None:
            SafetySettings.objects.create(organization=harbour, follow_up_hours=12, contacts_edited=True,
                                          updated_by=admin)
            for position, (name, number, hours) in enumerate([
                ("港區協會值班手機（示範）", "0900-000-919", "每日 09:00–21:00"),
                ("安心專線", "1925", "24 小時"),
                ("生命線", "1995", "24 小時"),
                ("緊急救護", "119", "24 小時"),
            ]):
                CrisisContact.objects.create(organization=harbour, position=position, name=name, number=number,
                                             hours=hours)


def _answered_today(plan: DemoPlan, ctx: Any, now: dt.datetime) -> list[Any]:
    """Two members of the main organisation answered PHQ-9 on the portal this
    morning and yesterday with item 9 above 0: their follow-ups are open, the
    older one past its due time."""
    from django.utils import timezone

    from peerpath.measures.actions import store_scores
    from peerpath.measures.library import library
    from peerpath.measures.models import (
        Administration,
        AdministrationStatus,
        Mode,
        Reason,
        StoredScore,
    )
    from peerpath.members.models import CareTeamAssignment
    from peerpath.safety.models import SafetyFollowUp

    main = ctx.orgs["main"]
    with_professional = set(
        CareTeamAssignment.objects.filter(organization=main, role="professional", ended_on__isnull=True)
        .values_list("member_id", flat=True)
    )
    busy = set(SafetyFollowUp.objects.filter(organization=main).values_list("member_id", flat=True))
    chosen = [m for (org, _code), m in sorted(ctx.members.items())
              if org == "main" and m.status == "active" and m.pk in with_professional and m.pk not in busy][:2]
    instrument = library()["phq9"]
    opened = []
    for days_ago, (member, item9) in zip((1, 0), zip(chosen, (2, 1), strict=False), strict=False):
        moment = now - dt.timedelta(days=days_ago, hours=3)
        answers = {str(i): float(v) for i, v in enumerate([2, 1, 2, 2, 1, 2, 1, 1, item9], start=1)}
        administration = Administration.objects.create(
            organization=main, member=member, instrument_id=instrument.id, instrument_version=instrument.version,
            mode=Mode.PORTAL, reason=Reason.AD_HOC, status=AdministrationStatus.COMPLETED,
            language=member.preferred_language, taken_on=timezone.localdate(moment), answers=answers,
            completed_at=moment,
        )
        store_scores(administration, instrument, new=True)
        StoredScore.objects.filter(administration=administration).update(taken_on=timezone.localdate(moment))
        opened += list(SafetyFollowUp.objects.filter(administration=administration).select_related("administration"))
    return opened
