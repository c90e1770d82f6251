"""One decorator for write actions that other actions compose.

Every write action is one durable transaction with its audit entry. An action
that composes others (enrolling a referral creates a member and records the
consent given at intake) calls their ``.within`` form, which joins the caller's
transaction instead, so that the whole lands or none of it does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Generic, ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")


class DurableAction(Generic[P, R]):
    def __init__(self, fn: Callable[P, R]) -> None:
        wraps(fn)(self)
        self._durable = transaction.atomic(durable=True)(fn)
        self.within: Callable[P, R] = transaction.atomic(fn)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._durable(*args, **kwargs)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:  # plain functions only; no binding
        return self


def durable_action(fn: Callable[P, R]) -> DurableAction[P, R]:
    """``@durable_action``: call it for its own durable transaction, or
    ``action.within(...)`` inside another action's transaction."""
    return DurableAction(fn)
