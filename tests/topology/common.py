"""What the topology script's parts share: where things are, reporting, waiting, processes."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = Path(sys.executable).parent
PRIMARY = os.environ.get("TOPOLOGY_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
HOST = "localhost"  # the host name the "proxy" passes on (X-Forwarded-Host)
STARTED = time.monotonic()

class Failure(Exception):
    """A check failed."""


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def ok(message: str) -> None:
    say(f"ok    {message}")


def check(condition: object, message: str) -> None:
    if not condition:
        raise Failure(message)


def wait_for(what: str, test: Callable[[], Any], timeout: float = 60, step: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = test()
        except Failure:
            raise
        except Exception as exc:  # noqa: BLE001 - not ready yet
            result, error = None, exc
        else:
            error = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout:.0f}s waiting for {what}" + (f" ({error})" if error else ""))
        time.sleep(step)


def in_background(step: Callable[[], None]) -> Callable[[], None]:
    """Run ``step`` in a thread; the function returned waits for it and raises its error."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            step()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()

    def join() -> None:
        thread.join()
        if errors:
            raise errors[0]

    return join


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- processes ---------------------------------------------------------------------------


class Processes:
    """Every process the script starts, stopped on exit (their whole process group)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str], user: str | None = None) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        if user:
            argv = ["runuser", "-u", user, "--", *argv]
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.running[name] = proc
        return proc

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        proc = self.running.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        """SIGTERM to every process group at once; SIGKILL to what still runs after 15 s."""
        procs = [p for p in self.running.values() if p.poll() is None]
        self.running.clear()
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def run(argv: list[str], env: dict[str, str] | None = None, user: str | None = None, timeout: float = 300,
        check_rc: bool = True) -> subprocess.CompletedProcess[str]:
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if check_rc and result.returncode != 0:
        raise Failure(f"{shlex.join(argv)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    return result


def exec_start(unit: str) -> list[str]:
    """The ExecStart of a unit in deploy/systemd, run from this checkout's virtualenv."""
    text = (ROOT / "deploy" / "systemd" / unit).read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart="))
    argv[0] = str(VENV_BIN / Path(argv[0]).name)
    return argv


def replace_option(argv: list[str], option: str, value: str) -> list[str]:
    out = list(argv)
    index = out.index(option)
    out[index + 1] = value
    return out
