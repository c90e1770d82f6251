"""Smoke run of every benchmark at a tiny size: that it runs and prints its figures.

    make bench-smoke           # part of make test
    .venv/bin/python bench/smoke.py

Each ``bench/*.py`` (but this one) runs in a subprocess with tiny sizes set through
its environment variables, on SQLite in a folder of its own (``DATABASE_URL`` is
removed: no benchmark touches a real database here). The database is migrated once
and copied to each run. A run passes when it exits 0 and prints the lines of its
figures; never on a timing: the figures of a tiny run mean nothing. A new benchmark
must be added to ``RUNS`` (a benchmark missing from it fails the smoke run).
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
    "rescore.py": (
        {"BENCH_ADMINISTRATIONS": "300"},
        [r"300 administrations rescored", r"rescore\s+[\d.]+ s\s+[\d,]+ administrations/s",
         r"peak memory\s+\d+ MB RSS", r"checked\s+every score rewritten"],
    ),
}
REFUSED = [r"figures differ", r"Traceback"]  # a report that disagrees with its SQL, an error


def environment(var_dir: Path, sizes: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_") and k != "DATABASE_URL"}
    env.update(sizes, DEBUG="true", PEERPATH_VAR_DIR=str(var_dir), PYTHONPATH=str(ROOT))
    env.pop("DATABASE_REPLICA_URL", None)
    return env


def main() -> int:
    found = sorted(p.name for p in BENCH.glob("*.py") if p.name != "smoke.py")
    missing = [name for name in found if name not in RUNS]
    if missing:
        print(f"no smoke run declared for {', '.join(missing)} (add it to RUNS in bench/smoke.py)")
        return 1
    work = Path(tempfile.mkdtemp(prefix="peerpath-bench-smoke-"))
    failed = []
    try:
        template = work / "template"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"],  # noqa: S603
                       env=environment(template, {}), check=True, cwd=ROOT)
        print(f"{'migrate (once, copied to each run)':<36} {time.perf_counter() - t0:6.1f} s")
        for name in found:
            sizes, expected = RUNS[name]
            var_dir = work / name.removesuffix(".py")
            shutil.copytree(template, var_dir)
            t0 = time.perf_counter()
            try:
                run = subprocess.run([sys.executable, str(BENCH / name)], env=environment(var_dir, sizes),  # noqa: S603
                                     cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False)
                output, code = run.stdout + run.stderr, run.returncode
            except subprocess.TimeoutExpired as exc:
                output, code = f"{exc.stdout or ''}{exc.stderr or ''}\ntimed out after {TIMEOUT} s", -1
            seconds = time.perf_counter() - t0
            problems = [f"exit status {code}"] if code else []
            problems += [f"no line matching {line!r}" for line in expected if not re.search(line, output)]
            problems += [f"printed {line!r}" for line in REFUSED if re.search(line, output)]
            settings = " ".join(f"{k}={v}" for k, v in sizes.items())
            print(f"{name:<36} {seconds:6.1f} s  {'ok' if not problems else 'FAILED'}  ({settings})")
            if problems:
                failed.append(name)
                print("  " + "; ".join(problems))
                print("  output (end):\n    " + "\n    ".join(output.strip().splitlines()[-25:]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failed:
        print(f"smoke run failed: {', '.join(failed)}")
        return 1
    print(f"every benchmark ran and printed its figures ({len(found)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
