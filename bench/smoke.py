"""Smoke run of every benchmark at a tiny size: that it runs and prints its figures.

    make bench-smoke           # part of make test
    .venv/bin/python bench/smoke.py

Runs ``bench/all.py`` (what ``make bench`` runs) with ``BENCH_TINY=1``: every step
at the tiny sizes below, on SQLite in folders of its own (``DATABASE_URL`` is
removed: no benchmark touches a real database here), the national set at a tiny
factor and the pages, reports and rescore again on it. A step passes when it exits
0 and prints the lines of its figures, and the run passes when every step passed
and the summary shows each one's figures; never on a timing: the figures of a tiny
run mean nothing. A new benchmark must be added to ``RUNS`` (a benchmark missing
from it fails the smoke run) and to ``bench/all.py``'s steps.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
TIMEOUT = 300  # seconds per run, a hang is a failure

# benchmark → (tiny sizes, lines its output must have)
RUNS: dict[str, tuple[dict[str, str], list[str]]] = {
    "scoring.py": (
        {"BENCH_RESPONSES": "3000", "BENCH_LOOP_SAMPLE": "100"},
        [r"vectorised\s+[\d,]+ responses/s", r"loop\s+[\d,]+ responses/s", r"checked\s+the loop's scores equal"],
    ),
    "member_pages.py": (
        {"BENCH_MEMBERS": "40", "BENCH_REPEAT": "2", "BENCH_CASELOAD": "20", "BENCH_LONG_HISTORY": "300"},
        [rf"{re.escape(page)}\s+p50\s+[\d.]+ ms\s+p95\s+[\d.]+ ms\s+[\d.]+× the floor"
         for page in ("member list", "name search", "code search", "member page", "member page (long history)",
                      "group page", "caseload", "dashboard")] + [r"floor\s+p50\s+[\d.]+ ms"],
    ),
    "imports.py": (
        {"BENCH_RECORDS": "60", "BENCH_EVENTS": "2"},
        [r"imported 120 questionnaires", r"total [\d.]+ s, [\d.]+ s of CPU .* peak memory \d+ MB RSS"],
    ),
    "reports.py": (
        {"BENCH_SCALE": "association", "BENCH_SIZE": "8", "BENCH_REPEAT": "1"},
        [r"programme\s+report\s+[\d.]+ ms \(\d+ queries\)\s+raw SQL\s+[\d.]+ ms",
         r"ips_quarterly\s+report\s+[\d.]+ ms \(\d+ queries\)\s+raw SQL\s+[\d.]+ ms"],
    ),
    "load.py": (
        {"BENCH_DB": "sqlite", "BENCH_PHONES": "2", "BENCH_STAFF": "1", "BENCH_SECONDS": "3", "BENCH_MEMBERS": "10",
         "BENCH_THINK": "0.1"},
        [r"phone\s+requests\s+\d+\s+errors\s+\d+\s+p50\s+[\d.]+ ms", r"staff\s+requests\s+\d+\s+errors\s+\d+",
         r"checked \d+ questionnaires finished: each stored once"],
    ),
    "national.py": (
        {"BENCH_FACTOR": "0.005"},
        [r"build\s+[\d.]+ s \(0 min", r"peak memory\s+\d+ MB RSS", r"rows\s+100 members, [\d,]+ questionnaires"],
    ),
    "rescore.py": (
        {"BENCH_ADMINISTRATIONS": "300"},
        [r"[\d,]+ administrations rescored", r"rescore\s+[\d.]+ s\s+[\d,]+ administrations/s",
         r"peak memory\s+\d+ MB RSS", r"checked\s+every score rewritten"],
    ),
}
REFUSED = [r"figures differ", r"Traceback"]  # a report that disagrees with its SQL, an error


SUMMARY = [r"^Summary \(SQLite", r"^staff pages \(", r"^  member page \(long history\)\s+[\d.]+ ms\s+[\d.]+× the floor",
           r"^  rescore\s+[\d,]+ in", r"^  load: phone\s+\d+ requests", r"^  build\s+0 min",
           r"^national set ×0.005: staff pages", r"^national set ×0.005: rescore"]


def main() -> int:
    # a benchmark's own modules (bench/_*.py, e.g. _load_clients.py) are not benchmarks
    found = sorted(p.name for p in BENCH.glob("*.py") if p.name not in ("smoke.py", "all.py") and not p.name.startswith("_"))
    missing = [name for name in found if name not in RUNS]
    if missing:
        print(f"no smoke run declared for {', '.join(missing)} (add it to RUNS in bench/smoke.py)")
        return 1
    sys.path.insert(0, str(BENCH))
    from all import steps

    declared = {step.script for step in steps(postgres=False)}
    absent = [name for name in found if name not in declared]
    if absent:
        print(f"bench/all.py does not run {', '.join(absent)} (add it to its steps)")
        return 1
    logs = Path(tempfile.mkdtemp(prefix="peerpath-bench-smoke-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_") and k != "DATABASE_URL"}
    env.pop("DATABASE_REPLICA_URL", None)
    env.update(BENCH_TINY="1", BENCH_LOG_DIR=str(logs), DEBUG="true", PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    try:
        try:
            run = subprocess.run([sys.executable, str(BENCH / "all.py")], env=env, cwd=ROOT,  # noqa: S603
                                 capture_output=True, text=True, timeout=TIMEOUT * len(RUNS), check=False)
            output, code = run.stdout + run.stderr, run.returncode
        except subprocess.TimeoutExpired as exc:
            output, code = f"{exc.stdout or ''}{exc.stderr or ''}\ntimed out", -1
        failed = []
        for step in steps(postgres=False):
            log = logs / f"{step.name}.log"
            text = log.read_text() if log.exists() else ""
            _sizes, expected = RUNS[step.script]
            problems = ["no output (the step did not run)"] if not text else []
            problems += [f"no line matching {line!r}" for line in expected if not re.search(line, text)]
            problems += [f"printed {line!r}" for line in REFUSED if re.search(line, text)]
            print(f"{step.name + ' (' + step.script + ')':<40} {'ok' if not problems else 'FAILED'}")
            if problems:
                failed.append(step.name)
                print("  " + "; ".join(problems))
                print("  output (end):\n    " + "\n    ".join(text.strip().splitlines()[-25:]))
        summary = output[output.rfind("Summary ("):] if "Summary (" in output else ""
        problems = [f"no summary line matching {line!r}" for line in SUMMARY if not re.search(line, summary, re.M)]
        if code:
            problems.append(f"bench/all.py exited with status {code}")
        if problems:
            failed.append("summary")
            print("summary: " + "; ".join(problems))
            print("  output (end):\n    " + "\n    ".join(output.strip().splitlines()[-40:]))
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    print(f"bench/all.py at tiny sizes: {time.perf_counter() - t0:.0f} s")
    if failed:
        print(f"smoke run failed: {', '.join(failed)}")
        return 1
    print(f"every benchmark ran and printed its figures ({len(found)} benchmarks, {len(steps(postgres=False))} steps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
