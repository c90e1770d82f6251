"""Tasks for the worker's tests."""

from __future__ import annotations

from django_tasks import task


@task()
def always_fails(code: str) -> None:
    raise RuntimeError(f"failing on purpose ({code})")
