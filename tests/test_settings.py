"""Start-up configuration: strict parsing, no silent secrets, deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from peerpath.env import ConfigError, env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent
PROD_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a" * 10 + "b-c_d!e@f#g$h%i^j&k*l(m)n+o=p?q[r]s{t}u;v:w,x.y<z>0123456789AB",
    "PEERPATH_FIELD_KEYS": "Wm9vZ0lfQW1fQV9UZXN0X0tleV9Ob3RfUmVhbF9YWFg=",
    "PEERPATH_SEARCH_KEY": "test-search-key-not-secret",
    "ALLOWED_HOSTS": "peerpath.example.org",
}


def _run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "DATABASE_URL"}}
    clean.update({"PEERPATH_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "PEERPATH_FIELD_KEYS", "PEERPATH_SEARCH_KEY"])
def test_without_debug_a_missing_secret_stops_start_up(missing, tmp_path):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = _run(["check"], env, tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr
    assert not (tmp_path / "dev-secrets.json").exists()


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], PROD_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_malformed_field_key_is_reported_at_start_up(tmp_path):
    result = _run(["check"], {**PROD_ENV, "PEERPATH_FIELD_KEYS": "not-a-key"}, tmp_path)
    assert result.returncode != 0
    assert "peerpath.E001" in result.stderr and "PEERPATH_FIELD_KEYS" in result.stderr


def test_a_malformed_boolean_names_the_variable(tmp_path):
    result = _run(["check"], {**PROD_ENV, "PEERPATH_REQUIRE_2FA": "ture"}, tmp_path)
    assert result.returncode != 0
    assert "PEERPATH_REQUIRE_2FA must be true or false" in result.stderr


def test_debug_generates_development_secrets_once(tmp_path):
    first = _run(["check"], {"DEBUG": "true"}, tmp_path)
    assert first.returncode == 0, first.stderr
    secrets_file = tmp_path / "dev-secrets.json"
    content = secrets_file.read_text()
    assert _run(["check"], {"DEBUG": "true"}, tmp_path).returncode == 0
    assert secrets_file.read_text() == content
    assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"


def test_env_helpers_parse_strictly():
    env = {"A": "yes", "B": "Off", "N": "12", "BAD": "maybe", "L": "a, b,,c", "E": ""}
    assert env_bool("A", False, env) is True
    assert env_bool("B", True, env) is False
    assert env_bool("MISSING", True, env) is True
    with pytest.raises(ConfigError, match="BAD must be true or false"):
        env_bool("BAD", False, env)
    assert env_int("N", 0, env) == 12
    with pytest.raises(ConfigError, match="at least 20"):
        env_int("N", 0, env, minimum=20)
    with pytest.raises(ConfigError, match="whole number"):
        env_int("BAD", 0, env)
    assert env_list("L", [], env) == ["a", "b", "c"]
    assert env_str("E", "default", env) == "default"


def test_a_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    assert env_str("SECRET_KEY", None, {"SECRET_KEY_FILE": str(secret)}) == "from-a-file"
    with pytest.raises(ConfigError, match="SECRET_KEY_FILE"):
        env_str("SECRET_KEY", None, {"SECRET_KEY_FILE": str(tmp_path / "absent")})


def test_pages_carry_a_content_security_policy_without_inline_script(client, db):
    response = client.get("/account/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in response.content.decode()
