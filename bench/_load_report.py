"""bench/load.py's report: the figures of each kind of request against the goals,
what the run used of the machine, and the check that every questionnaire a phone
finished was stored once."""

from __future__ import annotations

import math
import os

from _load_clients import KINDS, STEPS, Stats
from _load_setup import INSTRUMENT
from _load_usage import Usage

GOALS_MS = {"phone": 500, "staff": 800}  # p99


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)] if ordered else float("nan")


def check(tokens: list[str]) -> list[str]:
    """Every finished questionnaire stored exactly once, completed, answered and scored."""
    from django.db.models import Count

    from peerpath.measures.actions import token_hash
    from peerpath.measures.library import library
    from peerpath.measures.models import Administration, AdministrationStatus, StoredScore

    instrument = library()[INSTRUMENT]
    hashes = [token_hash(t) for t in tokens]
    found = {a.link_token_hash: a for a in Administration.objects.filter(link_token_hash__in=hashes)}
    scores = dict(StoredScore.objects.filter(administration__in=found.values()).values_list("administration_id")
                  .annotate(n=Count("pk")))
    problems = []
    duplicates = (Administration.objects.filter(link_token_hash__in=hashes).values("link_token_hash")
                  .annotate(n=Count("pk")).filter(n__gt=1).count())
    if duplicates:
        problems.append(f"{duplicates} links stored more than once")
    for h in hashes:
        a = found.get(h)
        if a is None or a.status != AdministrationStatus.COMPLETED:
            problems.append(f"administration {a.pk if a else '?'} not completed")
        elif len(a.answers) != len(instrument.items):
            problems.append(f"administration {a.pk}: {len(a.answers)} answers of {len(instrument.items)}")
        elif scores.get(a.pk, 0) != len(instrument.scores):
            problems.append(f"administration {a.pk}: {scores.get(a.pk, 0)} scores, not {len(instrument.scores)}")
    return problems


def report(stats: Stats, usage: Usage, used: dict[str, float], client_cpu: float, load: tuple[float, float, float],
           *, phones: int, staff: int, think: float, client_procs: int) -> bool:
    """Print the run's figures; whether every goal was met and every questionnaire stored once."""
    elapsed = used["seconds"]
    print(f"ran {elapsed:.1f} s: {phones} phones, {staff} staff, think time {think} s, "
          f"clients in {client_procs} process{'es' if client_procs > 1 else ''}")
    failed = False
    for kind in KINDS:
        times, errors = stats.times[kind], stats.errors[kind]
        p99 = percentile(times, 99)
        ok = not errors and p99 <= GOALS_MS[kind]
        failed |= not ok
        print(f"{kind:<6} requests {len(times):6d}  errors {len(errors):3d}  p50 {percentile(times, 50):7.1f} ms  "
              f"p95 {percentile(times, 95):7.1f} ms  p99 {p99:7.1f} ms  (goal: 0 errors, p99 ≤ {GOALS_MS[kind]} ms)  "
              f"{'ok' if ok else 'MISSED'}")
        for error in sorted(set(errors))[:5]:
            print(f"  {error}")
        if kind == "phone":
            for step in STEPS:
                t = stats.times[step]
                print(f"  {step:<8} {len(t):6d}  p50 {percentile(t, 50):7.1f} ms  p95 {percentile(t, 95):7.1f} ms  "
                      f"p99 {percentile(t, 99):7.1f} ms")
    cores = os.cpu_count() or 1

    def share(seconds: float) -> str:
        return f"{seconds / elapsed:.2f}"

    other = used["busy"] - used["gunicorn"] - used["postgres"] - client_cpu
    print(f"CPU (cores busy on average over the run, of {cores}): gunicorn {share(used['gunicorn'])}, "
          f"PostgreSQL {share(used['postgres'])}, clients {share(client_cpu)}, other programs {share(max(0.0, other))}; "
          f"machine {share(used['busy'])} busy"
          + (f", {share(used['steal'])} stolen by the host" if used["steal"] > 0.01 * elapsed else "")
          + f"; load average {usage.load0[0]:.1f} before, {load[0]:.1f} after")
    if usage.samples:
        print(f"PostgreSQL backends of the load database, on average over {usage.samples} samples: "
              f"{usage.waiting() or 'none busy'}")
        for statement, n in sorted(usage.blocked.items(), key=lambda b: -b[1])[:4]:
            print(f"  {n / usage.samples:.2f} {statement}")
    served = sum(len(stats.times[kind]) for kind in KINDS)
    if served:
        print(f"CPU per request: gunicorn {used['gunicorn'] * 1000 / served:.1f} ms, PostgreSQL "
              f"{used['postgres'] * 1000 / served:.1f} ms, clients {client_cpu * 1000 / served:.1f} ms "
              f"({served} requests)")
    problems = check(stats.finished)
    if problems:
        failed = True
        print(f"stored: {len(problems)} problems in {len(stats.finished)} questionnaires finished")
        for p in problems[:10]:
            print(f"  {p}")
    else:
        print(f"checked {len(stats.finished)} questionnaires finished: each stored once, completed, answered and scored")
    return not failed
