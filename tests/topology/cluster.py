"""The topology: databases, the replica, Redis, the app servers, nginx and the workers."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import secrets
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
from common import (
    HOST,
    PRIMARY,
    ROOT,
    VENV_BIN,
    Failure,
    Processes,
    check,
    exec_start,
    free_port,
    ok,
    replace_option,
    run,
    say,
    wait_for,
)

# --- the topology ------------------------------------------------------------------------


class Topology:
    def __init__(self, work: Path, stack: contextlib.ExitStack) -> None:
        self.work = work
        self.stack = stack
        (work / "logs").mkdir()
        self.procs = Processes(work / "logs")
        self.replica_started = False
        self.replica_env: dict[str, str] = {}
        self.databases_created = False
        stack.callback(self.cleanup)
        self.db = f"peerpath_topology_{os.getpid()}"
        self.restore_db = f"{self.db}_restore"
        self.replica_port = free_port()
        self.redis_port = free_port()
        self.password = secrets.token_urlsafe(12)
        self.env = {
            "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(work),
            "LANG": "C.UTF-8",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PEERPATH_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "PEERPATH_SEARCH_KEY": secrets.token_urlsafe(32),
            "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
            "DATABASE_URL": f"{PRIMARY}/{self.db}",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{self.replica_port}/{self.db}",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "PEERPATH_VAR_DIR": str(work / "var"),
            "PEERPATH_BEHIND_PROXY": "true",
            "PEERPATH_REQUIRE_2FA": "false",  # the journey signs in with a password alone
            "PEERPATH_DEMO_PASSWORD": self.password,
            "PEERPATH_EXPORT_SYNC_MEMBERS": "0",  # every export is queued for the workers
            "PEERPATH_TASK_HEARTBEAT_SECONDS": "1",
            "PEERPATH_TASK_STALE_SECONDS": "3",  # a killed worker's task is taken back quickly
            "PEERPATH_LOG_FORMAT": "json",
            "PEERPATH_METRICS_TOKEN": secrets.token_urlsafe(16),
        }
        self.servers: list[str] = []
        self.workers: dict[str, int] = {}

    # PostgreSQL ---------------------------------------------------------------------

    def sql(self, query: str, params: tuple[Any, ...] | None = None, db: str | None = None,
            url: str | None = None) -> list[Any]:
        with psycopg.connect(url or f"{PRIMARY}/{db or self.db}", autocommit=True, connect_timeout=5) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def create_databases(self) -> None:
        for name in (self.db, self.restore_db):
            self.sql(f'DROP DATABASE IF EXISTS "{name}"', db="postgres")
        self.sql(f'CREATE DATABASE "{self.db}" ENCODING \'UTF8\' TEMPLATE template0', db="postgres")
        self.databases_created = True
        ok(f"database {self.db} created on the primary ({PRIMARY})")

    def cleanup(self) -> None:
        """Stop every process, then the replica, then drop the databases."""
        started = time.monotonic()
        self.procs.stop_all()
        if self.replica_started:
            run([str(ROOT / ".ci" / "pg-replica"), "stop"], env=self.replica_env, check_rc=False, timeout=120)
        if self.databases_created:
            self.drop_databases()
        say(f"cleaned up (processes stopped, replica stopped, databases dropped) in {time.monotonic() - started:.0f}s")

    def drop_databases(self) -> None:
        for name in (self.db, self.restore_db):
            with contextlib.suppress(Exception):
                self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', db="postgres")

    def start_replica(self) -> None:
        """A streaming replica of the primary's cluster, made by .ci/pg-replica (the
        script of `make test-replica`: pg_basebackup -R, a hot standby) on a free port
        in the temporary directory; it logs every statement, to show where queries go."""
        primary = urllib.parse.urlparse(PRIMARY)
        self.replica_env = {**os.environ, "PEERPATH_REPLICA_PORT": str(self.replica_port),
                            "PEERPATH_REPLICA_DIR": str(self.work / "replica"),
                            "PEERPATH_PRIMARY_PORT": str(primary.port or 5432)}
        result = run([str(ROOT / ".ci" / "pg-replica"), "start"], env=self.replica_env, timeout=300, check_rc=False)
        self.replica_started = True
        if result.returncode != 0:
            raise Failure(f".ci/pg-replica start failed:\n{result.stdout}{result.stderr}")
        url = f"postgres://postgres@127.0.0.1:{self.replica_port}/postgres"
        self.sql("ALTER SYSTEM SET log_statement = 'all'", url=url)
        self.sql("ALTER SYSTEM SET log_line_prefix = '%m [%p] %d '", url=url)
        self.sql("SELECT pg_reload_conf()", url=url)
        self.replica_log = self.work / "replica" / "server.log"
        in_recovery = self.sql("SELECT pg_is_in_recovery()", url=url)
        check(in_recovery[0][0] is True, "the second cluster is not a standby")
        ok(f"streaming replica started on port {self.replica_port} (.ci/pg-replica: pg_basebackup -R, hot standby)")

    def replica_caught_up(self) -> None:
        lsn = self.sql("SELECT pg_current_wal_lsn()::text", db="postgres")[0][0]
        url = f"postgres://postgres@127.0.0.1:{self.replica_port}/postgres"
        wait_for("the replica to replay the primary's WAL", lambda: self.sql(
            "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,), url=url)[0][0], timeout=60)

    # Redis, the application -----------------------------------------------------------

    def start_redis(self) -> None:
        redis = shutil.which("redis-server")
        check(redis, "redis-server is not installed (apt install redis-server; .ci/run does)")
        self.procs.start("redis", [str(redis), "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--dir", str(self.work)], env=dict(self.env))
        wait_for("redis", lambda: socket.create_connection(("127.0.0.1", self.redis_port), timeout=1).close() or True)
        ok(f"redis-server started on port {self.redis_port} (CACHE_URL)")

    def peerpath(self, *args: str, env: dict[str, str] | None = None, timeout: float = 600,
                 check_rc: bool = True) -> subprocess.CompletedProcess[str]:
        return run([str(VENV_BIN / "peerpath"), *args], env=env or self.env, timeout=timeout, check_rc=check_rc)

    def install(self) -> None:
        """Migrate and load the demo association (the demo refuses DEBUG off: it runs with
        DEBUG on but the same database and keys), and collect the static files."""
        static = threading.Thread(target=self.collectstatic)
        static.start()
        self.peerpath("migrate", "--noinput", "-v0")
        ok("peerpath migrate on the primary")
        self.peerpath("demo", "--size", "12", env={**self.env, "DEBUG": "true"})
        static.join()
        check(self.static_ok, "collectstatic failed")
        members = self.sql("SELECT count(*) FROM members_member")[0][0]
        ok(f"demo association loaded ({members} members), static files collected")

    def collectstatic(self) -> None:
        """The manifest the production storage reads, without its slow compression
        (whitenoise's storage adds gzip/brotli copies; the names are the same)."""
        script = (
            "import django; from django.conf import settings\n"
            "settings.STORAGES['staticfiles'] = {'BACKEND': "
            "'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}\n"
            "django.setup(); from django.core.management import call_command\n"
            "call_command('collectstatic', interactive=False, verbosity=0)\n"
        )
        result = run([sys.executable, "-c", script], env={**self.env, "DJANGO_SETTINGS_MODULE": "peerpath.settings"},
                     check_rc=False)
        self.static_ok = result.returncode == 0
        if not self.static_ok:
            print(result.stdout + result.stderr, file=sys.stderr)

    def start_servers(self) -> None:
        base = exec_start("peerpath.service")
        for name in ("a", "b"):
            port = free_port()
            argv = replace_option(replace_option(base, "--workers", "2"), "--bind", f"127.0.0.1:{port}")
            home = self.work / f"home-{name}"  # gunicorn puts its control socket there
            metrics = self.work / f"metrics-{name}"  # RuntimeDirectory= of the unit
            home.mkdir()
            metrics.mkdir()
            self.procs.start(f"gunicorn-{name}", argv,
                             env={**self.env, "HOME": str(home), "PROMETHEUS_MULTIPROC_DIR": str(metrics)})
            self.servers.append(f"http://127.0.0.1:{port}")
        for server in self.servers:
            probe = urllib.request.Request(f"{server}/healthz/", headers={"Host": HOST})  # noqa: S310 - loopback
            wait_for(f"{server}/healthz/", lambda p=probe: urllib.request.urlopen(p, timeout=2).status == 200,  # noqa: S310
                     timeout=90, step=0.5)
        ok(f"two gunicorn servers answer /healthz/ ({', '.join(self.servers)}): {shlex.join(base[1:])} "
           "with --workers 2 and their own ports")

    def check_ready(self) -> None:
        """/readyz/ of each server: database, replica lag, cache, task backlog."""
        for server in self.servers:
            probe = urllib.request.Request(f"{server}/readyz/", headers={"Host": HOST})  # noqa: S310 - loopback
            try:
                with urllib.request.urlopen(probe, timeout=30) as resp:  # noqa: S310
                    status, body = resp.status, resp.read().decode()
            except urllib.error.HTTPError as exc:
                status, body = exc.code, exc.read().decode()
            check(status == 200, f"{server}/readyz/ answered {status}: {body}")
        ok(f"both servers ready (/readyz/: database, replica, cache, task queue): {body.strip()[:120]}")

    def start_proxy(self) -> None:
        """nginx with deploy/nginx/peerpath.conf in front of both servers: its upstream
        lists them, it listens on free ports with a throw-away certificate, and serves
        the static files from this run's PEERPATH_VAR_DIR."""
        ndir = self.work / "nginx"
        (ndir / "logs").mkdir(parents=True)
        cert, key = ndir / "cert.pem", ndir / "key.pem"
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
             "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", str(key), "-out", str(cert)], timeout=60)
        self.http_port, self.https_port = free_port(), free_port()
        site = (ROOT / "deploy" / "nginx" / "peerpath.conf").read_text(encoding="utf-8")
        upstream = "\n".join(f"    server {urllib.parse.urlparse(s).netloc};" for s in self.servers)
        for old, new in (
            ("    server 127.0.0.1:8000;", upstream),
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
            ("server_name peerpath.example.org;", f"server_name {HOST};"),
            ("/etc/letsencrypt/live/peerpath.example.org/fullchain.pem", str(cert)),
            ("/etc/letsencrypt/live/peerpath.example.org/privkey.pem", str(key)),
            ("alias /var/lib/peerpath/static/;", f"alias {self.work / 'var' / 'static'}/;"),
        ):
            check(old in site, f"deploy/nginx/peerpath.conf no longer has {old!r}: update the script")
            site = site.replace(old, new)
        site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
        (ndir / "site.conf").write_text(site, encoding="utf-8")
        (ndir / "nginx.conf").write_text(
            f"pid {ndir}/nginx.pid;\nerror_log {ndir}/logs/error.log;\nevents {{}}\nhttp {{\n"
            f"  include /etc/nginx/mime.types;\n  access_log {ndir}/logs/access.log;\n"
            f"  client_body_temp_path {ndir}/body;\n  proxy_temp_path {ndir}/proxy;\n"
            f"  include {ndir}/site.conf;\n}}\n", encoding="utf-8")
        self.procs.start("nginx", ["nginx", "-p", str(ndir), "-c", str(ndir / "nginx.conf"), "-g", "daemon off;"],
                         env=dict(self.env))
        wait_for("nginx", lambda: socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close() or True)
        self.tls = ssl.create_default_context(cafile=str(cert))
        self.proxy = f"https://{HOST}:{self.https_port}"
        ok(f"nginx with deploy/nginx/peerpath.conf in front of both servers (HTTPS on {self.https_port}, "
           f"HTTP on {self.http_port})")

    def start_worker(self, name: str) -> int:
        # The unit's command with a name, to tell the two apart.
        argv = [*exec_start("peerpath-worker.service"), "--worker-id", f"topology-{name}"]
        proc = self.procs.start(f"worker-{name}", argv, env=dict(self.env))
        self.workers[name] = proc.pid
        return proc.pid

    def start_workers(self) -> None:
        for name in ("a", "b"):
            self.start_worker(name)
        wait_for("both workers' heartbeats", lambda: self.sql(
            "SELECT count(*) FROM tasks_workerheartbeat WHERE worker_id IN ('topology-a', 'topology-b')")[0][0] == 2,
            timeout=60)
        ok("two task workers running (deploy/systemd/peerpath-worker.service), both heartbeating")
