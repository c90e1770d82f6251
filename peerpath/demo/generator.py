"""A synthetic association, planned deterministically from a seed (no Django).

Nothing here is real: names are drawn from common characters, phone numbers use
the 0900-000 block, e-mail addresses the reserved example.org domain, addresses
a street called 示範路 ("Demo Road"). The plan is plain data; ``load.py`` writes
it to the database. Later domain apps add their own parts to the plan.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import zlib
from dataclasses import dataclass, field
from typing import Any

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周葉蘇莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴"
GIVEN = "宜庭雅婷怡君佳蓉俊傑志明建宏家豪冠宇承恩柏翰雨萱心怡淑芬美玲文雄國華秀英明德信宏思妤子涵宥廷品妍書豪嘉玲"
STAGES = ["moratorium", "awareness", "preparation", "rebuilding", "growth"]
REFERRALS = [
    ("hospital_ot", 35), ("day_ward", 20), ("clinic", 20), ("self", 8), ("agency", 10), ("family", 4), ("peer", 3),
]
DIAGNOSES = ["思覺失調症", "雙相情緒障礙症", "重鬱症", "情感性思覺失調症", "焦慮症"]
# Members of the main organisation: enough for about 150 jobs over the three years of
# peer groups, so that the process→outcome analysis has the power it needs (shape.py).
DEFAULT_SIZE = 130
DISTRICTS = ["中正區", "大安區", "信義區", "萬華區", "文山區", "北投區", "板橋區", "新店區"]


@dataclass
class StaffPlan:
    username: str
    family_name: str
    given_name: str
    role: str
    discipline: str = ""
    orgs: tuple[str, ...] = ("main",)


@dataclass
class ConsentPlan:
    kind: str
    version: str
    given_on: dt.date
    withdrawn_on: dt.date | None = None


@dataclass
class QuestionnairePlan:
    taken_on: dt.date
    instrument_id: str
    answers: dict[str, int]
    reason: str  # intake / periodic
    mode: str  # staff / link


@dataclass
class MemberPlan:
    org: str
    code: str
    name: str
    birth_year: int
    gender: str
    enrolment_date: dt.date
    status: str
    referral_source: str
    phone: str
    email: str
    address: str
    diagnosis: str
    language: str
    stages: list[tuple[dt.date, str]] = field(default_factory=list)
    consents: list[ConsentPlan] = field(default_factory=list)
    professional: list[tuple[dt.date, str]] = field(default_factory=list)  # (from, username)
    mentor_from: dt.date | None = None
    mentor_code: str | None = None
    questionnaires: list[QuestionnairePlan] = field(default_factory=list)


@dataclass
class OrgPlan:
    key: str
    name: str
    slug: str


@dataclass
class DemoPlan:
    seed: int
    today: dt.date
    orgs: list[OrgPlan]
    staff: list[StaffPlan]
    members: list[MemberPlan]
    # Each domain app's part of the plan, under the app's name (see EXTENSIONS).
    extras: dict[str, Any] = field(default_factory=dict)


# Domain apps that add to the demo, in order (a later one may read an earlier one's
# part of the plan: the employment part reads the groups' rosters, see shape.py).
# Each module has ``extend_plan(rng, plan)`` and ``load(plan, ctx)``.
EXTENSIONS = (
    "peerpath.groups.demo",
    "peerpath.employment.demo",
    "peerpath.pathway.demo",
    "peerpath.safety.demo",
    "peerpath.portal.demo",
    "peerpath.alerts.demo",
    "peerpath.exchange.demo",
    "peerpath.outcomes.demo",
    "peerpath.tasks.demo",
)


def extension_rng(seed: int, module: str) -> random.Random:
    """A random stream per extension, so that one app's plan does not shift another's."""
    return random.Random(seed * 1_000_003 + zlib.crc32(module.encode()))


STAFF = [
    StaffPlan("admin", "林", "淑華", "admin"),
    StaffPlan("coordinator", "陳", "怡君", "coordinator", orgs=("main", "harbour")),
    StaffPlan("ot", "黃", "志明", "professional", "ot"),
    StaffPlan("specialist", "張", "雅婷", "professional", "es"),
    StaffPlan("specialist2", "吳", "建宏", "professional", "es"),
    StaffPlan("peerleader", "王", "俊傑", "peer_leader", "peer"),
    StaffPlan("peerleader2", "許", "美玲", "peer_leader", "peer"),
    StaffPlan("researcher", "蔡", "佳蓉", "researcher"),
    StaffPlan("harbour_admin", "鄭", "文雄", "admin", orgs=("harbour",)),
    StaffPlan("harbour_ot", "謝", "宜庭", "professional", "ot", orgs=("harbour",)),
]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        if name not in used:
            used.add(name)
            return name


def _member(rng: random.Random, org: str, n: int, today: dt.date, used: set[str], professionals: list[str]) -> MemberPlan:
    # A steady intake: some members joined in the last few months, most earlier.
    days_ago = rng.randint(3, 100) if rng.random() < 0.15 else int(rng.triangular(100, 6 * 365, 400))
    enrolled = today - dt.timedelta(days=days_ago)
    status = "active"
    roll = rng.random()
    if days_ago > 500 and roll < 0.12:
        status = "closed"
    elif days_ago > 200 and roll < 0.2:
        status = "inactive"
    m = MemberPlan(
        org=org,
        code=f"M{n:04d}",
        name=_name(rng, used),
        birth_year=rng.randint(today.year - 60, today.year - 20),
        gender=rng.choices(["female", "male", "non_binary", "undisclosed"], weights=[45, 48, 2, 5])[0],
        enrolment_date=enrolled,
        status=status,
        referral_source=_weighted(rng, REFERRALS),
        phone=f"0900-000-{rng.randint(0, 999):03d}",
        email=f"member{n:03d}@example.org" if rng.random() < 0.6 else "",
        address=f"台北市{rng.choice(DISTRICTS)}示範路{rng.randint(1, 300)}號",
        diagnosis=rng.choice(DIAGNOSES),
        language="en" if rng.random() < 0.05 else "zh-hant",
    )
    # Recovery stage: assessed at enrolment, then moving mostly forward.
    stage = rng.choices(range(4), weights=[25, 35, 30, 10])[0]
    day = enrolled
    m.stages.append((day, STAGES[stage]))
    while True:
        day = day + dt.timedelta(days=rng.randint(90, 300))
        if day >= today:
            break
        step = rng.choices([1, 0, -1], weights=[60, 30, 10])[0]
        new = min(4, max(0, stage + step))
        if new != stage:
            stage = new
            m.stages.append((day, STAGES[stage]))
    # Consents: service at intake (form version by year), research and data sharing for many.
    version = f"{enrolled.year}-1"
    m.consents.append(ConsentPlan("service", version, enrolled))
    if rng.random() < 0.7:
        withdrawn = None
        if rng.random() < 0.08 and days_ago > 120:
            withdrawn = enrolled + dt.timedelta(days=rng.randint(60, days_ago - 1))
        m.consents.append(ConsentPlan("research", version, enrolled, withdrawn))
    if rng.random() < 0.4:
        m.consents.append(ConsentPlan("data_sharing", version, enrolled + dt.timedelta(days=rng.randint(0, 14))))
    # Professional from intake; some members changed professional later.
    if days_ago < 14 and rng.random() < 0.5:
        return m  # so new that no professional has been assigned yet
    m.professional.append((enrolled, rng.choice(professionals)))
    if len(professionals) > 1 and days_ago > 400 and rng.random() < 0.25:
        change = enrolled + dt.timedelta(days=rng.randint(200, days_ago - 1))
        others = [p for p in professionals if p != m.professional[0][1]]
        m.professional.append((change, rng.choice(others)))
    return m


# Item generators: answers of each demo instrument from a latent well-being w in
# [0, 1] (1 = doing well). Reverse-keyed and positively worded items follow w.
ISMI_RESISTANCE = {"7", "14", "24", "26", "27"}


def _likert(rng: random.Random, centre: float, low: int, high: int) -> int:
    return max(low, min(high, round(centre + rng.gauss(0, 0.6))))


def _answers(rng: random.Random, instrument_id: str, w: float) -> dict[str, int]:
    if instrument_id == "phq9":
        answers = {str(i): _likert(rng, (1 - w) * 2.6, 0, 3) for i in range(1, 10)}
        answers["9"] = 1 if w < 0.25 and rng.random() < 0.3 else 0
        return answers
    if instrument_id == "who5":
        return {str(i): _likert(rng, 0.5 + w * 4, 0, 5) for i in range(1, 6)}
    if instrument_id == "gses":
        return {str(i): _likert(rng, 1.4 + w * 2.4, 1, 4) for i in range(1, 11)}
    if instrument_id == "ismi29":
        return {
            str(i): _likert(rng, 1 + 3 * w if str(i) in ISMI_RESISTANCE else 3.3 - 2.2 * w, 1, 4)
            for i in range(1, 30)
        }
    raise ValueError(instrument_id)


DEMO_INSTRUMENTS = ("phq9", "who5", "gses", "ismi29")


def _questionnaires(rng: random.Random, m: MemberPlan, today: dt.date) -> None:
    """Intake, then every three months while active: well-being rises for most members."""
    w = rng.uniform(0.1, 0.5)
    slope = rng.gauss(0.12, 0.12)  # per year
    day = m.enrolment_date + dt.timedelta(days=rng.randint(0, 7))
    reason = "intake"
    end = today if m.status == "active" else m.enrolment_date + dt.timedelta(days=400)
    while day <= min(today, end):
        level = max(0.0, min(1.0, w + rng.gauss(0, 0.06)))
        mode = "link" if reason == "periodic" and rng.random() < 0.4 else "staff"
        for instrument_id in DEMO_INSTRUMENTS:
            if instrument_id == "ismi29" and reason == "periodic" and rng.random() < 0.5:
                continue  # the long stigma scale every six months or so
            m.questionnaires.append(
                QuestionnairePlan(day, instrument_id, _answers(rng, instrument_id, level), reason, mode)
            )
        w += slope * 0.25
        day += dt.timedelta(days=rng.randint(80, 100))
        reason = "periodic"


def plan(seed: int = 2026, today: dt.date | None = None, size: int = DEFAULT_SIZE) -> DemoPlan:
    """The whole demo as data: same seed and day, same plan."""
    rng = random.Random(seed)
    today = today or dt.date.today()  # noqa: DTZ011 - the caller passes the local date
    used: set[str] = set()
    main_pros = [s.username for s in STAFF if s.role == "professional" and "main" in s.orgs]
    members = [_member(rng, "main", i + 1, today, used, main_pros) for i in range(size)]
    members += [_member(rng, "harbour", i + 1, today, used, ["harbour_ot"]) for i in range(max(4, size // 8))]
    for m in members:
        _questionnaires(rng, m, today)
    # Peer mentors: members further on in recovery accompany newer ones.
    for org in ("main", "harbour"):
        pool = [m for m in members if m.org == org]
        mentors = [m for m in pool if m.status == "active" and m.stages[-1][1] in ("rebuilding", "growth")]
        for m in pool:
            candidates = [x for x in mentors if x.code != m.code and x.enrolment_date < m.enrolment_date]
            if m.status == "active" and candidates and rng.random() < 0.75:
                mentor = rng.choice(candidates)
                start = max(m.enrolment_date + dt.timedelta(days=rng.randint(7, 60)), mentor.enrolment_date)
                if start < today:
                    m.mentor_from, m.mentor_code = start, mentor.code
    orgs = [
        OrgPlan("main", "晨光同儕支持協進會（示範）", "dawn-demo"),
        OrgPlan("harbour", "港灣會所（示範）", "harbour-demo"),
    ]
    demo = DemoPlan(seed=seed, today=today, orgs=orgs, staff=list(STAFF), members=members)
    for module in EXTENSIONS:
        importlib.import_module(module).extend_plan(extension_rng(seed, module), demo)
    return demo
