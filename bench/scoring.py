"""Benchmark: the scoring engine on 1,000,000 synthetic responses to a 10-item instrument.

    make bench                                   # also runs bench/member_pages.py
    .venv/bin/python bench/scoring.py
    BENCH_RESPONSES=200000 .venv/bin/python bench/scoring.py
    .venv/bin/python bench/scoring.py --profile  # where the vectorised time goes

Scores the same random answers (a fixed seed; about 3% of answers missing, so
some responses are prorated and some cannot be scored) twice: with the vectorised
engine, ``score_responses`` on the whole n x 10 matrix (best of 3), and with a
per-response loop, ``score_one`` on each response of a sample (best of 3),
extrapolated to responses per second. The loop's results are checked against the
engine's. Prints both rates, their ratio and the peak memory against targets.
Not a test: figures vary with the machine. With a missed target (or
``--profile``) a cProfile summary of one vectorised run follows.
"""

from __future__ import annotations

import cProfile
import math
import os
import platform
import pstats
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from peerpath.measures.definitions import Instrument, load_library  # noqa: E402
from peerpath.measures.scoring import score_one, score_responses  # noqa: E402

N = int(os.environ.get("BENCH_RESPONSES", "1000000"))
LOOP_SAMPLE = int(os.environ.get("BENCH_LOOP_SAMPLE", "20000"))
INSTRUMENT = os.environ.get("BENCH_INSTRUMENT", "k10")  # a 10-item instrument: k10 or gses
MISSING_RATE = 0.03
SEED = 20261126
REPEAT = 3
TARGET_RATE = 500_000  # responses per second, vectorised
TARGET_RATIO = 50  # vectorised / per-response loop


def synthetic_answers(instrument: Instrument, n: int, seed: int = SEED) -> np.ndarray:
    """n random valid responses (n x items, nan = missing)."""
    rng = np.random.default_rng(seed)
    columns = []
    for item in instrument.items:
        values = np.array(instrument.response_sets[item.response_set].values)
        columns.append(rng.choice(values, size=n))
    matrix = np.column_stack(columns)
    matrix[rng.random(matrix.shape) < MISSING_RATE] = np.nan
    return matrix


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def as_dicts(instrument: Instrument, matrix: np.ndarray) -> list[dict[str, float]]:
    ids = [item.id for item in instrument.items]
    return [
        {i: v for i, v in zip(ids, row, strict=True) if not math.isnan(v)}
        for row in matrix.tolist()
    ]


def profile(instrument: Instrument, matrix: np.ndarray, top: int = 10) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    score_responses(instrument, matrix)
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in entries.values())
    print(f"profile of one vectorised run ({total:.3f} s of own time), by own time:")
    ranked = sorted(entries.items(), key=lambda e: e[1][2], reverse=True)[:top]
    for (filename, line, name), (_, calls, own, cumulative, _) in ranked:
        where = f"{Path(filename).name}:{line}" if line else "numpy/builtin"
        print(
            f"  {own:7.3f} s {100 * own / total:5.1f}%  (cumulative {cumulative:6.3f} s, "
            f"{calls} calls)  {name}  [{where}]"
        )


def main() -> None:
    instrument = load_library()[INSTRUMENT]
    assert len(instrument.items) == 10, f"{INSTRUMENT} has {len(instrument.items)} items, not 10"
    print(
        f"instrument: {instrument.short_name} ({len(instrument.items)} items), responses: {N:,}, "
        f"missing answers: {MISSING_RATE:.0%}; Python {platform.python_version()}, "
        f"NumPy {np.__version__}, {os.cpu_count()} CPUs"
    )
    t0 = time.perf_counter()
    matrix = synthetic_answers(instrument, N)
    print(f"build: {time.perf_counter() - t0:.2f} s ({matrix.nbytes / 2**20:.0f} MiB of answers)")

    score_responses(instrument, matrix[:1000])  # warm up
    vector_time = best_of(REPEAT, lambda: score_responses(instrument, matrix))
    vector_rate = N / vector_time

    sample_size = min(LOOP_SAMPLE, N)
    sample = as_dicts(instrument, matrix[:sample_size])
    score_one(instrument, sample[0])  # warm up
    loop_results: list[dict[str, object]] = []

    def loop() -> None:
        loop_results.clear()
        loop_results.extend(score_one(instrument, answers) for answers in sample)

    loop_time = best_of(REPEAT, loop)
    loop_rate = sample_size / loop_time

    # The loop and the engine must agree, or the comparison means nothing.
    engine = score_responses(instrument, matrix[:sample_size])
    for score in instrument.scores:
        looped = [r["scores"][score.id]["value"] for r in loop_results]  # type: ignore[index]
        values = np.array([math.nan if v is None else v for v in looped], dtype=float)
        assert np.array_equal(values, engine[score.id].value, equal_nan=True), score.id
    scored = int(engine[instrument.primary_score.id].valid.sum())

    ratio = vector_rate / loop_rate
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    rate_ok = vector_rate >= TARGET_RATE
    ratio_ok = ratio >= TARGET_RATIO
    print(
        f"vectorised   {vector_rate:12,.0f} responses/s  ({N:,} in {vector_time:.3f} s, best of "
        f"{REPEAT})  target ≥ {TARGET_RATE:,}/s  {'ok' if rate_ok else 'MISSED'}"
    )
    print(
        f"loop         {loop_rate:12,.0f} responses/s  (score_one on a sample of {sample_size:,} "
        f"in {loop_time:.3f} s, best of {REPEAT}; extrapolated, not run on all {N:,})"
    )
    print(
        f"ratio        {ratio:12,.0f} x   target ≥ {TARGET_RATIO} x  {'ok' if ratio_ok else 'MISSED'}"
    )
    print(
        f"checked      the loop's scores equal the engine's on the sample "
        f"({scored:,} of {sample_size:,} scorable)"
    )
    print(f"peak memory  {peak_mib:12,.0f} MiB (ru_maxrss of the whole run)")
    if not (rate_ok and ratio_ok):
        print("some targets were missed")
    if not rate_ok or "--profile" in sys.argv[1:]:
        profile(instrument, matrix)


if __name__ == "__main__":
    main()
