"""The employment app's part of the demo association (see peerpath/demo/generator.py).

``extend_plan`` plans, as plain data in ``plan.extras["employment"]``: employers
and job development, vocational profiles, job search, jobs with realistic time to
a first job and varied tenure, endings with reasons (who works and how long a job
lasts follow ``peerpath.demo.shape``: more often and longer for members who take
part in the peer groups, read from the groups part of the plan), support contacts from both
tracks every one to four weeks while someone works, and referrals in every step.
A few working members are deliberately left without a contact for two to three
weeks, and one or two recent job endings without a contact since, so that the
alerts have something real to show. ``load`` writes the plan with bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from peerpath.demo import shape
from peerpath.demo.generator import DISTRICTS, GIVEN, STAGES, SURNAMES, DemoPlan, MemberPlan
from peerpath.employment.demo_plan import (
    EmployerContactPlan,
    EmployerPlan,
    EmploymentPlan,
    EndingPlan,
    JobPlan,
    OpeningPlan,
    ProfilePlan,
    ReferralPlan,
    SearchPlan,
    SupportPlan,
)
from peerpath.groups.demo import roster_periods

PROFESSIONALS = {"main": ["specialist", "specialist2", "ot"], "harbour": ["harbour_ot"]}
SPECIALISTS = {"main": ["specialist", "specialist2"], "harbour": ["harbour_ot"]}
# Who logs peer-track support: the peer leaders (the harbour clubhouse has none, so
# its occupational therapist logs what its peer supporters report).
PEER_LOGGERS = {"main": ["peerleader", "peerleader2"], "harbour": ["harbour_ot"]}

# (name stem, sector, job titles, hours a week, hourly wage range in TWD)
EMPLOYER_KINDS = [
    ("餐飲有限公司", "food_service", ["廚房助手", "外場服務員", "洗碗員"], (16, 30), (190, 215)),
    ("便利商店", "retail", ["門市店員", "理貨員"], (16, 32), (190, 205)),
    ("清潔服務有限公司", "cleaning", ["清潔員", "環境整理員"], (12, 30), (190, 210)),
    ("物流股份有限公司", "logistics", ["理貨員", "包裝員", "倉儲助理"], (20, 40), (196, 230)),
    ("食品工業股份有限公司", "manufacturing", ["包裝作業員", "生產線作業員"], (24, 40), (196, 225)),
    ("資訊有限公司", "it", ["資料輸入員", "測試助理"], (16, 40), (200, 260)),
    ("長照中心", "care_work", ["照顧服務助理", "送餐員"], (16, 36), (200, 240)),
    ("商務旅館", "hospitality", ["房務員", "櫃台助理"], (20, 40), (196, 220)),
    ("文具行", "retail", ["門市助理"], (12, 24), (190, 200)),
    ("會計師事務所", "office", ["行政助理", "文書處理員"], (16, 40), (200, 240)),
    ("保全股份有限公司", "security", ["大樓管理員"], (24, 40), (196, 215)),
]
WORDS = ["晨光", "和平", "青松", "海風", "光明", "綠葉", "好日", "安心", "向陽", "春田", "福來", "大同",
         "新興", "長青", "友善", "藍天", "星河", "山嵐", "小巷", "暖陽", "月光", "清泉", "木棉", "稻香",
         "白鷺", "楓林", "竹里", "松園", "恆春", "明日"]
SHELTERED = ("庇護工場", "manufacturing", ["庇護性作業員"], (12, 24), (120, 170))
GOALS = ["想在餐廳廚房穩定工作", "找一份離家近的兼職", "回到以前做過的物流工作", "先從每週十幾小時開始",
         "想學電腦文書，找行政工作", "希望一年內轉為全職", "想在照顧服務業幫助別人"]
HISTORY = ["曾在工廠做包裝兩年", "大學畢業後做過業務，住院後中斷", "做過便利商店夜班", "沒有正式工作經驗",
           "曾在餐廳打工半年", "做過清潔工作三年"]
BENEFITS = ["擔心工作後失去身心障礙生活補助", "有低收入戶資格，想了解收入上限", "", "", ""]
ACCOMMODATIONS = ["每兩小時休息十分鐘", "固定早班，避免輪班", "工作指示寫成清單", "回診日可請假", ""]
LESSONS = ["工時太長時壓力上升，下次先從短工時開始", "與主管溝通需要就服員陪同", "通勤時間太久影響睡眠",
           "有明確的工作流程時表現穩定", "找到更適合的工作，雙方好聚好散", ""]
SEARCH_NOTES = ["面試前一起練習自我介紹", "自己上網投遞履歷", "就服員陪同面試", "雇主希望能加班，再考慮", ""]
SUPPORT_NOTES = ["主管反映工作穩定", "討論與同事的相處", "調整上班時間", "談到疲累與睡眠", "", "", ""]
PEER_NOTES = ["一起吃午餐聊工作近況", "分享自己第一份工作的經驗", "提醒回診與休息", "", ""]
ENDING_REASONS = [("quit", 28), ("fired", 9), ("laid_off", 12), ("temporary_ended", 18), ("better_job", 15)]
NOT_ACTIVE_WORK = 0.6  # members no longer active worked less often (times shape.work_chance)
MAX_JOBS = 4  # jobs of one member
STOP_LOOKING = 0.2  # chance that a member stops looking for work after a job ends
PLANNED_SHARE = {"quit": 0.4, "fired": 0.05, "laid_off": 0.15, "temporary_ended": 0.85, "better_job": 0.9}


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def _employers(rng: random.Random, today: dt.date, out: EmploymentPlan) -> None:
    words = rng.sample(WORDS, len(WORDS))
    for org, count in (("main", 21), ("harbour", 4)):
        for i in range(count):
            stem, sector, titles, hours, wages = EMPLOYER_KINDS[i % len(EMPLOYER_KINDS)]
            word = words.pop()
            out.employers.append(EmployerPlan(
                org=org, name=f"示範{word}{stem}", sector=sector,
                size=rng.choices(["micro", "small", "medium", "large"], weights=[30, 40, 20, 10])[0],
                contact_person=f"{rng.choice(SURNAMES)}{rng.choice(['經理', '店長', '主任', '組長'])}",
                phone=f"02-0000-{rng.randint(0, 9999):04d}", email=f"hr{len(out.employers) + 1:02d}@example.org",
                address=f"台北市{rng.choice(DISTRICTS)}示範路{rng.randint(1, 300)}號",
                by=rng.choice(SPECIALISTS[org]), titles=titles, hours=hours, wages=wages,
            ))
        stem, sector, titles, hours, wages = SHELTERED
        out.employers.append(EmployerPlan(
            org=org, name=f"示範{words.pop()}{stem}", sector=sector, size="small", contact_person="",
            phone="", email="", address="", by=SPECIALISTS[org][0], titles=titles, hours=hours, wages=wages,
            competitive=False,
        ))
    for e in out.employers:
        # Job development: a few contacts a year by the employment specialists.
        for _ in range(rng.randint(1, 6)):
            out.employer_contacts.append(EmployerContactPlan(
                org=e.org, employer=e.name, on=today - _days(rng, 1, 700),
                kind=rng.choices(["visit", "phone", "email", "meeting"], weights=[35, 35, 15, 15])[0],
                outcome=rng.choice(["介紹本會服務", "詢問職缺", "可安排試做", "目前無缺", "約定下月再聯絡", ""]),
                by=rng.choice(SPECIALISTS[e.org]),
            ))
        for _ in range(rng.choices([0, 1, 2], weights=[40, 40, 20])[0]):
            posted = today - _days(rng, 5, 300)
            status = rng.choices(["open", "filled", "closed"], weights=[40, 35, 25])[0] if (today - posted).days > 30 \
                else "open"
            closed = min(today, posted + _days(rng, 7, 60)) if status != "open" else None
            out.openings.append(OpeningPlan(
                org=e.org, employer=e.name, title=rng.choice(e.titles), hours=rng.randint(*e.hours),
                posted_on=posted, status=status, closed_on=closed, by=rng.choice(SPECIALISTS[e.org]),
            ))


def _staff_of(m: MemberPlan) -> str:
    return m.professional[-1][1] if m.professional else PROFESSIONALS[m.org][0]


def _profiles(rng: random.Random, m: MemberPlan, today: dt.date, out: EmploymentPlan) -> list[str]:
    sectors = rng.sample(["food_service", "retail", "cleaning", "office", "manufacturing", "logistics",
                          "care_work", "it", "hospitality"], rng.randint(1, 3))
    on = min(today, m.enrolment_date + _days(rng, 0, 14))
    by = _staff_of(m)
    profile = ProfilePlan(
        org=m.org, code=m.code, on=on, sectors=sectors, hours=rng.choice([12, 16, 20, 24, 30, 40]),
        location=rng.choice(DISTRICTS), shifts=rng.sample(["weekday_day", "evening", "weekend"], rng.randint(1, 2)),
        disclosure=rng.choice(["full", "partial", "none", "undecided"]), goals=rng.choice(GOALS),
        work_history=rng.choice(HISTORY), benefits=rng.choice(BENEFITS), by=by,
    )
    out.profiles.append(profile)
    later = on + _days(rng, 90, 400)
    if later < today and rng.random() < 0.35:
        # Preferences change with experience: more hours, a sector added.
        more = sorted(set(sectors) | {rng.choice(["retail", "office", "logistics", "food_service"])})
        out.profiles.append(ProfilePlan(
            org=m.org, code=m.code, on=later, sectors=more, hours=min(40, profile.hours + rng.choice([4, 8, 10])),
            location=profile.location, shifts=profile.shifts, disclosure=rng.choice(["full", "partial", "none"]),
            goals=rng.choice(GOALS), work_history=profile.work_history, benefits=profile.benefits, by=by,
        ))
    return sectors


def _searches(rng: random.Random, m: MemberPlan, until: dt.date, since: dt.date, employer: EmployerPlan | None,
              title: str, out: EmploymentPlan, hired: bool) -> None:
    """Job search activities between ``since`` and ``until`` (ending in an offer when hired)."""
    span = max(1, (until - since).days)
    count = rng.randint(2, 6)
    days = sorted(since + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))
    employers = [e for e in out.employers if e.org == m.org]
    for i, day in enumerate(days):
        last = hired and i == count - 1
        where = employer if last else (rng.choice(employers) if rng.random() < 0.6 else None)
        kind = "interview" if last else rng.choices(["application", "interview", "employer_contact"],
                                                    weights=[55, 20, 25])[0]
        outcome = "offer" if last else rng.choices(["pending", "not_successful", "next_step"], weights=[20, 60, 20])[0]
        if not hired and (until - day).days < 21:
            outcome = "pending"
        out.searches.append(SearchPlan(
            org=m.org, code=m.code, on=day, kind=kind, employer=where.name if where else None,
            position=title if last else (rng.choice(where.titles) if where else ""), outcome=outcome,
            note=rng.choice(SEARCH_NOTES), by=_staff_of(m),
        ))


def _support(rng: random.Random, m: MemberPlan, job_index: int, start: dt.date, end: dt.date,
             peer_support: bool, out: EmploymentPlan) -> None:
    """Contacts every one to four weeks from both tracks while the job lasts."""
    day = start + _days(rng, 1, 7)
    first_weeks = start + dt.timedelta(days=42)
    while day <= end:
        coaching = day < first_weeks
        kind = "job_coaching" if coaching else rng.choices(
            ["follow_along", "benefits_counselling", "family"], weights=[85, 8, 7])[0]
        place = "workplace" if coaching else {"benefits_counselling": "office", "family": "phone"}.get(
            kind, rng.choices(["workplace", "phone", "community"], weights=[50, 40, 10])[0])
        out.supports.append(SupportPlan(
            org=m.org, code=m.code, on=day, track="professional", kind=kind, place=place,
            minutes=rng.choice([15, 20, 30, 45, 60, 90]) if place != "phone" else rng.choice([10, 15, 20]),
            job=job_index, note=rng.choice(SUPPORT_NOTES), by=_staff_of(m),
        ))
        day += _days(rng, 7, 14) if coaching else _days(rng, 10, 28)
    if not peer_support:
        return
    day = start + _days(rng, 7, 21)
    while day <= end:
        out.supports.append(SupportPlan(
            org=m.org, code=m.code, on=day, track="peer", kind=rng.choices(["peer_checkin", "follow_along"],
                                                                         weights=[85, 15])[0],
            place=rng.choice(["community", "phone", "community"]), minutes=rng.choice([20, 30, 45, 60]),
            job=job_index, note=rng.choice(PEER_NOTES), by=rng.choice(PEER_LOGGERS[m.org]),
        ))
        day += _days(rng, 14, 28)


def _work(rng: random.Random, m: MemberPlan, today: dt.date, out: EmploymentPlan, works: bool,
          groups: list[tuple[dt.date, dt.date | None]]) -> None:
    """Jobs, endings, job search and support contacts of one member. How long a job
    lasts follows ``peerpath.demo.shape``: longer after taking part in a peer group
    (``groups``: the member's roster periods)."""
    enrolled_days = (today - m.enrolment_date).days
    seeking_since = m.enrolment_date + _days(rng, 7, 30)
    if not works:
        if m.status == "active" and seeking_since < today:
            _searches(rng, m, today, max(seeking_since, today - dt.timedelta(days=200)), None, "", out, hired=False)
        return
    # Time to the first job: a few months at the median (IPS programmes: ~3–4 months).
    to_first = int(rng.lognormvariate(math.log(100), 0.7))
    start = m.enrolment_date + dt.timedelta(days=max(14, min(to_first, enrolled_days - 3)))
    # Members no longer active left their last job some time before today.
    horizon = today if m.status == "active" else today - dt.timedelta(days=rng.randint(60, 200))
    employers = [e for e in out.employers if e.org == m.org]
    peer_support = rng.random() < 0.75
    disclosure = rng.choices(["full", "partial", "none"], weights=[45, 30, 25])[0]
    frailty = shape.frailty(rng)
    for _ in range(MAX_JOBS):
        if start >= horizon:
            break
        employer = rng.choice(employers)
        title = rng.choice(employer.titles)
        since = max(m.enrolment_date, start - dt.timedelta(days=rng.randint(14, 60)))
        _searches(rng, m, start - dt.timedelta(days=1), since, employer, title, out, hired=True)
        if rng.random() < 0.4:
            # The employment specialist spoke to the employer for this member first.
            out.employer_contacts.append(EmployerContactPlan(
                org=m.org, employer=employer.name, on=max(since, start - _days(rng, 3, 20)),
                kind=rng.choice(["visit", "phone", "meeting"]), outcome=rng.choice(["可安排面試", "談工作內容與時間"]),
                by=rng.choice(SPECIALISTS[m.org]), member_code=m.code,
            ))
        end = start + dt.timedelta(days=shape.tenure_days(rng, shape.in_groups_before(groups, start), frailty))
        ending = None
        if end < horizon:
            reason = _weighted(rng, ENDING_REASONS)
            ending = EndingPlan(end, reason, rng.random() < PLANNED_SHARE[reason], rng.choice(LESSONS))
        elif m.status != "active":
            end = horizon - dt.timedelta(days=rng.randint(0, 30))
            end = max(end, start + dt.timedelta(days=14))
            ending = EndingPlan(end, rng.choice(["quit", "laid_off"]), False, rng.choice(LESSONS))
        job = JobPlan(
            org=m.org, code=m.code, employer=employer.name, title=title, start=start,
            hours=rng.randint(*employer.hours), wage=rng.randint(*employer.wages),
            in_community=employer.competitive, open_to_anyone=employer.competitive,
            minimum_wage_or_more=employer.competitive, disclosure=disclosure,
            accommodations=rng.choice(ACCOMMODATIONS), by=_staff_of(m), ending=ending,
        )
        out.jobs.append(job)
        last_day = min(ending.on if ending else today, today)
        _support(rng, m, len(out.jobs) - 1, start, last_day, peer_support, out)
        if ending is None:
            break
        if ending.reason != "better_job" or rng.random() < 0.1:
            # A follow-up after the ending, then a new search; not everyone finds work again.
            after = ending.on + _days(rng, 1, 10)
            if after <= today:
                out.supports.append(SupportPlan(
                    org=m.org, code=m.code, on=after, track="professional", kind="follow_along",
                    place=rng.choice(["office", "phone"]), minutes=30, job=len(out.jobs) - 1,
                    note="談離職後的打算", by=_staff_of(m),
                ))
            if rng.random() < STOP_LOOKING:
                break
            start = ending.on + _days(rng, 21, 150)
        else:
            start = ending.on + _days(rng, 1, 14)


def _alert_cases(rng: random.Random, today: dt.date, out: EmploymentPlan, active: set[tuple[str, str]]) -> None:
    """A few members working now without a recent contact, and one or two recent
    endings without a contact since (what the alerts look for)."""
    working = [
        i for i, j in enumerate(out.jobs)
        if j.ending is None and (j.org, j.code) in active and j.org == "main" and (today - j.start).days > 70
    ]
    rng.shuffle(working)
    quiet, ended = working[:3], working[3:5]
    for i in quiet:
        job = out.jobs[i]
        cutoff = today - _days(rng, 16, 21)
        out.supports = [s for s in out.supports if not (s.code == job.code and s.org == job.org and s.on >= cutoff)]
        out.supports.append(SupportPlan(
            org=job.org, code=job.code, on=cutoff, track="professional", kind="follow_along", place="phone",
            minutes=15, job=i, note="", by=job.by,
        ))
        out.no_recent_contact.append((job.org, job.code))
    for i in ended:
        job = out.jobs[i]
        end = today - _days(rng, 5, 12)
        job.ending = EndingPlan(end, rng.choice(["quit", "fired"]), False, "")
        out.supports = [s for s in out.supports if not (s.code == job.code and s.org == job.org and s.on > end)]
        out.ended_without_contact.append((job.org, job.code))


def _referrals(rng: random.Random, plan: DemoPlan, out: EmploymentPlan) -> None:
    today = plan.today
    main = [m for m in plan.members if m.org == "main"]
    recent = sorted(main, key=lambda m: m.enrolment_date, reverse=True)[:4]
    for m in recent:
        intake = m.enrolment_date - _days(rng, 0, 5)
        contacted = intake - _days(rng, 2, 14)
        received = contacted - _days(rng, 1, 7)
        out.referrals.append(ReferralPlan(
            org="main", source=m.referral_source, person_name=m.name, phone=m.phone,
            referrer_name=f"{rng.choice(SURNAMES)}職能治療師", referrer_contact="02-0000-0000",
            received=received, contacted=contacted, intake=intake, enrolled=m.enrolment_date, closed=None,
            close_reason="", member_code=m.code, by=_staff_of(m), note=rng.choice(GOALS),
        ))
    used = {m.name for m in plan.members}

    def person() -> str:
        while True:
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
            if name not in used:
                used.add(name)
                return name

    # (org, steps reached, closed with) — open ones at each step, and closed ones.
    cases = [("main", 1, ""), ("main", 2, ""), ("main", 3, ""), ("main", 1, "unreachable"),
             ("main", 2, "declined"), ("main", 3, "moved_away"), ("harbour", 2, "")]
    for org, steps, reason in cases:
        received = today - _days(rng, 20, 90) if reason else today - _days(rng, 3 if steps == 1 else 17, 40)
        first_contact = received + _days(rng, 1, 6) if steps >= 2 else None
        meeting = first_contact + _days(rng, 2, 10) if steps >= 3 and first_contact else None
        last = meeting or first_contact or received
        closed = min(today, last + _days(rng, 7, 30)) if reason else None
        out.referrals.append(ReferralPlan(
            org=org, source=rng.choice(["hospital_ot", "day_ward", "clinic", "agency", "self"]),
            person_name=person(), phone=f"0900-000-{rng.randint(0, 999):03d}",
            referrer_name=f"{rng.choice(SURNAMES)}社工師", referrer_contact="02-0000-0000", received=received,
            contacted=first_contact, intake=meeting, enrolled=None, closed=closed, close_reason=reason, member_code=None,
            by=rng.choice(PROFESSIONALS[org]), note=rng.choice(GOALS),
        ))


def _workers(rng: random.Random, plan: DemoPlan, attenders: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Who works at some time (``shape.work_chance``): more often members further on
    in recovery, those who attend peer groups and the peer mentors; none enrolled in
    the last three weeks, and fewer of those no longer active."""
    today = plan.today
    helpers = {(m.org, m.mentor_code) for m in plan.members if m.mentor_code}
    chosen: set[tuple[str, str]] = set()
    for m in plan.members:
        if (today - m.enrolment_date).days < 21:
            continue
        key = (m.org, m.code)
        p = shape.work_chance(STAGES.index(m.stages[-1][1]), key in attenders, key in helpers)
        if rng.random() < p * (1 if m.status == "active" else NOT_ACTIVE_WORK):
            chosen.add(key)
    return chosen


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    """Add this app's planned data to ``plan.extras["employment"]`` (plain data, no Django)."""
    out = EmploymentPlan()
    today = plan.today
    _employers(rng, today, out)
    groups = roster_periods(plan)
    workers = _workers(rng, plan, set(groups))
    # Each member's working life from a stream of its own, so that the group sessions
    # (on fixed weekdays, a few days apart on another day) change only that member's jobs.
    streams = {(m.org, m.code): rng.getrandbits(64) for m in plan.members}
    for m in plan.members:
        _profiles(rng, m, today, out)
        key = (m.org, m.code)
        work_rng = random.Random(streams[key])  # noqa: S311 - synthetic data, not secrets
        _work(work_rng, m, today, out, key in workers, groups.get(key, []))
    active = {(m.org, m.code) for m in plan.members if m.status == "active"}
    _alert_cases(rng, today, out, active)
    _referrals(rng, plan, out)
    plan.extras["employment"] = out


def load(plan: DemoPlan, ctx: Any) -> None:  # ctx: peerpath.demo.load.LoadContext
    """Write this app's part of the plan (inside the demo's one transaction)."""
    from peerpath.employment.models import (
        Employer,
        EmployerContact,
        Job,
        JobEnding,
        JobOpening,
        JobSearchActivity,
        Referral,
        SupportContact,
        VocationalProfile,
    )

    out: EmploymentPlan = plan.extras["employment"]
    users, orgs, members = ctx.users, ctx.orgs, ctx.members
    employers = Employer.objects.bulk_create([
        Employer(organization=orgs[e.org], name=e.name, sector=e.sector, size=e.size, contact_person=e.contact_person,
                 phone=e.phone, email=e.email, address=e.address, created_by=users[e.by])
        for e in out.employers
    ])
    by_name = {(p.org, p.name): e for p, e in zip(out.employers, employers, strict=True)}
    EmployerContact.objects.bulk_create([
        EmployerContact(organization=orgs[c.org], employer=by_name[(c.org, c.employer)], contacted_on=c.on,
                        kind=c.kind, outcome=c.outcome, by=users[c.by],
                        member=members[(c.org, c.member_code)] if c.member_code else None)
        for c in out.employer_contacts
    ])
    JobOpening.objects.bulk_create([
        JobOpening(organization=orgs[o.org], employer=by_name[(o.org, o.employer)], title=o.title,
                   hours_per_week=o.hours, posted_on=o.posted_on, status=o.status, closed_on=o.closed_on,
                   created_by=users[o.by])
        for o in out.openings
    ])
    VocationalProfile.objects.bulk_create([
        VocationalProfile(organization=orgs[p.org], member=members[(p.org, p.code)], recorded_on=p.on,
                          sectors=p.sectors, hours_per_week=p.hours, location=p.location, shifts=p.shifts,
                          disclosure_preference=p.disclosure, goals=p.goals, work_history=p.work_history,
                          benefits_concerns=p.benefits, recorded_by=users[p.by])
        for p in out.profiles
    ])
    JobSearchActivity.objects.bulk_create([
        JobSearchActivity(organization=orgs[s.org], member=members[(s.org, s.code)], done_on=s.on, kind=s.kind,
                          employer=by_name[(s.org, s.employer)] if s.employer else None, position=s.position,
                          outcome=s.outcome, note=s.note, recorded_by=users[s.by])
        for s in out.searches
    ])
    jobs = Job.objects.bulk_create([
        Job(organization=orgs[j.org], member=members[(j.org, j.code)], employer=by_name[(j.org, j.employer)],
            title=j.title, start_date=j.start, end_date=j.ending.on if j.ending else None, hours_per_week=j.hours,
            hourly_wage=j.wage, currency="TWD", in_community=j.in_community, open_to_anyone=j.open_to_anyone,
            minimum_wage_or_more=j.minimum_wage_or_more, disclosure=j.disclosure, accommodations=j.accommodations,
            created_by=users[j.by])
        for j in out.jobs
    ])
    JobEnding.objects.bulk_create([
        JobEnding(organization=job.organization, job=job, ended_on=p.ending.on, reason=p.ending.reason,
                  planned=p.ending.planned, lessons=p.ending.lessons, recorded_by=users[p.by])
        for p, job in zip(out.jobs, jobs, strict=True) if p.ending is not None
    ])
    SupportContact.objects.bulk_create([
        SupportContact(organization=orgs[s.org], member=members[(s.org, s.code)], contacted_on=s.on, track=s.track,
                       kind=s.kind, place=s.place, minutes=s.minutes, job=jobs[s.job] if s.job is not None else None,
                       note=s.note, by=users[s.by])
        for s in out.supports
    ])
    Referral.objects.bulk_create([
        Referral(organization=orgs[r.org], source=r.source, person_name=r.person_name, person_phone=r.phone,
                 referrer_name=r.referrer_name, referrer_contact=r.referrer_contact, note=r.note,
                 received_on=r.received, contacted_on=r.contacted, intake_on=r.intake, enrolled_on=r.enrolled,
                 closed_on=r.closed, close_reason=r.close_reason,
                 member=members[(r.org, r.member_code)] if r.member_code else None, recorded_by=users[r.by])
        for r in out.referrals
    ])
