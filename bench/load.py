"""Load harness: phones answering questionnaires and staff opening member pages,
against gunicorn on loopback with the production settings.

    make bench-load                                   # 50 phones + 10 staff, 60 s, on PostgreSQL
    BENCH_PHONES=5 BENCH_STAFF=2 BENCH_SECONDS=10 .venv/bin/python bench/load.py
    BENCH_DB=sqlite .venv/bin/python bench/load.py    # no PostgreSQL at hand (writes queue up)

What it does, by itself:

1. builds a database (``BENCH_DB``: a PostgreSQL URL, default the database
   ``peerpath_load`` on 127.0.0.1, dropped and created anew, never another name;
   or ``sqlite`` for a file in a temporary folder), migrates it, and creates an
   organisation, members with some history, self-report links (PHQ-9) for the
   phones and signed-in, two-factor-verified sessions for the staff;
2. starts gunicorn on a free loopback port with the production settings: DEBUG
   off, secrets generated for the run and passed through the environment,
   ``BENCH_WORKERS`` workers × ``BENCH_THREADS`` threads (default 2 × 4: see the
   performance section of docs/deployment.md), ``--keep-alive 10``;
3. runs the phones (each answers one questionnaire after another: open the link,
   answer every question, finish; ``BENCH_THINK`` seconds between taps) and the
   staff (each opens a random member's page, then the next) for ``BENCH_SECONDS``;
4. stops gunicorn and prints the requests, errors, and p50/p95/p99 latency of each
   kind, against the goals (0 errors; p99 ≤ 500 ms for phones, ≤ 800 ms for staff);
5. checks that every questionnaire a phone finished was stored exactly once, as
   completed, with its answers and its scores.

The clients are threads with ``requests`` sessions (keep-alive, cookies), in this
process: on a two-core machine they share the cores with the server, as a
benchmark on one machine must.
"""

from __future__ import annotations

import base64
import math
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHONES = int(os.environ.get("BENCH_PHONES", "50"))
STAFF = int(os.environ.get("BENCH_STAFF", "10"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
THINK = float(os.environ.get("BENCH_THINK", "0.5"))  # seconds between a phone's taps
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "200"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
DB = os.environ.get("BENCH_DB", "postgres://postgres@127.0.0.1:5432/peerpath_load")
INSTRUMENT = "phq9"
GOALS_MS = {"phone": 500, "staff": 800}  # p99
LOAD_DB_NAME = "peerpath_load"  # the only PostgreSQL database this harness drops


class Loopback(DefaultCookiePolicy):
    """Send the production settings' Secure cookies over plain HTTP on loopback (the
    proxy that terminates TLS is simulated by an X-Forwarded-Proto header)."""

    def return_ok_secure(self, cookie, request):  # type: ignore[no-untyped-def]
        return True

    def set_ok_secure(self, cookie, request):  # type: ignore[no-untyped-def]
        return True


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: {"phone": [], "staff": []})
    errors: dict[str, list[str]] = field(default_factory=lambda: {"phone": [], "staff": []})
    finished: list[str] = field(default_factory=list)  # tokens of questionnaires finished
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, ms: float, error: str | None = None) -> None:
        with self.lock:
            self.times[kind].append(ms)
            if error:
                self.errors[kind].append(error)


def environment(var_dir: Path, database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.pop("DATABASE_REPLICA_URL", None)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        PEERPATH_FIELD_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        PEERPATH_SEARCH_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=database_url,
        PEERPATH_VAR_DIR=str(var_dir),
        ALLOWED_HOSTS="127.0.0.1",
        PEERPATH_BEHIND_PROXY="true",  # X-Forwarded-Proto: https, as from the TLS proxy
        PEERPATH_SSL_REDIRECT="false",
        PEERPATH_BASE_URL=f"https://127.0.0.1:{port}",
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="peerpath.settings",
    )
    return env


def database(var_dir: Path) -> str:
    if DB == "sqlite":
        return f"sqlite:///{var_dir / 'load.sqlite3'}"
    import psycopg

    base, name = DB.rsplit("/", 1)
    if name != LOAD_DB_NAME:
        raise SystemExit(f"BENCH_DB must name the database {LOAD_DB_NAME} (it is dropped and created anew)")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {LOAD_DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {LOAD_DB_NAME}")
    return DB


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(links_per_phone: int) -> tuple[list[list[str]], list[str], list[str]]:
    """The data, in this process (Django set up with the run's environment): the
    phones' link tokens, the staff's session keys, the members' codes."""
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from peerpath.measures import actions
    from peerpath.members.models import CareTeamAssignment, Consent, Member, StageChange
    from peerpath.tenancy.models import Membership, Organization

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # the production static storage's manifest
    rng = random.Random(7)
    org = Organization.objects.create(name="Load association", slug="load")
    users = []
    for i in range(max(STAFF, 1)):
        user = get_user_model().objects.create_user(f"staff{i}", password=secrets.token_urlsafe(16))
        Membership.objects.create(user=user, organization=org, role="coordinator")
        users.append(user)
    membership = Membership.objects.get(user=users[0])
    today = timezone.localdate()
    members = Member.objects.bulk_create(
        Member(organization=org, code=f"L{i:05d}", name=f"負載{i}", phone="0900-000-000",
               enrolment_date=today - dt.timedelta(days=rng.randint(30, 2000)))
        for i in range(MEMBERS)
    )
    for m in members:  # some history on every member's timeline
        StageChange.objects.bulk_create(
            StageChange(organization=org, member=m, stage="awareness", changed_on=m.enrolment_date + dt.timedelta(days=k),
                        recorded_by=users[0]) for k in range(10))
        Consent.objects.create(organization=org, member=m, kind="service", version="1", given_on=m.enrolment_date,
                               recorded_by=users[0])
        CareTeamAssignment.objects.create(organization=org, member=m, role="professional", professional=users[0],
                                          started_on=m.enrolment_date, assigned_by=users[0])
    tokens = [[actions.create_link(membership, rng.choice(members), INSTRUMENT, reason="routine")[1]
               for _ in range(links_per_phone)] for _ in range(PHONES)]
    sessions = []
    for i in range(STAFF):
        user = users[i]
        device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        sessions.append(store.session_key)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()
    return tokens, sessions, [m.code for m in members]


def client(base: str) -> object:
    import requests

    session = requests.Session()
    session.cookies.set_policy(Loopback())
    session.headers.update({"X-Forwarded-Proto": "https", "User-Agent": "peerpath-load"})
    return session


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ITEM = re.compile(r'name="item" value="([^"]+)"')
VALUE = re.compile(r'name="value"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="value"')


def keep_cookies(http: object, response: object) -> None:
    """Keep the cookies the server set (the cookie jar refuses the Secure ones of the
    production settings on plain-HTTP loopback, whatever its policy)."""
    for header in response.raw.headers.getlist("Set-Cookie"):  # type: ignore[attr-defined]
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        http.cookies.set(name.strip(), value, domain="127.0.0.1", path="/")  # type: ignore[attr-defined]


def timed(stats: Stats, kind: str, call, *args, **kwargs):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    try:
        response = call(*args, timeout=30, allow_redirects=False, **kwargs)
    except Exception as exc:  # a reset, a timeout: an error of this kind
        stats.record(kind, (time.perf_counter() - t0) * 1000, f"{type(exc).__name__}: {exc}")
        return None
    ms = (time.perf_counter() - t0) * 1000
    keep_cookies(call.__self__, response)
    error = None if response.status_code in (200, 302) else f"HTTP {response.status_code} {response.url}"
    stats.record(kind, ms, error)
    return response if error is None else None


def phone(base: str, tokens: list[str], stats: Stats, stop: float) -> None:
    rng = random.Random()
    for token in tokens:
        if time.monotonic() >= stop:
            return
        http = client(base)
        url = f"{base}/r/{token}/"
        headers = {"Referer": f"https://{base.split('://', 1)[1]}{url[len(base):]}"}
        page = timed(stats, "phone", http.get, url)
        while page is not None and time.monotonic() < stop:
            text = page.text
            csrf = CSRF.search(text)
            if csrf is None:
                break
            item = ITEM.search(text)
            time.sleep(rng.uniform(0.5, 1.5) * THINK)
            if item is None:  # the finish page
                done = timed(stats, "phone", http.post, url, data={"csrfmiddlewaretoken": csrf.group(1),
                                                                   "action": "finish"}, headers=headers)
                if done is not None:
                    with stats.lock:
                        stats.finished.append(token)
                break
            values = [a or b for a, b in VALUE.findall(text)]
            answer = timed(stats, "phone", http.post, url, data={
                "csrfmiddlewaretoken": csrf.group(1), "item": item.group(1), "value": rng.choice(values or ["0"]),
            }, headers=headers)
            if answer is None:
                break
            page = timed(stats, "phone", http.get, f"{base}{answer.headers['Location']}"
                         if answer.headers.get("Location", "").startswith("/") else answer.headers.get("Location", url))


def staff(base: str, session_key: str, codes: list[str], stats: Stats, stop: float) -> None:
    rng = random.Random()
    http = client(base)
    http.cookies.set("sessionid", session_key, domain="127.0.0.1", path="/")
    while time.monotonic() < stop:
        timed(stats, "staff", http.get, f"{base}/members/{rng.choice(codes)}/")
        time.sleep(rng.uniform(0.5, 1.5) * THINK)


def warm_up(base: str, tokens: list[list[str]], session_keys: list[str], codes: list[str]) -> None:
    """A few requests of each kind before the clock starts, so that every worker has
    loaded its code (not counted)."""
    discard = Stats()
    for _ in range(WORKERS * THREADS):
        if session_keys:
            staff(base, session_keys[0], codes[:3], discard, time.monotonic() + 0.01)
        if tokens and tokens[0]:
            timed(discard, "phone", client(base).get, f"{base}/r/{tokens[0][0]}/")


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


def main() -> int:
    var_dir = Path(tempfile.mkdtemp(prefix="peerpath-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        url = database(var_dir)
        os.environ.update(environment(var_dir, url, port))
        links_per_phone = max(2, int(SECONDS / max(THINK * 20, 1.0)) + 2)
        t0 = time.perf_counter()
        tokens, session_keys, codes = setup(links_per_phone)
        print(f"database: {url.split(':', 1)[0]}, {MEMBERS} members, {PHONES}×{links_per_phone} links, "
              f"{STAFF} staff sessions; built in {time.perf_counter() - t0:.1f} s")
        command = [str(Path(sys.executable).parent / "gunicorn"), "peerpath.wsgi:application",
                   "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", str(THREADS),
                   "--keep-alive", "10", "--log-level", "warning"]
        server = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ))  # noqa: S603
        ready = time.monotonic() + 60
        while time.monotonic() < ready:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        import requests

        requests.get(f"{base}/healthz/", timeout=30, headers={"X-Forwarded-Proto": "https"})
        warm_up(base, tokens, session_keys, codes)
        print(f"gunicorn: {WORKERS} workers × {THREADS} threads, keep-alive 10 s, on 127.0.0.1:{port}")
        stats = Stats()
        stop = time.monotonic() + SECONDS
        threads = [threading.Thread(target=phone, args=(base, tokens[i], stats, stop)) for i in range(PHONES)]
        threads += [threading.Thread(target=staff, args=(base, session_keys[i], codes, stats, stop))
                    for i in range(STAFF)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    print(f"ran {elapsed:.1f} s: {PHONES} phones, {STAFF} staff, think time {THINK} s")
    failed = False
    for kind in ("phone", "staff"):
        times, errors = stats.times[kind], stats.errors[kind]
        p99 = percentile(times, 99)
        ok = not errors and p99 <= GOALS_MS[kind]
        failed |= not ok
        print(f"{kind:<6} requests {len(times):6d}  errors {len(errors):3d}  p50 {percentile(times, 50):7.1f} ms  "
              f"p95 {percentile(times, 95):7.1f} ms  p99 {p99:7.1f} ms  (goal: 0 errors, p99 ≤ {GOALS_MS[kind]} ms)  "
              f"{'ok' if ok else 'MISSED'}")
        for error in sorted(set(errors))[:5]:
            print(f"  {error}")
    problems = check(stats.finished)
    if problems:
        failed = True
        print(f"stored: {len(problems)} problems in {len(stats.finished)} questionnaires finished")
        for p in problems[:10]:
            print(f"  {p}")
    else:
        print(f"checked {len(stats.finished)} questionnaires finished: each stored once, completed, answered and scored")
    shutil.rmtree(var_dir, ignore_errors=True)
    if failed:
        print("some goals were missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
