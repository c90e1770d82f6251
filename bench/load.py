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

The clients are threads with ``requests`` sessions (keep-alive, cookies), spread
over ``BENCH_CLIENT_PROCS`` processes (default 4; each runs its share of the
phones and staff and sends its figures back). In one process (``1``) sixty client
threads take turns on its one interpreter lock, and a response that arrived waits
for a turn before its time is taken: the harness's own waiting counts as the
server's latency. On a two-core machine the clients still share the cores with the
server, as a benchmark on one machine must, so the run prints what the clients,
gunicorn and PostgreSQL used of the machine, and the rest (other programs), with
the load average, for a reader to judge the figures by.

``BENCH_REUSE=1`` keeps the database of the previous run (its members and staff;
new links and sessions are made) and the secrets it was built with (in a file of
the system's temporary folder, readable by its owner only): for trying settings
one after another. Figures to report come from a fresh build.
"""

from __future__ import annotations

import base64
import json
import math
import multiprocessing
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
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHONES = int(os.environ.get("BENCH_PHONES", "50"))
STAFF = int(os.environ.get("BENCH_STAFF", "10"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
THINK = float(os.environ.get("BENCH_THINK", "0.5"))  # seconds between a phone's taps
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "200"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
CLIENT_PROCS = max(1, int(os.environ.get("BENCH_CLIENT_PROCS", "4")))
REUSE = os.environ.get("BENCH_REUSE", "") not in ("", "0", "false")
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


KINDS = ("phone", "staff")
STEPS = ("open", "question", "answer", "finish")  # a phone's requests: open the link, each next
# question (the page after an answer), each answer, and the finish that stores and scores it


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS + STEPS})
    errors: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    finished: list[str] = field(default_factory=list)  # tokens of questionnaires finished
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, ms: float, error: str | None = None, step: str = "") -> None:
        with self.lock:
            self.times[kind].append(ms)
            if step:
                self.times[step].append(ms)
            if error:
                self.errors[kind].append(error)

    def add(self, other: dict[str, object]) -> None:
        for key, values in other["times"].items():  # type: ignore[attr-defined]
            self.times[key].extend(values)
        for key, values in other["errors"].items():  # type: ignore[attr-defined]
            self.errors[key].extend(values)
        self.finished.extend(other["finished"])  # type: ignore[arg-type]


KEPT_SECRETS = Path(tempfile.gettempdir()) / f"peerpath-load-secrets-{os.getuid()}.json"


def run_secrets(reuse: bool) -> dict[str, str]:
    """The secrets of the run: new ones, or with ``reuse`` those the kept database was
    built with (the members' fields are encrypted with them)."""
    if reuse and KEPT_SECRETS.exists():
        return dict(json.loads(KEPT_SECRETS.read_text()))
    made = {"SECRET_KEY": secrets.token_urlsafe(50),
            "PEERPATH_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "PEERPATH_SEARCH_KEY": secrets.token_urlsafe(32)}
    KEPT_SECRETS.unlink(missing_ok=True)
    KEPT_SECRETS.touch(mode=0o600)
    KEPT_SECRETS.write_text(json.dumps(made))
    return made


def environment(var_dir: Path, database_url: str, port: int, keys: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.pop("DATABASE_REPLICA_URL", None)
    env.update(
        DEBUG="false",
        **keys,
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


def database(var_dir: Path) -> tuple[str, bool]:
    """The database URL, and whether the previous run's database is kept (``BENCH_REUSE``)."""
    if DB == "sqlite":
        return f"sqlite:///{var_dir / 'load.sqlite3'}", False
    import psycopg

    base, name = DB.rsplit("/", 1)
    if name != LOAD_DB_NAME:
        raise SystemExit(f"BENCH_DB must name the database {LOAD_DB_NAME} (it is dropped and created anew)")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if REUSE and KEPT_SECRETS.exists() and conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [LOAD_DB_NAME]).fetchone():
            return DB, True
        conn.execute(f"DROP DATABASE IF EXISTS {LOAD_DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {LOAD_DB_NAME}")
    return DB, False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


STATIC_CACHE = Path(tempfile.gettempdir()) / f"peerpath-load-static-{os.getuid()}"


def collect_static() -> None:
    """The production static storage's files and manifest (compressed, hashed names):
    collected once per version of the static sources into a folder of the system's
    temporary folder, which this run's STATIC_ROOT then links to (collecting, with
    its compression, takes minutes; the phones' and staff's pages need the manifest)."""
    import fcntl
    import hashlib

    import django
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    digest = hashlib.sha256(f"{django.get_version()} {settings.STORAGES['staticfiles']['BACKEND']}".encode())
    for finder in get_finders():
        for path, storage in sorted(finder.list(["CVS", ".*", "*~"]), key=lambda found: found[0]):
            st = os.stat(storage.path(path))
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    STATIC_CACHE.mkdir(mode=0o700, exist_ok=True)
    collected = STATIC_CACHE / digest.hexdigest()[:16]
    root = Path(settings.STATIC_ROOT)
    with (STATIC_CACHE / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run collecting the same version: wait for it
        if not (collected / "done").exists():
            shutil.rmtree(collected, ignore_errors=True)
            collected.mkdir()
            shutil.rmtree(root, ignore_errors=True)
            root.symlink_to(collected, target_is_directory=True)
            call_command("collectstatic", verbosity=0, interactive=False)
            (collected / "done").touch()
            for old in STATIC_CACHE.iterdir():  # earlier versions no run has used for a day
                if old.is_dir() and old != collected and time.time() - old.stat().st_mtime > 86400:
                    shutil.rmtree(old, ignore_errors=True)
        else:
            shutil.rmtree(root, ignore_errors=True)
            root.symlink_to(collected, target_is_directory=True)
            os.utime(collected)


def setup(links_per_phone: int, reuse: bool) -> tuple[list[list[str]], list[str], list[str]]:
    """The data, in this process (Django set up with the run's environment): the
    phones' link tokens, the staff's session keys, the members' codes. With
    ``reuse``, the organisation, members and staff of the kept database."""
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from peerpath.members.models import CareTeamAssignment, Consent, Member, StageChange
    from peerpath.tenancy.models import Membership, Organization

    call_command("migrate", verbosity=0)
    collect_static()
    rng = random.Random(7)
    kept = Organization.objects.filter(slug="load").first() if reuse else None
    if kept is not None and Member.objects.filter(organization=kept).count() == MEMBERS:
        users = [m.user for m in Membership.objects.filter(organization=kept).select_related("user")
                 .order_by("user__username")]
        if len(users) >= STAFF:
            return _links_and_sessions(kept, users, list(Member.objects.filter(organization=kept).order_by("code")),
                                       links_per_phone, rng)
    if kept is not None:
        raise SystemExit("BENCH_REUSE: the kept database was built for other sizes; run once without BENCH_REUSE")
    org = Organization.objects.create(name="Load association", slug="load")
    users = []
    for i in range(max(STAFF, 1)):
        user = get_user_model().objects.create_user(f"staff{i:02d}", password=secrets.token_urlsafe(16))
        Membership.objects.create(user=user, organization=org, role="coordinator")
        users.append(user)
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
    return _links_and_sessions(org, users, members, links_per_phone, rng)


def _links_and_sessions(org: Any, users: list[Any], members: list[Any], links_per_phone: int,
                        rng: random.Random) -> tuple[list[list[str]], list[str], list[str]]:
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from peerpath.measures import actions
    from peerpath.tenancy.models import Membership

    membership = Membership.objects.select_related("organization", "user").get(user=users[0], organization=org)
    tokens = [[actions.create_link(membership, rng.choice(members), INSTRUMENT, reason="routine")[1]
               for _ in range(links_per_phone)] for _ in range(PHONES)]
    sessions = []
    for i in range(STAFF):
        user = users[i]
        device = TOTPDevice.objects.filter(user=user, name="load").first() or TOTPDevice.objects.create(
            user=user, name="load", confirmed=True)
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        sessions.append(str(store.session_key))
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()
    return tokens, sessions, [m.code for m in members]


def client(base: str) -> requests.Session:
    import requests

    session = requests.Session()
    session.cookies.set_policy(Loopback())
    session.headers.update({"X-Forwarded-Proto": "https", "User-Agent": "peerpath-load"})
    return session


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ITEM = re.compile(r'name="item" value="([^"]+)"')
VALUE = re.compile(r'name="value"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="value"')


def keep_cookies(http: requests.Session, response: requests.Response) -> None:
    """Keep the cookies the server set (the cookie jar refuses the Secure ones of the
    production settings on plain-HTTP loopback, whatever its policy)."""
    for header in response.raw.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        http.cookies.set(name.strip(), value, domain="127.0.0.1", path="/")


def timed(stats: Stats, kind: str, call, *args, step: str = "", **kwargs):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    try:
        response = call(*args, timeout=30, allow_redirects=False, **kwargs)
    except Exception as exc:  # a reset, a timeout: an error of this kind
        stats.record(kind, (time.perf_counter() - t0) * 1000, f"{type(exc).__name__}: {exc}", step)
        return None
    ms = (time.perf_counter() - t0) * 1000
    keep_cookies(call.__self__, response)
    error = None if response.status_code in (200, 302) else f"HTTP {response.status_code} {response.url}"
    stats.record(kind, ms, error, step)
    return response if error is None else None


def phone(base: str, tokens: list[str], stats: Stats, stop: float) -> None:
    rng = random.Random()
    for token in tokens:
        if time.monotonic() >= stop:
            return
        http = client(base)
        url = f"{base}/r/{token}/"
        headers = {"Referer": f"https://{base.split('://', 1)[1]}{url[len(base):]}"}
        page = timed(stats, "phone", http.get, url, step="open")
        while page is not None and time.monotonic() < stop:
            text = page.text
            csrf = CSRF.search(text)
            if csrf is None:
                break
            item = ITEM.search(text)
            time.sleep(rng.uniform(0.5, 1.5) * THINK)
            if item is None:  # the finish page
                done = timed(stats, "phone", http.post, url, data={"csrfmiddlewaretoken": csrf.group(1),
                                                                   "action": "finish"}, headers=headers,
                             step="finish")
                if done is not None:
                    with stats.lock:
                        stats.finished.append(token)
                break
            values = [a or b for a, b in VALUE.findall(text)]
            answer = timed(stats, "phone", http.post, url, data={
                "csrfmiddlewaretoken": csrf.group(1), "item": item.group(1), "value": rng.choice(values or ["0"]),
            }, headers=headers, step="answer")
            if answer is None:
                break
            page = timed(stats, "phone", http.get, f"{base}{answer.headers['Location']}"
                         if answer.headers.get("Location", "").startswith("/") else answer.headers.get("Location", url),
                         step="question")


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


class Usage:
    """CPU used during the run, from /proc (Linux): the machine's, gunicorn's (its
    master and workers), the PostgreSQL backends serving the load database, sampled
    every second so that a backend that ends during the run still counts."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, server_pid: int, database: str, url: str = "") -> None:
        self.server_pid, self.database = server_pid, database.encode()
        self.url = url  # PostgreSQL: what its backends wait for is sampled too
        self.waits: dict[str, int] = {}
        self.blocked: dict[str, int] = {}  # the statements that waited for a lock or ran last before idling
        self.samples = 0
        self.first: dict[int, float] = {}  # CPU seconds of a process when first seen (0 if it started since)
        self.last: dict[int, float] = {}
        self.kind: dict[int, str] = {}  # "gunicorn", "postgres", or "other" (not counted)
        self.stop = threading.Event()
        self.started = time.perf_counter()
        self.machine0 = self.machine()
        self.load0 = os.getloadavg()
        self.initial = True
        self.sample()
        self.initial = False
        self.thread = threading.Thread(target=self.every_second, daemon=True)
        self.thread.start()

    @staticmethod
    def machine() -> tuple[float, float]:
        """Busy and stolen CPU seconds of the whole machine so far."""
        try:
            fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except OSError:
            return math.nan, math.nan
        user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0.0] * 8)[:8]
        return (user + nice + system + irq + softirq) / Usage.TICK, steal / Usage.TICK

    def sample(self) -> None:
        for entry in Path("/proc").iterdir() if Path("/proc/stat").exists() else []:
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                ppid, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / self.TICK
                kind = self.kind.get(pid)
                if kind is None:
                    cmdline = (entry / "cmdline").read_bytes()
                    if pid == self.server_pid or ppid == self.server_pid:
                        kind = "gunicorn"
                    elif self.database and cmdline.startswith(b"postgres:") and self.database in cmdline:
                        kind = "postgres"
                    else:
                        kind = "other"
                    self.kind[pid] = kind
                    self.first[pid] = 0.0 if not self.initial else cpu
            except (OSError, ValueError, IndexError):
                continue
            if kind != "other" and cpu >= self.last.get(pid, 0.0):  # (a number used again: not counted again)
                self.last[pid] = cpu

    def every_second(self) -> None:
        conn = None
        if self.url:
            import psycopg

            conn = psycopg.connect(self.url, autocommit=True)
            self.kind[conn.info.backend_pid] = "other"  # this sampler's own backend is not the load's
        try:
            tick = 0
            while not self.stop.wait(0.25):
                tick += 1
                if tick % 4 == 0:
                    self.sample()
                if conn is not None:
                    self.sample_waits(conn)
        finally:
            if conn is not None:
                conn.close()

    def sample_waits(self, conn: Any) -> None:
        """What the load database's backends are doing, four times a second: running,
        waiting for a lock (a row another transaction holds), for the WAL to be flushed
        at a commit, other waits; or idle inside a transaction."""
        rows = conn.execute(
            "SELECT state, wait_event_type, wait_event, left(query, 60) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            [self.database.decode()]).fetchall()
        self.samples += 1
        for state, wait_type, wait, query in rows:
            if state == "active":
                what = ("lock" if wait_type == "Lock" else "WAL flush" if wait in ("WALSync", "WALWrite", "WALInsert")
                        else "client" if wait_type == "Client" else "running" if wait_type is None
                        else f"{wait_type}/{wait}")
            elif state and state.startswith("idle in transaction"):
                what = "idle in transaction"
            else:
                continue
            self.waits[what] = self.waits.get(what, 0) + 1
            if what in ("lock", "idle in transaction"):
                statement = f"{what}: {re.sub(r'[0-9]+', 'N', query)}"
                self.blocked[statement] = self.blocked.get(statement, 0) + 1

    def waiting(self) -> str:
        """The backends' average numbers in each state over the run."""
        if not self.samples:
            return ""
        return ", ".join(f"{what} {n / self.samples:.2f}" for what, n in sorted(self.waits.items(), key=lambda w: -w[1]))

    def finish(self) -> dict[str, float]:
        self.stop.set()
        self.thread.join()
        self.sample()
        busy, steal = (b - a for a, b in zip(self.machine0, self.machine(), strict=True))
        used = {"gunicorn": 0.0, "postgres": 0.0}
        for pid, cpu in self.last.items():
            used[self.kind[pid]] += cpu - self.first[pid]
        return {"seconds": time.perf_counter() - self.started, "busy": busy, "steal": steal, **used}


def run_clients(base: str, tokens: list[list[str]], session_keys: list[str], codes: list[str], stats: Stats,
                start_at: float, stop: float, on_start: Callable[[], object] = lambda: None) -> None:
    """The phones and staff given, as threads of this process, from ``start_at`` to ``stop``."""
    threads = [threading.Thread(target=phone, args=(base, t, stats, stop)) for t in tokens]
    threads += [threading.Thread(target=staff, args=(base, key, codes, stats, stop)) for key in session_keys]
    time.sleep(max(0.0, start_at - time.monotonic()))
    on_start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def client_process(base: str, tokens: list[list[str]], session_keys: list[str], codes: list[str], start_at: float,
                   stop: float, results: multiprocessing.Queue) -> None:
    """One client process: its share of the clients; its figures and CPU time sent back."""
    stats = Stats()
    cpu = time.process_time()
    run_clients(base, tokens, session_keys, codes, stats, start_at, stop)
    results.put({"times": stats.times, "errors": stats.errors, "finished": stats.finished,
                 "cpu": time.process_time() - cpu})


def run_load(base: str, tokens: list[list[str]], session_keys: list[str], codes: list[str],
             on_start: Callable[[], object]) -> tuple[Stats, float]:
    """The load, in ``CLIENT_PROCS`` processes (each a share of the phones and staff);
    the run's statistics and the clients' CPU seconds. ``on_start`` is called in this
    process when the clients start."""
    stats = Stats()
    start_at = time.monotonic() + (0.2 if CLIENT_PROCS == 1 else 1.0 + 0.1 * CLIENT_PROCS)
    stop = start_at + SECONDS
    if CLIENT_PROCS == 1:
        cpu = time.process_time()
        run_clients(base, tokens, session_keys, codes, stats, start_at, stop, on_start)
        return stats, time.process_time() - cpu
    context = multiprocessing.get_context("fork")  # the clients need nothing of Django
    results = context.Queue()
    procs = [context.Process(target=client_process, args=(
        base, tokens[i::CLIENT_PROCS], session_keys[i::CLIENT_PROCS], codes, start_at, stop, results))
        for i in range(CLIENT_PROCS)]
    for p in procs:
        p.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    on_start()
    cpu = 0.0
    for _ in procs:
        got = results.get(timeout=SECONDS + 120)
        stats.add(got)
        cpu += got["cpu"]
    for p in procs:
        p.join()
    return stats, cpu


def main() -> int:
    var_dir = Path(tempfile.mkdtemp(prefix="peerpath-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        url, reuse = database(var_dir)
        os.environ.update(environment(var_dir, url, port, run_secrets(reuse)))
        # enough for the fastest a phone can go (9 answers and the finish, each after at
        # least half the think time): a phone that ran out of links would end the load early
        links_per_phone = max(2, int(SECONDS / max(THINK * 10 * 0.5, 0.5)) + 2)
        t0 = time.perf_counter()
        tokens, session_keys, codes = setup(links_per_phone, reuse)
        print(f"database: {url.split(':', 1)[0]}, {MEMBERS} members, {PHONES}×{links_per_phone} links, "
              f"{STAFF} staff sessions; {'kept from the previous run, links made' if reuse else 'built'} "
              f"in {time.perf_counter() - t0:.1f} s")
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
        watch: list[Usage] = []
        stats, client_cpu = run_load(base, tokens, session_keys, codes, lambda: watch.append(
            Usage(server.pid, "" if DB == "sqlite" else LOAD_DB_NAME, "" if DB == "sqlite" else url)))
        usage = watch[0]
        used = usage.finish()
        elapsed = used["seconds"]
        load = os.getloadavg()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    print(f"ran {elapsed:.1f} s: {PHONES} phones, {STAFF} staff, think time {THINK} s, "
          f"clients in {CLIENT_PROCS} process{'es' if CLIENT_PROCS > 1 else ''}")
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
    shutil.rmtree(var_dir, ignore_errors=True)
    if failed:
        print("some goals were missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
