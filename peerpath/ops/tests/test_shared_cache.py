"""CACHE_URL: the API's rate limits count once for every server process.

Two gunicorn servers (separate processes, as on two machines) share the test
database and a Redis database; a client alternating between them reaches its
limit once in total. Under CI=true a Redis that cannot be reached fails the
test (.ci/run installs and starts redis-server); elsewhere it is skipped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from peerpath.api.actions import create_token

REDIS_URL = os.environ.get("PEERPATH_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
pytestmark = pytest.mark.django_db(transaction=True)


def _redis():  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        message = f"Redis is not reachable at {REDIS_URL} (PEERPATH_TEST_REDIS_URL)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": under CI this is a failure (.ci/run starts redis-server)")
        pytest.skip(message)
    return client


def _database_url() -> str:
    db = connections["default"].settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, secret: str = "") -> int:
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url, headers={"Authorization": f"Bearer {secret}"} if secret else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[list[str], str]]:
    """Two gunicorn servers with CACHE_URL set; yields their base URLs and the cache prefix."""
    redis_client = _redis()
    prefix = f"peerpath-test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": _database_url(), "CACHE_URL": REDIS_URL,
           "PEERPATH_CACHE_PREFIX": prefix, "PEERPATH_API_RATE_TOKEN": "4/minute",
           "PEERPATH_API_RATE_IP": "1000/minute"}
    env.pop("DATABASE_REPLICA_URL", None)
    servers, urls = [], []
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    try:
        for n in range(2):
            port = _free_port()
            log = (tmp_path / f"server{n}.log").open("wb")
            servers.append(subprocess.Popen(  # noqa: S603 - our own server
                [gunicorn, "peerpath.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                env=env, stdout=log, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for url, server in zip(urls, servers, strict=True):
            while True:
                try:
                    if _get(url + "/healthz/") == 200:
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("*.log"))
                    raise AssertionError(f"a server did not start:\n{logs}")
                time.sleep(0.2)
        yield urls, prefix
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)
        for key in redis_client.scan_iter(f"{prefix}:*"):
            redis_client.delete(key)


def test_a_client_reaches_its_rate_limit_once_across_two_server_processes(org_a, two_servers):
    urls, prefix = two_servers
    _token, secret = create_token(org_a.staff["coordinator"], name="two servers")
    # 4 requests a minute for this token: alternate between the two servers.
    statuses = [_get(urls[n % 2] + "/api/v1/members/", secret) for n in range(6)]
    # Counted per process, each server would have seen only 3 and let all 6 through.
    assert statuses == [200, 200, 200, 200, 429, 429]
    import redis

    keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(f"{prefix}:*"))
    assert keys, "the servers counted in Redis"
