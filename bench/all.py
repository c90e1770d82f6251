"""Every benchmark in one run, then their figures side by side (``make bench``).

    make bench                                   # on PostgreSQL at 127.0.0.1:5432 (about 30 minutes)
    BENCH_FACTOR=1 make bench                    # the national set at 1× instead of 5×
    BENCH_FACTOR=0 make bench                    # no national build
    BENCH_POSTGRES=postgres://user@host:5432 make bench
    BENCH_KEEP=1 make bench                      # keep the benchmark databases afterwards

Runs, one after another, each in its own process (so that one's memory and
caches do not colour the next):

1. ``member_pages.py``: the staff pages' medians against Django's floor (goal ≤ 4×);
2. ``scoring.py``: the scoring engine;
3. ``imports.py``: a 100,000-row REDCap import;
4. ``reports.py``: the programme and IPS quarterly reports against raw SQL, at
   national scale;
5. ``rescore.py``: ``peerpath rescore`` of 1,000,000 questionnaires (goal ≤ 60 s, ≤ 500 MB);
6. ``load.py``: 50 phones and 10 staff against gunicorn for 60 s (goal: 0 errors,
   p99 ≤ 500 ms for phones, ≤ 800 ms for staff);
7. ``national.py``: the national set at ``BENCH_FACTOR`` (default 5; goal ≤ 15 min),
   and then, on that data set, the pages, the reports and the rescore again.

then prints a summary of every figure against its goal. Each benchmark that needs
a database gets one of its own on PostgreSQL, named ``peerpath_bench_<step>`` and
created anew (only names with that prefix are ever dropped; ``load.py`` uses its
own ``peerpath_load``). Without PostgreSQL, the benchmarks that can run on SQLite
do (at their SQLite sizes) and the summary says which could not.

``BENCH_TINY=1`` runs every step at the smoke run's tiny sizes on SQLite
(``bench/smoke.py`` does this in ``make test``); ``BENCH_LOG_DIR`` keeps each
step's output in a file. Never a timing assertion: the exit status is 0 when every
step ran and printed its figures, whatever they are.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
TINY = os.environ.get("BENCH_TINY", "") not in ("", "0")
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
FACTOR = os.environ.get("BENCH_FACTOR", "5")
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PREFIX = "peerpath_bench_"  # the only databases this script drops
# The national set at BENCH_TINY: small enough for SQLite.
TINY_FACTOR = "0.005"


@dataclass
class Step:
    name: str  # also the database's suffix
    script: str
    label: str
    env: dict[str, str] = field(default_factory=dict)
    database: str = ""  # the step's own database ("" none; a name: created anew, or that of an earlier step)
    fresh: bool = True  # create the database anew (False: reuse an earlier step's)
    postgres_only: bool = False


def steps(postgres: bool) -> list[Step]:
    factor = TINY_FACTOR if TINY else FACTOR
    national = [] if float(factor) == 0 else [
        Step("national", "national.py", f"national set ×{factor}: build", {"BENCH_FACTOR": factor}, "national",
             postgres_only=float(factor) > 0.1),
        Step("national_pages", "member_pages.py", f"national set ×{factor}: staff pages", {"BENCH_REUSE": "1"},
             "national", fresh=False, postgres_only=float(factor) > 0.1),
        Step("national_reports", "reports.py", f"national set ×{factor}: reports", {"BENCH_REUSE": "1"}, "national",
             fresh=False, postgres_only=float(factor) > 0.1),
        Step("national_rescore", "rescore.py", f"national set ×{factor}: rescore", {"BENCH_REUSE": "1"}, "national",
             fresh=False, postgres_only=float(factor) > 0.1),
    ]
    return [
        Step("pages", "member_pages.py", "staff pages", {}, "pages"),
        Step("scoring", "scoring.py", "scoring engine"),
        Step("imports", "imports.py", "REDCap import", {}, "imports"),
        Step("reports", "reports.py", "reports", {}, "reports"),
        Step("rescore", "rescore.py", "rescore", {}, "rescore"),
        Step("load", "load.py", "load", {} if postgres else {"BENCH_DB": "sqlite"}),
        *national,
    ]


def tiny_sizes(step: Step) -> dict[str, str]:
    from smoke import RUNS  # the smoke run's tiny sizes (bench/smoke.py)

    if step.script == "national.py":
        return {"BENCH_FACTOR": TINY_FACTOR}
    sizes = dict(RUNS[step.script][0])
    if step.name.startswith("national_"):
        sizes.pop("BENCH_SCALE", None)
        sizes.pop("BENCH_SIZE", None)
    return sizes


def postgres_available() -> bool:
    if TINY:
        return False
    try:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=5):
            return True
    except Exception:  # noqa: BLE001 -- any failure to connect means "run on SQLite"
        return False


def fresh_database(name: str) -> str:
    import psycopg

    database = PREFIX + name
    assert database.startswith(PREFIX) and re.fullmatch(r"[a-z0-9_]+", database)
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{database}"')
    return f"{POSTGRES}/{database}"


def drop_database(name: str) -> None:
    """Drop a benchmark's database; a failure is reported, not raised (the summary still prints)."""
    import psycopg

    database = PREFIX + name
    try:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    except psycopg.Error as exc:
        print(f"could not drop the database {database}: {exc}")


def run(step: Step, env: dict[str, str], log_dir: Path) -> tuple[int, str, float]:
    """Run one step, echoing its output as it comes; its exit status, output and seconds."""
    print(f"\n== {step.label} ({step.script}{' ' + ' '.join(f'{k}={v}' for k, v in step.env.items()) if step.env else ''})",
          flush=True)
    t0 = time.perf_counter()
    lines = []
    with subprocess.Popen([sys.executable, str(BENCH / step.script)], cwd=ROOT, env=env,  # noqa: S603
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1) as child:
        assert child.stdout is not None
        for line in child.stdout:
            print(line, end="", flush=True)
            lines.append(line)
        code = child.wait()
    output = "".join(lines)
    (log_dir / f"{step.name}.log").write_text(output)
    return code, output, time.perf_counter() - t0


# -- the summary -------------------------------------------------------------------------------

NUMBER = r"([\d,]+(?:\.\d+)?)"


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def summary_lines(step: Step, output: str) -> list[str]:
    """The step's figures against their goals, parsed from what it printed."""
    found: list[str] = []
    script = step.script
    if script == "member_pages.py":
        floor = re.search(rf"^floor\s+p50\s+{NUMBER} ms", output, re.M)
        if floor:
            found.append(f"{'floor':<30} {_num(floor[1]):8.1f} ms")
        for m in re.finditer(rf"^(\S.*?)\s+p50\s+{NUMBER} ms\s+p95\s+{NUMBER} ms\s+{NUMBER}× the floor.*?(ok|MISSED)$",
                             output, re.M):
            found.append(f"{m[1]:<30} {_num(m[2]):8.1f} ms {_num(m[4]):6.1f}× the floor (goal ≤ 4×)  {m[5]}")
    elif script == "scoring.py":
        m = re.search(rf"vectorised\s+{NUMBER} responses/s", output)
        if m:
            found.append(f"{'vectorised scoring':<30} {_num(m[1]):12,.0f} responses/s")
    elif script == "imports.py":
        m = re.search(rf"imported {NUMBER} questionnaires", output)
        t = re.search(rf"^total {NUMBER} s.*?(ok|MISSED)", output, re.M)
        if m and t:
            found.append(f"{'import':<30} {_num(m[1]):12,.0f} questionnaires in {_num(t[1]):.1f} s  {t[2]}")
    elif script == "reports.py":
        for m in re.finditer(rf"^(\w+)\s+report\s+{NUMBER} ms \((\d+) queries\)\s+raw SQL\s+{NUMBER} ms\s+"
                             rf"ratio {NUMBER}.*?(ok|MISSED|\(national scale only\))$", output, re.M):
            found.append(f"{m[1] + ' report':<30} {_num(m[2]):8.1f} ms {_num(m[5]):6.2f}× raw SQL (goal ≤ 2×)  {m[6]}")
    elif script == "rescore.py":
        n = re.search(rf"administrations: {NUMBER}", output)
        m = re.search(rf"^rescore\s+{NUMBER} s\s+{NUMBER} administrations/s.*?(ok|MISSED)", output, re.M)
        mem = re.search(rf"^peak memory\s+{NUMBER} MB RSS.*?(ok|MISSED)", output, re.M)
        if n and m and mem:
            per_million = 1_000_000 / _num(m[2]) if _num(m[2]) else float("inf")
            found.append(f"{'rescore':<30} {_num(n[1]):12,.0f} in {_num(m[1]):.1f} s ({_num(m[2]):,.0f}/s; "
                         f"1,000,000 in {per_million:.0f} s, goal ≤ 60 s)  {m[3]}")
            found.append(f"{'rescore peak memory':<30} {_num(mem[1]):8.0f} MB (goal ≤ 500 MB)  {mem[2]}")
    elif script == "load.py":
        for m in re.finditer(rf"^(phone|staff)\s+requests\s+(\d+)\s+errors\s+(\d+)\s+p50\s+{NUMBER} ms\s+"
                             rf"p95\s+{NUMBER} ms\s+p99\s+{NUMBER} ms.*?(ok|MISSED)$", output, re.M):
            goal = 500 if m[1] == "phone" else 800
            found.append(f"{'load: ' + m[1]:<30} {int(m[2]):6d} requests, {m[3]} errors, p50 {_num(m[4]):.0f} ms, "
                         f"p99 {_num(m[6]):.0f} ms (goal 0 errors, p99 ≤ {goal} ms)  {m[7]}")
        if re.search(r"checked \d+ questionnaires finished: each stored once", output):
            found.append(f"{'load: questionnaires':<30} each finished one stored once and scored")
    elif script == "national.py":
        b = re.search(rf"^build\s+{NUMBER} s \((.*?);.*?(ok|MISSED)", output, re.M)
        mem = re.search(rf"^peak memory\s+{NUMBER} MB RSS.*?(ok|MISSED)", output, re.M)
        rows = re.search(r"^rows\s+(.*)$", output, re.M)
        if b and mem:
            found.append(f"{'build':<30} {b[2]} (goal ≤ 15 min)  {b[3]}; peak {_num(mem[1]):.0f} MB  {mem[2]}")
        if rows:
            found.append(f"{'rows':<30} {rows[1]}")
    return found


def main() -> int:
    postgres = postgres_available()
    log_dir = Path(os.environ.get("BENCH_LOG_DIR") or tempfile.mkdtemp(prefix="peerpath-bench-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="peerpath-bench-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_") and k != "DATABASE_URL"}
    base.pop("DATABASE_REPLICA_URL", None)
    base.update(PYTHONPATH=str(ROOT), DEBUG="true")
    started = time.perf_counter()
    load = os.getloadavg()
    print(f"make bench: {'PostgreSQL at ' + POSTGRES if postgres else 'SQLite (no PostgreSQL)'}"
          f"{', tiny sizes' if TINY else ''}; {os.cpu_count()} cores, load average {load[0]:.1f}; "
          f"each step's output is also in {log_dir}")
    results: list[tuple[Step, int, str, float]] = []
    skipped: list[Step] = []
    made: set[str] = set()
    try:
        for step in steps(postgres):
            if step.postgres_only and not postgres:
                skipped.append(step)
                continue
            env = dict(base)
            env.update(step.env)
            env.update(tiny_sizes(step) if TINY else {})
            if step.database and postgres:
                if step.fresh:
                    env["DATABASE_URL"] = fresh_database(step.database)
                    made.add(step.database)
                else:
                    env["DATABASE_URL"] = f"{POSTGRES}/{PREFIX}{step.database}"
            elif step.database:  # SQLite: a folder per database, shared by the steps that reuse it
                env["PEERPATH_VAR_DIR"] = str(work / step.database)
                if step.fresh:
                    shutil.rmtree(work / step.database, ignore_errors=True)
            else:
                env["PEERPATH_VAR_DIR"] = str(work / step.name)
            code, output, seconds = run(step, env, log_dir)
            results.append((step, code, output, seconds))
            if step.name == "national" and code:
                skipped += [s for s in steps(postgres) if s.name.startswith("national_")]
                break
            if step.database and postgres and not KEEP and step.fresh and step.database != "national":
                drop_database(step.database)
                made.discard(step.database)
    finally:
        if postgres and not KEEP:
            for name in made:
                drop_database(name)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'=' * 100}\nSummary ({'PostgreSQL' if postgres else 'SQLite'}, {os.cpu_count()} cores, "
          f"{time.perf_counter() - started:.0f} s in all; every figure from this run)")
    failed = []
    for step, code, output, seconds in results:
        lines = summary_lines(step, output)
        print(f"\n{step.label} ({seconds:.0f} s){'' if not code else f'  FAILED (exit status {code})'}")
        for line in lines:
            print(f"  {line}")
        if code or not lines:
            failed.append(step.label)
    for step in skipped:
        print(f"\n{step.label}: not run ({'needs PostgreSQL' if not postgres else 'the build failed'})")
    missed = sum(output.count("MISSED") for _s, _c, output, _t in results)
    print(f"\n{missed} figure(s) missed their goal" if missed else "\nevery figure met its goal")
    if failed:
        print(f"steps that failed or printed no figures: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    sys.exit(main())
