"""bench/load.py's run set-up: the run's settings (from the environment), its
secrets, the database, the static files, the phones' links and the staff's sessions."""

from __future__ import annotations

import base64
import json
import os
import random
import secrets
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project, for Django in set-up and the stored-once check

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
LOAD_DB_NAME = "peerpath_load"  # the only PostgreSQL database this harness drops


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
        # The state autovacuum keeps a production database in (this server may run
        # without it): statistics, and a kept database's dead rows of the previous
        # run's answers (each answer updates its questionnaire's row) cleared.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    connection.close()
    return tokens, sessions, [m.code for m in members]
