"""bench/load.py's clients: the phones (answering PHQ-9 self-report links) and the
staff (opening member pages), as threads with ``requests`` sessions spread over
client processes, and the figures they take."""

from __future__ import annotations

import multiprocessing
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from typing import TYPE_CHECKING

from _load_setup import CLIENT_PROCS, SECONDS, THINK, THREADS, WORKERS

if TYPE_CHECKING:
    import requests


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
