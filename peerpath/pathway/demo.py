"""The pathway app's part of the demo association (see peerpath/demo/generator.py).

``extend_plan`` plans, as plain data in ``plan.extras["pathway"]``:

- a training catalogue per organisation and readiness criteria per helper role;
- helper roles: most members stay participants; about 15% of the active members
  become peer buddies (members in the peer groups first, among them the care-team
  mentors with most mentees), a few of
  them group leaders, and two or three peer specialists, only members in the
  rebuilding or growth stage who have been enrolled long enough; each completes
  the training their role asks for beforehand;
- mentor preferences for every care-team mentor (some full, one unavailable) and a
  few newer members' preferences for their own mentor;
- helping contacts that form a realistic network: dense between mentors and their
  mentees, ties within the peer groups (from the groups app's rosters), buddies
  calling members who would otherwise have no one; a few active members have had
  no contact for more than 60 days (at risk of isolation);
- five work stories with STORY consents: three published, one waiting for review,
  and one whose consent was withdrawn, so that it is unpublished.

All text is synthetic. ``load`` writes the plan with bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from peerpath.demo.generator import DemoPlan, MemberPlan
from peerpath.groups.demo import roster_periods

MODULES = {
    "main": [("同儕支持基礎訓練", "12"), ("傾聽與回饋", "6"), ("陪同就業面談", "4"), ("倫理與界線", "3")],
    "harbour": [("同儕支持基礎訓練", "12"), ("傾聽與回饋", "6")],
}
# target role, kind, threshold, module, role, stage
CRITERIA = {
    "main": [
        ("buddy", "months_in_programme", 6, "", "", ""),
        ("buddy", "sessions_attended", 8, "", "", ""),
        ("buddy", "training_module", None, "同儕支持基礎訓練", "", ""),
        ("buddy", "recovery_stage_at_least", None, "", "", "preparation"),
        ("group_leader", "current_role", None, "", "buddy", ""),
        ("group_leader", "months_in_programme", 12, "", "", ""),
        ("group_leader", "sessions_attended", 20, "", "", ""),
        ("group_leader", "training_module", None, "傾聽與回饋", "", ""),
        ("group_leader", "training_module", None, "倫理與界線", "", ""),
        ("peer_specialist", "current_role", None, "", "group_leader", ""),
        ("peer_specialist", "months_in_programme", 24, "", "", ""),
        ("peer_specialist", "training_module", None, "陪同就業面談", "", ""),
        ("peer_specialist", "recovery_stage_at_least", None, "", "", "rebuilding"),
    ],
    "harbour": [
        ("buddy", "months_in_programme", 6, "", "", ""),
        ("buddy", "training_module", None, "同儕支持基礎訓練", "", ""),
    ],
}
# Training a role asks for (completed before the role starts).
ROLE_TRAINING = {
    "buddy": ["同儕支持基礎訓練"],
    "group_leader": ["傾聽與回饋", "倫理與界線"],
    "peer_specialist": ["陪同就業面談"],
}
LATER_STAGES = ("rebuilding", "growth")
# kind, weight, minutes range
KINDS = [("phone", 45, (10, 40)), ("meeting", 35, (30, 120)), ("workplace_visit", 12, (60, 150)),
         ("accompany_interview", 8, (90, 240))]
LOGGERS = {"main": ["peerleader", "peerleader2"], "harbour": ["harbour_ot"]}
ISOLATION_DAYS = 60

STORY_TEXTS = {
    "food_service": ("就服員陪我去餐廳面試，第一份工作是洗碗，後來到廚房幫忙備料。",
                     "團體裡有人也在餐廳工作，教我怎麼跟主管說要調班。",
                     "尖峰時間很吵很快，剛開始常常手忙腳亂。",
                     "先從短時間的班開始，習慣了再加時數，不用急。"),
    "retail": ("在團體裡聽到便利商店在找夜班以外的店員，就服員陪我投履歷。",
               "導師每週打電話問我好不好，讓我有人可以說。",
               "要記很多商品和收銀的步驟，一開始很怕出錯。",
               "出錯了就問，同事其實比想像中願意教。"),
    "cleaning": ("協進會的職場開發介紹了清潔公司，我先去試做一週。",
                 "每天固定的流程讓我比較安心，藥物和睡眠也比較規律。",
                 "早上要很早起床，前兩個月很辛苦。",
                 "找一個讓你覺得安心的節奏，身體會慢慢跟上。"),
    "logistics": ("朋友介紹物流倉儲的理貨工作，職能治療師幫我練習體力和專注。",
                  "跟主管說明我需要固定班表，公司願意調整。",
                  "要不要跟公司說病情，我想了很久。",
                  "說不說都可以，先想好你需要什麼協助。"),
    "care_work": ("我在長照中心當送餐員，是團體夥伴告訴我有這個職缺。",
                  "同儕支持專員陪我去第一天上班，讓我沒那麼緊張。",
                  "看到長輩生病會想到自己，情緒有時會被勾起來。",
                  "累的時候回團體說一說，大家都懂。"),
}
PSEUDONYMS = ["小太陽", "向日葵", "慢慢走", "晨跑者", "小綠芽", "山海"]


@dataclass
class RolePlan:
    org: str
    code: str
    role: str
    started_on: dt.date
    ended_on: dt.date | None


@dataclass
class ContactPlan:
    org: str
    helper: str
    helped: str
    kind: str
    minutes: int
    on: dt.date
    by: str


@dataclass
class StoryPlan:
    org: str
    code: str
    pseudonym: str
    sector: str
    stage: str
    texts: tuple[str, str, str, str]
    status: str  # published / submitted / withdrawn
    consent_on: dt.date
    written_on: dt.date
    consent_withdrawn_on: dt.date | None = None


@dataclass
class PathwayPlan:
    roles: list[RolePlan] = field(default_factory=list)
    completions: list[tuple[str, str, str, dt.date]] = field(default_factory=list)  # org, code, module, on
    mentors: list[tuple[str, str, bool, int, list[str]]] = field(default_factory=list)  # org, code, available, max, langs
    mentees: list[tuple[str, str, str, bool]] = field(default_factory=list)  # org, code, gender, required
    contacts: list[ContactPlan] = field(default_factory=list)
    stories: list[StoryPlan] = field(default_factory=list)
    isolated: list[tuple[str, str]] = field(default_factory=list)  # planned without a recent tie


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


def _stage(m: MemberPlan) -> str:
    return m.stages[-1][1] if m.stages else ""


def _roles(rng: random.Random, plan: DemoPlan, out: PathwayPlan, load: dict[tuple[str, str], int]) -> None:
    today = plan.today
    for org in ("main", "harbour"):
        active = [m for m in plan.members if m.org == org and m.status == "active"]
        later = [m for m in active if _stage(m) in LATER_STAGES and (today - m.enrolment_date).days >= 240]
        # Members who take part in the peer groups first (buddies need sessions
        # attended), among them the care-team mentors with most mentees, then others.
        in_groups = {code for (o, code) in roster_periods(plan) if o == org}
        later.sort(key=lambda m: (m.code not in in_groups, -load.get((org, m.code), 0), m.code))
        buddies = later[: max(1, round(0.15 * len(active)))]
        leaders = [m for m in buddies if (today - m.enrolment_date).days >= 500][: 5 if org == "main" else 0]
        specialists = [m for m in leaders if (today - m.enrolment_date).days >= 760][:2]
        for m in buddies:
            start = m.enrolment_date + _days(rng, 150, 220)
            path = [("buddy", start)]
            if m in leaders:
                path.append(("group_leader", start + _days(rng, 150, 260)))
            if m in specialists:
                path.append(("peer_specialist", path[-1][1] + _days(rng, 150, 240)))
            path = [(role, day) for role, day in path if day <= today - dt.timedelta(days=7)]
            for i, (role, day) in enumerate(path):
                end = path[i + 1][1] if i + 1 < len(path) else None
                out.roles.append(RolePlan(org, m.code, role, day, end))
                for module in ROLE_TRAINING[role]:
                    if any(name == module for name, _h in MODULES[org]):
                        done = max(m.enrolment_date + dt.timedelta(days=30), day - _days(rng, 10, 60))
                        out.completions.append((org, m.code, module, done))
        # A few participants on their way: the first training done recently.
        on_the_way = [m for m in active if m not in buddies and _stage(m) in ("preparation", *LATER_STAGES)
                      and (today - m.enrolment_date).days >= 120]
        for m in rng.sample(on_the_way, k=min(3, len(on_the_way))):
            out.completions.append((org, m.code, "同儕支持基礎訓練", today - _days(rng, 5, 60)))


def _mentoring(rng: random.Random, plan: DemoPlan, out: PathwayPlan, load: dict[tuple[str, str], int]) -> None:
    by_code = {(m.org, m.code): m for m in plan.members}
    for i, ((org, code), n) in enumerate(sorted(load.items())):
        member = by_code[(org, code)]
        languages = ["mandarin"] + (["taiwanese"] if rng.random() < 0.5 else [])
        if member.language == "en":
            languages.append("english")
        available = i != 3  # one mentor is taking a break
        out.mentors.append((org, code, available, max(2, n) + (0 if rng.random() < 0.4 else 1), languages))
    # Members further on who offered to mentor but have no mentee yet.
    offered = {(org, code) for org, code, *_rest in out.mentors}
    free = [m for m in plan.members if m.status == "active" and _stage(m) in LATER_STAGES
            and (m.org, m.code) not in offered and (plan.today - m.enrolment_date).days >= 365]
    for m in rng.sample(free, k=min(4, len(free))):
        out.mentors.append((m.org, m.code, True, rng.randint(1, 3), ["mandarin", "taiwanese"]))
    newest = sorted((m for m in plan.members if m.status == "active" and m.org == "main"),
                    key=lambda m: m.enrolment_date, reverse=True)[:6]
    for j, m in enumerate(newest[:3]):
        out.mentees.append((m.org, m.code, "female" if m.gender == "female" else "male", j == 0))


def _contact(rng: random.Random, org: str, helper: str, helped: str, on: dt.date) -> ContactPlan:
    kind, _w, (low, high) = rng.choices(KINDS, weights=[k[1] for k in KINDS])[0]
    return ContactPlan(org, helper, helped, kind, rng.randint(low, high) // 5 * 5 or 5, on,
                       rng.choice(LOGGERS[org]))


def _contacts(rng: random.Random, plan: DemoPlan, out: PathwayPlan) -> None:
    today = plan.today
    year_ago = today - dt.timedelta(days=365)
    active = {(m.org, m.code): m for m in plan.members if m.status == "active"}
    # Mentors and their mentees: every one to four weeks; sometimes the mentee helps back.
    for m in plan.members:
        if not (m.mentor_code and m.mentor_from and (m.org, m.code) in active):
            continue
        day = max(m.mentor_from, year_ago) + _days(rng, 3, 14)
        while day <= today:
            helper, helped = (m.code, m.mentor_code) if rng.random() < 0.1 else (m.mentor_code, m.code)
            out.contacts.append(_contact(rng, m.org, helper, helped, day))
            day += _days(rng, 7, 30)
    # Within the peer groups: some members help a co-member now and then.
    groups = plan.extras.get("groups", {}).get("groups", [])
    for g in groups:
        roster = [e for e in g["roster"] if (g["org"], e["code"]) in active]
        for e in roster:
            if rng.random() > 0.45:
                continue
            others = [o for o in roster if o["code"] != e["code"]]
            for o in rng.sample(others, k=min(len(others), rng.randint(1, 2))):
                start = max(e["joined"], o["joined"], year_ago)
                end = min(e["left"] or today, o["left"] or today)
                if start >= end:
                    continue
                for _ in range(rng.randint(1, 4)):
                    day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
                    out.contacts.append(_contact(rng, g["org"], e["code"], o["code"], day))
    if not groups:  # without the groups app's rosters: random ties between members
        codes = sorted(active)
        for key in codes:
            for other in rng.sample(codes, k=2):
                if other != key and other[0] == key[0]:
                    out.contacts.append(_contact(rng, key[0], key[1], other[1], today - _days(rng, 1, 300)))
    # A few members, none of them mentors, drifted away: nothing in the last 75 days.
    mentors = {(m.org, m.mentor_code) for m in plan.members if m.mentor_code}
    candidates = sorted(k for k in active if k[0] == "main" and k not in mentors)
    out.isolated = rng.sample(candidates, k=min(3, len(candidates)))
    quiet = set(out.isolated)
    cutoff = today - dt.timedelta(days=75)
    out.contacts = [c for c in out.contacts
                    if c.on < cutoff or ((c.org, c.helper) not in quiet and (c.org, c.helped) not in quiet)]
    # Everyone else has someone: a buddy or mentor calls members without a recent tie.
    recent = {(c.org, code) for c in out.contacts if c.on > today - dt.timedelta(days=45)
              for code in (c.helper, c.helped)}
    helpers = {org: sorted({r.code for r in out.roles if r.org == org} | {c for o, c in mentors if o == org and c})
               for org in ("main", "harbour")}
    for key in sorted(active):
        org, code = key
        if key in quiet or key in recent:
            continue
        choices = [h for h in helpers[org] if h != code]
        if choices:
            out.contacts.append(_contact(rng, org, rng.choice(choices), code, today - _days(rng, 1, 40)))
    # No help is dated before either member enrolled.
    enrolled = {(m.org, m.code): m.enrolment_date for m in plan.members}
    for c in out.contacts:
        c.on = max(c.on, enrolled[(c.org, c.helper)], enrolled[(c.org, c.helped)])
    out.contacts.sort(key=lambda c: (c.org, c.on, c.helper, c.helped))


def _stories(rng: random.Random, plan: DemoPlan, out: PathwayPlan) -> None:
    today = plan.today
    employment = plan.extras.get("employment")
    sectors = {(e.org, e.name): e.sector for e in getattr(employment, "employers", [])}
    worked: dict[tuple[str, str], str] = {}
    for job in sorted(getattr(employment, "jobs", []), key=lambda j: j.start):
        sector = sectors.get((job.org, job.employer), "")
        if sector in STORY_TEXTS and job.start < today - dt.timedelta(days=120):
            worked.setdefault((job.org, job.code), sector)
    by_code = {(m.org, m.code): m for m in plan.members}
    writers = [k for k in sorted(worked) if k[0] == "main" and by_code[k].status == "active"
               and _stage(by_code[k]) in ("preparation", *LATER_STAGES)]
    if len(writers) < 5:  # without the employment app's plan: members further on, any sector
        writers = sorted(k for k, m in by_code.items() if m.org == "main" and m.status == "active"
                         and _stage(m) in LATER_STAGES)
    statuses = ["published", "published", "published", "submitted", "withdrawn"]
    for (org, code), status, pseudonym in zip(rng.sample(writers, k=min(5, len(writers))), statuses, PSEUDONYMS,
                                              strict=False):
        sector = worked.get((org, code)) or rng.choice(sorted(STORY_TEXTS))
        consent_on = today - _days(rng, 60, 200)
        written = consent_on + _days(rng, 5, 30)
        out.stories.append(StoryPlan(
            org, code, pseudonym, sector, _stage(by_code[(org, code)]), STORY_TEXTS[sector], status, consent_on,
            written, consent_withdrawn_on=today - _days(rng, 3, 20) if status == "withdrawn" else None,
        ))


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    """Add this app's planned data to ``plan.extras["pathway"]`` (plain data, no Django)."""
    load: dict[tuple[str, str], int] = {}
    for m in plan.members:
        if m.mentor_code and m.status == "active":
            load[(m.org, m.mentor_code)] = load.get((m.org, m.mentor_code), 0) + 1
    out = PathwayPlan()
    _roles(rng, plan, out, load)
    _mentoring(rng, plan, out, load)
    _contacts(rng, plan, out)
    _stories(rng, plan, out)
    plan.extras["pathway"] = out


def _noon(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def load(plan: DemoPlan, ctx: Any) -> None:  # ctx: peerpath.demo.load.LoadContext
    """Write this app's part of the plan (inside the demo's one transaction)."""
    from peerpath.members.models import Consent
    from peerpath.pathway.models import (
        HelperRole,
        HelpingContact,
        MenteePreferences,
        MentorPreferences,
        ReadinessCriterion,
        Story,
        TrainingCompletion,
        TrainingModule,
    )

    out: PathwayPlan = plan.extras["pathway"]
    orgs, users, members = ctx.orgs, ctx.users, ctx.members
    coordinator = {key: ctx.coordinators.get(org.pk, users["coordinator"]) for key, org in orgs.items()}
    modules = {
        (key, name): module
        for key in MODULES
        for (name, _h), module in zip(MODULES[key], TrainingModule.objects.bulk_create([
            TrainingModule(organization=orgs[key], name=name, hours=Decimal(hours)) for name, hours in MODULES[key]
        ]), strict=True)
    }
    ReadinessCriterion.objects.bulk_create([
        ReadinessCriterion(organization=orgs[key], target_role=target, kind=kind, threshold=threshold,
                           module=modules[(key, module)] if module else None, role=role, stage=stage,
                           created_by=coordinator[key])
        for key, rows in CRITERIA.items() for target, kind, threshold, module, role, stage in rows
    ])
    HelperRole.objects.bulk_create([
        HelperRole(organization=orgs[r.org], member=members[(r.org, r.code)], role=r.role, started_on=r.started_on,
                   ended_on=r.ended_on, recorded_by=coordinator[r.org])
        for r in out.roles
    ])
    TrainingCompletion.objects.bulk_create([
        TrainingCompletion(organization=orgs[org], member=members[(org, code)], module=modules[(org, module)],
                           completed_on=on, recorded_by=coordinator[org])
        for org, code, module, on in out.completions if (org, module) in modules
    ], ignore_conflicts=True)
    MentorPreferences.objects.bulk_create([
        MentorPreferences(organization=orgs[org], member=members[(org, code)], available=available,
                          max_mentees=min(10, most), languages=languages)
        for org, code, available, most, languages in out.mentors
    ])
    MenteePreferences.objects.bulk_create([
        MenteePreferences(organization=orgs[org], member=members[(org, code)], gender=gender, gender_required=required)
        for org, code, gender, required in out.mentees
    ])
    HelpingContact.objects.bulk_create([
        HelpingContact(organization=orgs[c.org], helper=members[(c.org, c.helper)], helped=members[(c.org, c.helped)],
                       kind=c.kind, minutes=c.minutes, date=c.on, logged_by=users[c.by])
        for c in out.contacts if c.helper != c.helped
    ], batch_size=500)
    for s in out.stories:
        member = members[(s.org, s.code)]
        Consent.objects.create(
            organization=orgs[s.org], member=member, kind="story", version=f"{s.consent_on.year}-story",
            given_on=s.consent_on, withdrawn_on=s.consent_withdrawn_on, recorded_by=coordinator[s.org],
            withdrawal_recorded_by=coordinator[s.org] if s.consent_withdrawn_on else None,
        )
        how_found, what_helped, what_was_hard, advice = s.texts
        published = s.written_on + dt.timedelta(days=7) if s.status in ("published", "withdrawn") else None
        Story.objects.create(
            organization=orgs[s.org], member=member, pseudonym=s.pseudonym, sector=s.sector, recovery_stage=s.stage,
            how_found=how_found, what_helped=what_helped, what_was_hard=what_was_hard, advice=advice,
            status=s.status, submitted_at=_noon(s.written_on),
            reviewed_by=coordinator[s.org] if published else None,
            reviewed_at=_noon(published) if published else None,
            published_at=_noon(published) if published else None,
            unpublished_at=_noon(s.consent_withdrawn_on) if s.consent_withdrawn_on else None,
        )
