"""deploy/ holds what docs/deployment.md describes, as files, and they agree with the code.

* the example environment file lists exactly the variables the settings read, and
  each is documented in the README's configuration table; every variable
  docs/deployment.md names is one the settings read;
* every systemd unit parses (``systemd-analyze verify`` where systemd is installed,
  always a strict INI reading), each ``peerpath <command> …`` it runs is accepted by
  that command's own argument parser, and gunicorn's options are gunicorn's;
* each unit docs/deployment.md quotes has the same directives as its file;
* the nginx site passes ``nginx -t`` (where nginx is installed: CI installs it) and
  keeps its upstream keep-alive below gunicorn's and its body limit above the
  import limit.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
ENV_EXAMPLE = DEPLOY / "peerpath.env.example"
NGINX_SITE = DEPLOY / "nginx" / "peerpath.conf"
DOC = ROOT / "docs" / "deployment.md"
VAR_LINE = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")
ENV_CALL = re.compile(r"""\benv_(?:str|int|bool|list)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
OS_ENV = re.compile(r"""os\.(?:environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']|os\.environ\[["']([A-Z][A-Z0-9_]*)["']\]""")

# Read from the environment by the tooling or by libraries, not Peerpath settings.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE", "MPLCONFIGDIR"}


def example_variables() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = VAR_LINE.match(line.strip())
        if match:
            assert match.group(1) not in found, f"{match.group(1)} is listed twice in {ENV_EXAMPLE.name}"
            found[match.group(1)] = match.group(2)
    return found


def settings_variables(tmp_path: Path) -> set[str]:
    """The names Peerpath reads, recorded while a fresh process loads the settings and
    every app, plus any env_*("NAME") call or os.environ read in the package's code."""
    script = textwrap.dedent(
        """
        import json, os, sys
        import peerpath.env as env
        seen = []
        original = env._raw
        def recording(name, environ=None):
            seen.append(name)
            return original(name, environ)
        env._raw = recording
        os.environ["DJANGO_SETTINGS_MODULE"] = "peerpath.settings"
        import django
        django.setup()
        print(json.dumps(sorted(set(seen))))
        """
    )
    clean = {"PATH": "/usr/bin:/bin", "DEBUG": "true", "PEERPATH_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    names = set(json.loads(result.stdout.strip().splitlines()[-1]))
    for path in (ROOT / "peerpath").rglob("*.py"):
        if "tests" in path.relative_to(ROOT).parts:
            continue
        text = path.read_text(encoding="utf-8")
        names.update(ENV_CALL.findall(text))
        for a, b in OS_ENV.findall(text):
            names.add(a or b)
    return names - NOT_SETTINGS


def test_the_example_environment_lists_exactly_the_variables_the_settings_read(tmp_path):
    listed = set(example_variables())
    read = settings_variables(tmp_path)
    assert not read - listed, f"read by the settings but missing from {ENV_EXAMPLE.name}: {sorted(read - listed)}"
    assert not listed - read, f"in {ENV_EXAMPLE.name} but read by nothing: {sorted(listed - read)}"


def test_every_variable_of_the_example_is_in_the_readme_configuration_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table_rows = [line for line in readme.splitlines() if line.startswith("| `")]
    documented = {name for row in table_rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])}
    missing = sorted(set(example_variables()) - documented)
    assert not missing, f"not in the README's configuration table: {missing}"


def test_the_example_environment_is_a_production_one():
    """The values set (not commented out) are those a production server needs."""
    active = {
        m.group(1): m.group(2)
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if (m := VAR_LINE.match(line)) and not line.startswith("#")
    }
    assert active["DEBUG"] == "false"
    for required in ("SECRET_KEY", "PEERPATH_FIELD_KEYS", "PEERPATH_SEARCH_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        assert active.get(required), f"{required} must be set in production"
    assert active["DATABASE_URL"].startswith("postgres://")
    assert active["PEERPATH_BEHIND_PROXY"] == "true"  # the nginx site sets the X-Forwarded-* headers


def test_every_variable_the_deployment_page_names_is_read_by_the_settings(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    named = set()
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            match = re.match(r"^([A-Z][A-Z0-9_]*)=", line.strip())
            if match:
                named.add(match.group(1))
    named.update(re.findall(r"`(PEERPATH_[A-Z0-9_]+)", text))
    named = {name.removesuffix("_FILE") for name in named}
    unknown = sorted(named - settings_variables(tmp_path))
    assert not unknown, f"docs/deployment.md names variables nothing reads: {unknown}"


# --- systemd units ---------------------------------------------------------------------


def unit_files() -> list[Path]:
    return sorted(p for p in SYSTEMD.iterdir() if p.suffix in {".service", ".timer"})


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """A strict reading of a unit file: sections of key=value pairs, comments, nothing else."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            assert current in {"Unit", "Service", "Timer", "Install"}, f"line {number}: unknown section {line}"
            sections.setdefault(current, [])
            continue
        assert current is not None, f"line {number}: a directive before any section"
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z]+", key.strip()), f"line {number}: not key=value: {raw!r}"
        sections[current].append((key.strip(), value.strip()))
    return sections


def directives(path: Path) -> dict[str, list[tuple[str, str]]]:
    return parse_unit(path.read_text(encoding="utf-8"))


def value(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> str:
    values = [v for k, v in unit.get(section, []) if k == key]
    assert len(values) == 1, f"[{section}] {key}: {values}"
    return values[0]


def exec_argv(path: Path) -> list[str]:
    command = value(directives(path), "Service", "ExecStart")
    return shlex.split(command)


def test_the_deploy_folder_has_the_units_the_deployment_needs():
    names = {p.name for p in unit_files()}
    assert "peerpath.service" in names  # gunicorn
    assert "peerpath-worker.service" in names  # task workers
    assert {"peerpath-periodic.service", "peerpath-periodic.timer"} <= names  # the periodic schedule


@pytest.mark.parametrize("path", unit_files(), ids=lambda p: p.name)
def test_each_unit_is_well_formed_and_runs_as_the_peerpath_user(path):
    unit = directives(path)
    assert value(unit, "Unit", "Description")
    if path.suffix == ".timer":
        target = dict(unit["Timer"]).get("Unit", path.with_suffix(".service").name)
        assert (SYSTEMD / target).exists(), f"{path.name} starts {target}, which deploy/systemd lacks"
        assert any(k in {"OnCalendar", "OnUnitActiveSec", "OnBootSec"} for k, _ in unit["Timer"])
        return
    assert value(unit, "Service", "User") == "peerpath"
    assert value(unit, "Service", "EnvironmentFile") == "/etc/peerpath/peerpath.env"
    assert exec_argv(path)[0].startswith("/srv/peerpath/venv/bin/")


def peerpath_units() -> list[Path]:
    return [p for p in unit_files() if p.suffix == ".service" and exec_argv(p)[0].endswith("/peerpath")]


@pytest.mark.parametrize("path", peerpath_units(), ids=lambda p: p.name)
def test_each_peerpath_command_a_unit_runs_exists_and_accepts_its_arguments(path):
    argv = exec_argv(path)
    name = argv[1].replace("-", "_")
    commands = get_commands()
    assert name in commands, f"{path.name}: `peerpath {argv[1]}` is not a command"
    command = load_command_class(commands[name], name)
    parser = command.create_parser("peerpath", name)
    try:
        parser.parse_args(argv[2:])
    except CommandError as exc:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"{path.name}: `peerpath {' '.join(argv[1:])}` is refused: {exc}")


def test_a_wrong_command_line_is_caught_by_the_same_check():
    """The check above can fail: a misspelt option is refused by the command's parser."""
    command = load_command_class(get_commands()["audit"], "audit")
    with pytest.raises(CommandError):
        command.create_parser("peerpath", "audit").parse_args(["verify", "--no-such-option"])


def test_the_gunicorn_unit_runs_the_documented_gunicorn():
    from gunicorn.config import Config

    argv = exec_argv(SYSTEMD / "peerpath.service")
    assert argv[0].endswith("/gunicorn")
    args = Config().parser().parse_args(argv[1:])
    assert args.workers == 5  # (2 x cores) + 1 for two cores
    assert args.keepalive == 10  # docs/deployment.md: the default lost answer POSTs under load
    assert args.bind == ["127.0.0.1:8000"]
    module, _, attribute = args.args[0].partition(":")
    assert (module, attribute) == ("peerpath.wsgi", "application")


def doc_units() -> dict[str, str]:
    """Each ini block docs/deployment.md introduces with a /etc/systemd/system/ path."""
    text = DOC.read_text(encoding="utf-8")
    found = {}
    for match in re.finditer(r"/etc/systemd/system/([\w@.-]+\.(?:service|timer))`?:?\s*\n+```ini\n(.*?)```", text, re.S):
        found[match.group(1)] = match.group(2)
    return found


def test_the_units_the_deployment_page_quotes_are_the_files_in_deploy():
    quoted = doc_units()
    assert "peerpath.service" in quoted
    for name, block in quoted.items():
        path = SYSTEMD / name
        assert path.exists(), f"docs/deployment.md shows {name}; deploy/systemd/ has no such file"
        in_file = directives(path)
        for section, pairs in parse_unit(block).items():
            for pair in pairs:
                assert pair in in_file.get(section, []), f"{name}: the page's [{section}] {pair[0]}={pair[1]} differs"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed (CI has it)")
def test_systemd_accepts_every_unit(tmp_path):
    venv_bin = Path(sys.executable).parent
    for path in unit_files():
        text = path.read_text(encoding="utf-8").replace("/srv/peerpath/venv/bin/", f"{venv_bin}/")
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    names = sorted(str(p) for p in tmp_path.iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", *names], capture_output=True, text=True, timeout=60
    )
    problems = [
        line for line in (result.stdout + result.stderr).splitlines()
        if "Unknown" in line or "not executable" in line or "Failed" in line or "bad" in line.lower()
    ]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


# --- nginx ----------------------------------------------------------------------------


def test_the_nginx_site_agrees_with_gunicorn_and_the_settings():
    from django.conf import settings

    site = NGINX_SITE.read_text(encoding="utf-8")
    timeout = int(re.search(r"keepalive_timeout\s+(\d+)s;", site).group(1))
    assert timeout < 10, "nginx must close idle upstream connections before gunicorn's --keep-alive 10"
    body = re.search(r"client_max_body_size\s+(\d+)m;", site)
    assert body and int(body.group(1)) * 1024 * 1024 > settings.PEERPATH_IMPORT_MAX_BYTES
    for header in ("Host $host", "X-Forwarded-Proto $scheme", "X-Forwarded-Host $host",
                   "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Request-ID $request_id"):
        assert f"proxy_set_header {header};" in site
    assert "add_header X-Request-ID" not in site  # Peerpath returns the id itself: no second header
    assert "alias /var/lib/peerpath/static/;" in site  # STATIC_ROOT under PEERPATH_VAR_DIR of the example
    assert example_variables()["PEERPATH_VAR_DIR"] == "/var/lib/peerpath"


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed (.ci/run installs nginx-light)")
def test_nginx_accepts_the_site(tmp_path):
    """``nginx -t`` on the site, with a throw-away certificate and local ports."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    site = NGINX_SITE.read_text(encoding="utf-8")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    site = re.sub(r"listen \[::\]:\d+[^;]*;", "", site)
    site = site.replace("listen 80;", "listen 127.0.0.1:18080;").replace("listen 443 ", "listen 127.0.0.1:18443 ")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
