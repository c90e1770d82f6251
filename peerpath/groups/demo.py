"""The groups app's part of the demo association (see peerpath/demo/generator.py).

Main organisation: a job-retention, a job-seeking and a helper-training group,
weekly for three years (``shape.GROUP_WEEKS``), each led by a peer leader
("peerleader" / "peerleader2") with a professional co-facilitator ("ot" /
"specialist"). Harbour: one open group co-facilitated by "harbour_ot" and without a
peer leader (harbour has no peer leader staff; the group page shows "—"). Who
joins follows ``peerpath.demo.shape`` (members further on in recovery more often);
the employment part of the demo reads the rosters (``roster_periods``), so this
part is planned first. Rosters with joins and leaves (about a year or more each,
a few members coming back),
attendance that differs by member (a steady core, some irregular, a few drifting
away; two members miss their last three sessions), versioned norms, feedback
notes, critical incidents coded by the coordinator with a plausible factor mix
and a second coder on about a quarter, and GCQ-S answers after recent sessions.
All text is synthetic.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from peerpath.demo import shape
from peerpath.demo.generator import STAGES, DemoPlan

WEEKS = shape.GROUP_WEEKS  # three years of weekly sessions
# How a joiner's group is chosen among an organisation's groups.
GROUP_WEIGHTS = {"job_retention": 40, "job_seeking": 40, "helper_training": 20, "open": 1}

GROUPS = [
    # org, name, kind, weekday, schedule, place, peer leader, co-facilitator, second coder
    ("main", "職場續航團體", "job_retention", 2, "每週三 19:00–20:30", "協進會二樓教室", "peerleader", "ot", "ot"),
    ("main", "求職加油站", "job_seeking", 1, "每週二 14:00–15:30", "協進會一樓會議室", "peerleader2", "specialist",
     "specialist"),
    ("main", "同儕助人者培訓", "helper_training", 4, "每週五 10:00–12:00", "協進會二樓教室", "peerleader", "specialist",
     "specialist"),
    ("harbour", "港灣開放團體", "open", 3, "每週四 15:00–16:30", "港灣會所交誼廳", None, "harbour_ot", "harbour_ot"),
]

NORMS = [
    "一次一個人說話，讓別人把話說完",
    "團體裡說的事留在團體裡",
    "給回饋時說自己的感受，不評斷別人",
    "有事不能來，先跟帶領人說一聲",
    "可以選擇不說，但願意聽",
    "手機調成靜音",
]
REVISED = "給回饋時先說自己看到的，再說自己的感受，不評斷別人"

THEMES = [
    "上班第一週的壓力", "和主管溝通", "被問到病情時怎麼說", "排班與睡眠", "面試的準備", "履歷怎麼寫",
    "休假與自我照顧", "同事相處", "薪水與理財", "服藥與工作", "失業後重新出發", "給新成員的話",
    "壓力來時的因應", "我想成為的助人者", "傾聽的練習", "分享復元故事",
]

# Factor → what members wrote (synthetic); the {peer} is another member's code.
INCIDENT_TEXTS = {
    "hope": ["聽到{peer}說她在超商做滿半年了，我覺得自己也可以。", "{peer}分享他從不敢出門到現在每天上班，給了我希望。"],
    "universality": ["原來大家面試前都會緊張到睡不著，不是只有我這樣。", "{peer}也曾經被同事誤會，我覺得不孤單。"],
    "information": ["帶領人說明了就業服務員可以陪同面試，我之前都不知道。", "{peer}告訴我怎麼申請交通補助。"],
    "altruism": ["我分享了排班的方法，{peer}說對她很有幫助，我覺得自己有用。", "我陪{peer}練習自我介紹，很開心能幫上忙。"],
    "family": ["{peer}說話的樣子很像我爸爸，我這次試著冷靜回應，跟以前不一樣。"],
    "socialising": ["練習了怎麼開口請主管調班，我比較知道怎麼說了。", "今天練習傾聽，不急著給建議。"],
    "imitation": ["我想學{peer}遇到壓力時先深呼吸再回應的方式。", "看到{peer}主動跟老闆溝通，我下次也要試試看。"],
    "interpersonal": ["{peer}回饋說我講話時常常低頭，讓人以為我不想聊，我才發現。", "大家說我常幫別人說話卻忘了自己，這讓我想了很久。"],
    "cohesiveness": ["我請假兩週回來，大家都說很想我，我覺得這裡是我的地方。", "今天大家一起為{peer}的新工作鼓掌，很溫暖。"],
    "catharsis": ["我終於說出被資遣的難過，哭完輕鬆很多。", "把上週和家人吵架的事說出來，心裡舒服了。"],
    "existential": ["我發現要不要繼續這份工作，最後還是要我自己決定。", "想通了生病不是我的錯，但復元是我的責任。"],
}
FACTOR_WEIGHTS = {
    "hope": 18, "universality": 16, "cohesiveness": 16, "altruism": 13, "interpersonal": 12, "imitation": 10,
    "information": 7, "socialising": 6, "catharsis": 5, "existential": 4, "family": 1,
}
FEEDBACK = [
    "你剛剛說到工作時眼睛亮了起來，看得出你很在乎。", "你打斷了別人兩次，我有點不舒服。",
    "謝謝你願意分享，我覺得更了解你了。", "你說沒關係，但聽起來其實很難過。", "你給的建議很具體，對我很有用。",
]
GCQS_SESSIONS = 8  # GCQ-S answered after the last sessions of each group


def _weekly(first: dt.date, weekday: int, until: dt.date) -> list[dt.date]:
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7)
    days = []
    while day < until:
        days.append(day)
        day += dt.timedelta(days=7)
    return days


def _factors(rng: random.Random) -> list[str]:
    codes, weights = list(FACTOR_WEIGHTS), list(FACTOR_WEIGHTS.values())
    chosen = {rng.choices(codes, weights=weights)[0]}
    if rng.random() < 0.3:
        chosen.add(rng.choices(codes, weights=weights)[0])
    return sorted(chosen)


def _second_coding(rng: random.Random, first: list[str]) -> list[str]:
    """A second coder who agrees most of the time."""
    if rng.random() < 0.75:
        return list(first)
    codes = set(first)
    if len(codes) > 1 and rng.random() < 0.5:
        codes.discard(sorted(codes)[0])
    else:
        codes.add(rng.choices(list(FACTOR_WEIGHTS), weights=list(FACTOR_WEIGHTS.values()))[0])
    return sorted(codes)


def _stage_index(m: Any) -> int:
    """The member's latest recovery stage as an index into ``generator.STAGES``."""
    return STAGES.index(m.stages[-1][1]) if m.stages else 0


def _joiners(rng: random.Random, pool: list[Any], today: dt.date) -> list[Any]:
    """Members who take part in peer groups at some time: members further on in
    recovery join more often (``shape.group_chance``); none enrolled in the last weeks."""
    return [m for m in pool if m.enrolment_date <= today - dt.timedelta(days=45)
            and rng.random() < shape.group_chance(_stage_index(m))]


def _roster(rng: random.Random, joiners: list[Any], start: dt.date, today: dt.date) -> list[dict[str, Any]]:
    """Roster periods over the groups' three years: each joiner comes a few weeks
    after enrolment (or in the first months of the group), stays about a year or
    more (many to this day), and a few come back after a break."""
    entries: list[dict[str, Any]] = []
    for m in joiners:
        founder = m.enrolment_date < start - dt.timedelta(days=14) and rng.random() < 0.5
        joined = start if founder else max(start + dt.timedelta(days=rng.randint(0, 120)),
                                           m.enrolment_date + dt.timedelta(days=rng.randint(14, 90)))
        if joined > today - dt.timedelta(days=30):
            continue
        stay = int(rng.lognormvariate(math.log(420), 0.6))
        left = joined + dt.timedelta(days=stay)
        entry = {"code": m.code, "joined": joined, "left": left if left < today - dt.timedelta(days=14) else None}
        entries.append(entry)
        if entry["left"] is not None and entry["left"] < today - dt.timedelta(days=150) and rng.random() < 0.2:
            again = entry["left"] + dt.timedelta(days=rng.randint(60, 120))
            entries.append({"code": m.code, "joined": again, "left": None})
    return entries


def _sessions(rng: random.Random, days: list[dt.date], roster: list[dict[str, Any]], drifting: set[str],
              today: dt.date) -> list[dict[str, Any]]:
    propensity = {e["code"]: rng.choice([0.95, 0.92, 0.9, 0.85, 0.8, 0.65, 0.5]) for e in roster}
    sessions = []
    for index, day in enumerate(days):
        on_roster = sorted({e["code"] for e in roster if e["joined"] <= day and (e["left"] is None or e["left"] >= day)})
        attendance = {}
        for code in on_roster:
            p = propensity[code]
            if code in drifting:
                p = max(0.1, p - 0.9 * index / len(days))
            roll = rng.random()
            status = "present" if roll < p else "late" if roll < p + 0.05 else "excused" if roll < p + 0.12 else "absent"
            attendance[code] = status
        attended = [c for c, s in attendance.items() if s in ("present", "late")]
        incidents = []
        for author in rng.sample(attended, k=min(len(attended), rng.randint(1, 3))):
            factors = _factors(rng)
            peers = [c for c in attended if c != author] or [author]
            text = rng.choice(INCIDENT_TEXTS[factors[0]]).format(peer=rng.choice(peers))
            coded = rng.random() < 0.9 or (today - day).days > 60
            second = _second_coding(rng, factors) if coded and rng.random() < 0.25 else None
            incidents.append({"code": author, "text": text, "dictated": rng.random() < 0.15,
                              "factors": factors if coded else None, "second": second})
        feedback = []
        if len(attended) >= 2:
            for _ in range(rng.randint(0, 2)):
                giver, receiver = rng.sample(attended, 2)
                feedback.append((giver, receiver, rng.choice(FEEDBACK)))
        sessions.append({"date": day, "theme": rng.choice(THEMES), "attendance": attendance,
                         "incidents": incidents, "feedback": feedback})
    return sessions


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    """Add this app's planned data to ``plan.extras["groups"]`` (plain data, no Django)."""
    today = plan.today
    start = today - dt.timedelta(weeks=WEEKS)
    groups: list[dict[str, Any]] = []
    # Who joins which group: each joiner one group of the organisation (weighted),
    # about a quarter of them a second one as well.
    members_of: dict[int, list[Any]] = {i: [] for i in range(len(GROUPS))}
    for org in ("main", "harbour"):
        indices = [i for i, g in enumerate(GROUPS) if g[0] == org]
        weights = [GROUP_WEIGHTS[GROUPS[i][2]] for i in indices]
        pool = [m for m in plan.members if m.org == org and m.status == "active"]
        for m in _joiners(rng, pool, today):
            first = rng.choices(indices, weights=weights)[0]
            members_of[first].append(m)
            others = [i for i in indices if i != first]
            if others and rng.random() < 0.25:
                members_of[rng.choice(others)].append(m)
    # Rosters first, then each group's sessions from a stream of its own: session
    # dates fall on the group's weekday, so they sit a few days apart from one day to
    # the next, and the rosters (which the employment part reads) stay the same.
    rosters = [_roster(rng, members_of[i], start, today) for i in range(len(GROUPS))]
    streams = [rng.getrandbits(64) for _ in GROUPS]
    for i, (org, name, kind, weekday, schedule, place, leader, co, second) in enumerate(GROUPS):
        roster = rosters[i]
        grng = random.Random(streams[i])  # noqa: S311 - synthetic data, not secrets
        current = [e["code"] for e in roster if e["left"] is None]
        drifting = set(grng.sample(current, k=min(2, len(current))))
        days = _weekly(start, weekday, today)
        first_day = days[0]
        norms: list[dict[str, Any]] = [{"text": t, "proposed_by": "團體共識", "proposed_on": first_day, "agreed_on": first_day,
                  "retired_on": None, "supersedes": None} for t in grng.sample(NORMS, k=grng.randint(4, 6))]
        revised_on = first_day + dt.timedelta(weeks=20)
        norms.append({"text": REVISED, "proposed_by": current[0] if current else "團體", "proposed_on": revised_on,
                      "agreed_on": revised_on + dt.timedelta(days=7), "retired_on": None, "supersedes": 0})
        norms[0]["retired_on"] = revised_on + dt.timedelta(days=7)
        sessions = _sessions(grng, days, roster, drifting, today)
        gcqs = []
        if org == "main":
            for s in sessions[-GCQS_SESSIONS:]:
                for code, status in s["attendance"].items():
                    if status in ("present", "late") and grng.random() < 0.7:
                        engaged = grng.uniform(3.2, 5.2)
                        answers = {str(i): max(0, min(6, round(grng.gauss(engaged if i in (1, 2, 4, 8, 11) else 1.6, 0.8))))
                                   for i in range(1, 13)}
                        gcqs.append({"code": code, "date": s["date"], "answers": answers})
        groups.append({
            "org": org, "name": name, "kind": kind, "schedule": schedule, "place": place, "peer_leader": leader,
            "co_facilitator": co, "second_coder": second, "started_on": first_day, "roster": roster,
            "norms": norms, "sessions": sessions, "gcqs": gcqs,
        })
    current_main = sorted({e["code"] for g in groups if g["org"] == "main" for e in g["roster"] if e["left"] is None})
    for code in rng.sample(current_main, k=min(2, len(current_main))):
        _miss_last_three(groups, code)
    plan.extras["groups"] = {"groups": groups}


def roster_periods(plan: DemoPlan) -> dict[tuple[str, str], list[tuple[dt.date, dt.date | None]]]:
    """(org, member code) → the member's roster periods (joined, left or None) in
    the planned groups."""
    periods: dict[tuple[str, str], list[tuple[dt.date, dt.date | None]]] = {}
    for g in plan.extras.get("groups", {}).get("groups", []):
        for e in g["roster"]:
            periods.setdefault((g["org"], e["code"]), []).append((e["joined"], e["left"]))
    return periods


def _miss_last_three(groups: list[dict[str, Any]], code: str) -> None:
    """The member misses their last three sessions, whichever groups they are in
    (so that the missed-sessions alert has something to show)."""
    rows = sorted(
        ((s["date"], g, s) for g in groups for s in g["sessions"] if code in s["attendance"]),
        key=lambda row: row[0], reverse=True,
    )
    for day, g, s in rows[:3]:
        s["attendance"][code] = "absent"
        s["incidents"] = [i for i in s["incidents"] if i["code"] != code]
        s["feedback"] = [f for f in s["feedback"] if code not in f[:2]]
        g["gcqs"] = [a for a in g["gcqs"] if not (a["code"] == code and a["date"] == day)]


def load(plan: DemoPlan, ctx: Any) -> None:  # ctx: peerpath.demo.load.LoadContext
    """Write this app's part of the plan (inside the demo's one transaction)."""
    from peerpath.groups.demo_load import load_groups

    load_groups(plan.extras.get("groups", {}).get("groups", []), ctx)
