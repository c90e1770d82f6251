"""The settings of several servers, read from the environment: nothing changes
without them; a bad value stops start-up naming the variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHOW = ("from django.conf import settings as s; import json; print(json.dumps({"
        "'databases': sorted(s.DATABASES), 'routers': getattr(s, 'DATABASE_ROUTERS', []),"
        "'replica_test': s.DATABASES.get('replica', {}).get('TEST'),"
        "'replica_port': s.DATABASES.get('replica', {}).get('PORT'),"
        "'cache': s.CACHES['default']['BACKEND'], 'cache_location': s.CACHES['default'].get('LOCATION'),"
        "'sessions': s.SESSION_ENGINE, 'middleware': s.MIDDLEWARE[0],"
        "'formatter': s.LOGGING['handlers']['console'].get('formatter')}))")


def _settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    clean.update({"DEBUG": "true", "PEERPATH_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "peerpath.settings",
                  **env})
    return subprocess.run([sys.executable, "-c", f"import django; django.setup(); {SHOW}"], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=120)


def _show(tmp_path: Path, **env: str) -> dict:
    result = _settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_laptop_default_has_one_database_local_memory_and_text_logs(tmp_path):
    shown = _show(tmp_path)
    assert shown["databases"] == ["default"] and shown["routers"] == []
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["sessions"] == "django.contrib.sessions.backends.db"
    assert shown["formatter"] is None
    assert shown["middleware"] == "peerpath.ops.middleware.RequestContextMiddleware"


def test_several_servers_get_a_replica_a_shared_cache_cached_sessions_and_json_logs(tmp_path):
    shown = _show(tmp_path, DATABASE_URL="postgres://app@db1:5432/peerpath",
                  DATABASE_REPLICA_URL="postgres://app@db2:5433/peerpath", CACHE_URL="redis://cache:6379/0",
                  PEERPATH_SESSION_CACHE="true", PEERPATH_LOG_FORMAT="json")
    assert shown["databases"] == ["default", "replica"]
    assert shown["routers"] == ["peerpath.ops.dbrouter.ReplicaRouter"]
    assert shown["replica_test"]["MIRROR"] == "default" and shown["replica_port"] == 5433
    assert shown["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["cache_location"] == "redis://cache:6379/0"
    assert shown["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert shown["formatter"] == "json"


@pytest.mark.parametrize("env,named", [
    ({"CACHE_URL": "memcached://cache:11211"}, "CACHE_URL"),
    ({"PEERPATH_SESSION_CACHE": "true"}, "PEERPATH_SESSION_CACHE"),
    ({"PEERPATH_SESSION_CACHE": "maybe", "CACHE_URL": "redis://cache:6379/0"}, "PEERPATH_SESSION_CACHE"),
    ({"PEERPATH_LOG_FORMAT": "xml"}, "PEERPATH_LOG_FORMAT"),
    ({"PEERPATH_READY_MAX_BACKLOG": "0"}, "PEERPATH_READY_MAX_BACKLOG"),
])
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, env, named):
    result = _settings(tmp_path, **env)
    assert result.returncode != 0
    assert named in result.stderr
