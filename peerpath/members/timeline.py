"""The member timeline: one chronological view of everything both tracks record.

Each domain app registers a *provider*: a function that takes a member and
returns its ``Source`` objects, lazily: a queryset of the member's rows (not yet
read), the expressions giving each row's date and time, the columns the entry
needs, and a function that turns those columns into a ``TimelineEntry``. The
timeline reads every provider's sources in **one** ``UNION ALL`` query, newest
first, limited to the window asked for (``before`` a cursor, at most ``limit``
entries), so that a page of the timeline costs the same whatever the length of
the member's history. Clinical sources (or rows) are left out in SQL for roles
without clinical access, and when the caller asks for none (``clinical=False``,
e.g. a member progress report without the clinical details); free-text details
marked private are blanked for those roles.

A source's ``render`` may return None for a row that makes no entry (a saved
version of the member's details that changed nothing shown): the page then shows
one entry fewer, and "Show earlier" goes on from there. A ``render`` must not
depend on the member it was made for (the timeline keeps one per source and
language, made for a stand-in member): the member's id is in the row's
``_member``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import (
    CharField,
    DateField,
    DateTimeField,
    Expression,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import JSONObject, TruncDate
from django.utils.dateparse import parse_datetime

from peerpath.members import precompiled
from peerpath.members.models import Member
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can

PAGE_SIZE = 25  # entries on the member page; "Show earlier" loads as many again


class Track:
    PROFESSIONAL = "professional"
    PEER = "peer"
    ADMIN = "admin"


TRACKS = (Track.PROFESSIONAL, Track.PEER, Track.ADMIN)


@dataclass(frozen=True)
class TimelineEntry:
    date: dt.date
    kind: str  # a short machine name, e.g. "consent.given"; also a CSS class
    title: str  # already translated
    track: str = Track.ADMIN
    detail: str = ""
    by: str = ""
    clinical: bool = False  # the whole entry is hidden from roles without clinical access
    private_detail: bool = False  # free-text detail hidden from those roles (the entry stays)
    # Set by the timeline: (time within the day, source, row id), the order and the cursor.
    sort_key: tuple[Any, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Source:
    """One kind of entry read from one table, for one member.

    ``queryset`` is filtered to the member (and organisation) and never evaluated
    here; ``date`` gives the entry's date (a date expression, e.g. ``F("joined_on")``
    or ``TruncDate("raised_at")``), ``at`` the time that orders entries of the same
    day (a datetime expression, usually ``F("created_at")``). ``columns`` are read
    (as JSON) and passed to ``render`` as a dict, with ``_date`` (the entry's date),
    ``_track`` and ``_member`` (the member's id; ``render`` must use it rather than
    the member the provider was called with, see ``_renderers``). ``track`` is the entry's track, or
    an expression giving it per row; ``clinical`` is true when every entry is
    clinical, or a ``Q`` matching the rows that are.
    """

    name: str  # unique across sources, e.g. "groups.session"
    queryset: QuerySet[Any]
    date: Any
    render: Callable[[dict[str, Any]], TimelineEntry | None]
    columns: dict[str, Any] = field(default_factory=dict)
    at: Any = field(default_factory=lambda: F("created_at"))
    track: str | Expression = Track.ADMIN
    clinical: bool | Q = False
    # A window of the timeline reads at most a window's newest rows of the source
    # (``_newest``): for a source whose rows carry per-row subqueries (they then
    # run for the rows kept only) or of which a member gathers many more rows
    # than a window, that an index on (member, date) serves. Not for a source of a
    # few rows a member: the limit is a sort more, which costs more than it saves.
    limited: bool = False


@dataclass(frozen=True)
class Cursor:
    """Where a page of the timeline ends: entries strictly older are on the next."""

    date: dt.date
    at: dt.datetime
    source: str
    pk: int

    def __str__(self) -> str:
        return f"{self.date.isoformat()}~{self.at.isoformat()}~{self.source}~{self.pk}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """The cursor of a "Show earlier" link, or None when it is not one."""
        try:
            day, at, source, pk = text.split("~")
            moment = parse_datetime(at)
            if moment is None:
                return None
            return cls(dt.date.fromisoformat(day), moment, source, int(pk))
        except ValueError:
            return None

    def q(self, source: str, date: str = "tl_date", at: str = "tl_at", pk: str = "pk") -> Q:
        """Rows of ``source`` older than this cursor, in timeline order
        (date, time, source name, row id; all descending)."""
        same_moment = Q(**{date: self.date, at: self.at})
        if source < self.source:
            tie = same_moment
        elif source == self.source:
            tie = same_moment & Q(**{f"{pk}__lt": self.pk})
        else:
            tie = Q(pk__in=[])
        return Q(**{f"{date}__lt": self.date}) | Q(**{date: self.date, f"{at}__lt": self.at}) | tie


@dataclass(frozen=True)
class Window:
    """What a timeline read asks for: entries older than ``before`` (all when None),
    at most ``limit`` (all when None), of one ``track`` (all when empty), clinical
    ones only when ``clinical``."""

    before: Cursor | None = None
    limit: int | None = None
    track: str = ""
    clinical: bool = True


Provider = Callable[[Member], Iterable[Source]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Decorator: add a provider (apps do this in ``AppConfig.ready``)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def _branch(source: Source, window: Window) -> QuerySet[Any] | None:
    """The source's rows in the window, as the union's columns; None when none can be."""
    if source.clinical is True and not window.clinical:
        return None
    if isinstance(source.track, str) and window.track and source.track != window.track:
        return None
    qs = source.queryset.annotate(
        tl_date=ExpressionWrapper(source.date, output_field=DateField()),
        tl_at=ExpressionWrapper(source.at, output_field=DateTimeField()),
        tl_src=Value(source.name, output_field=CharField()),
        tl_data=JSONObject(tl_pk=F("pk"), **source.columns),
        tl_track=Value(source.track, output_field=CharField()) if isinstance(source.track, str) else source.track,
    )
    if isinstance(source.clinical, Q) and not window.clinical:
        qs = qs.exclude(source.clinical)
    if window.track and not isinstance(source.track, str):
        qs = qs.filter(tl_track=window.track)
    if window.before is not None:
        qs = qs.filter(window.before.q(source.name))
    return qs.order_by().values_list("tl_date", "tl_at", "tl_src", "pk", "tl_track", "tl_data")


def _newest(qs: QuerySet[Any], source: Source, limit: int) -> QuerySet[Any]:
    """At most ``limit`` of the source's rows, its newest in timeline order: a window
    of ``limit`` entries holds no older row of this source, so the union reads and
    sorts at most ``limit`` rows of it, not the member's whole history of it, and a
    row's per-row subqueries (a questionnaire's score) run only for those rows
    (PostgreSQL evaluates such columns after the branch's limit). For the sources
    marked ``limited``: on PostgreSQL each limited branch is a sort more (some
    10 µs), more than a source of a few rows a member saves.

    The branch is ordered by the source's date, time and id, newest first (its
    rows share the source's name), and limited: PostgreSQL takes the branch's
    ``ORDER BY ... LIMIT`` in parentheses, which an index on (member, date) serves
    (it reads that many index entries and stops); SQLite allows neither in a
    compound statement, so there the branch keeps the rows whose ids a limited
    subquery gives. A source whose date is the local date of its time
    (``local_date``) is ordered by the time alone: the same order, as the local
    date goes on with the time (except where a time zone's clocks go back across
    midnight), and one an index on (member, time) serves."""
    order = ["-tl_at", "-pk"] if _dated_by_time(source) else ["-tl_date", "-tl_at", "-pk"]
    if connections[qs.db].features.supports_slicing_ordering_in_compound:
        return qs.order_by(*order)[:limit]
    return qs.filter(pk__in=qs.order_by(*order).values("pk")[:limit])


def _dated_by_time(source: Source) -> bool:
    date = source.date
    return isinstance(date, TruncDate) and date.get_source_expressions()[0] == source.at


def _union(member: Member, window: Window) -> QuerySet[Any] | None:
    sources = [s for provider in _providers for s in provider(member)]
    found = [(s, b) for s in sources if (b := _branch(s, window)) is not None]
    if not found:
        return None
    limit = window.limit
    branches = [_newest(b, s, limit) if limit is not None and s.limited and len(found) > 1 else b
                for s, b in found]
    union = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    union = union.order_by("-tl_date", "-tl_at", "-tl_src", "-pk")
    return union[: window.limit] if window.limit is not None else union


# Building the union (some 30 branches of annotated querysets) and compiling it to
# SQL costs more than running it, and so does planning it on PostgreSQL. Its SQL
# depends only on the window's shape, not on the member or the cursor's values: it
# is compiled once per shape (``precompiled``). The window the member page opens
# with (no cursor, both tracks, a page: one shape with clinical entries, one without) is
# run as a prepared statement: each keeps its plans in the database server's
# process (some 2.7 MB), so the other shapes (a track, "Show earlier": dozens) are
# planned on each run.
def _rows(member: Member, window: Window) -> list[tuple[Any, ...]]:
    """The union's rows for ``member``: its compiled SQL with the member's and the
    cursor's values."""
    cursor = window.before
    key = ("members.timeline", cursor.source if cursor else None, window.limit, window.track, window.clinical,
           tuple(_providers))
    values: dict[str, Any] = {"member": member.pk, "org": member.organization_id}
    if cursor is not None:
        values.update(day=cursor.date, at=cursor.at, pk=cursor.pk)

    def build(member: int, org: int, day: dt.date | None = None, at: dt.datetime | None = None,
              pk: int | None = None) -> QuerySet[Any] | None:
        before = None if cursor is None else Cursor(day, at, cursor.source, pk)  # type: ignore[arg-type]
        return _union(Member(pk=member, organization_id=org), replace(window, before=before))

    return [(on, at, name, pk, track, json.loads(data) if isinstance(data, str | bytes) else data)
            for on, at, name, pk, track, data in precompiled.rows(
                key, build, values, prepared=cursor is None and not window.track and window.limit is not None)]


# Calling the providers builds every source's queryset (some 30 of them), which
# costs more than the timeline's query: the providers are called only to get each
# source's ``render``, once per language (a provider may translate when called)
# and set of providers, for a stand-in member. A ``render`` reads the member from
# the row (``_member``), never from the member its provider was called with.
_RENDERERS: dict[tuple[Any, ...], dict[str, Callable[[dict[str, Any]], TimelineEntry | None]]] = {}


def _renderers() -> dict[str, Callable[[dict[str, Any]], TimelineEntry | None]]:
    from django.utils.translation import get_language

    key = (get_language(), tuple(_providers))
    found = _RENDERERS.get(key)
    if found is None:
        stand_in = Member(pk=-740_001, organization_id=-740_002)
        found = _RENDERERS[key] = {s.name: s.render for provider in _providers for s in provider(stand_in)}
    return found


def read_window(member: Member, window: Window) -> list[tuple[Cursor, TimelineEntry | None]]:
    """The rows of the window, newest first, each with its position (a cursor) and
    its entry (None for a row that makes none, or that the window leaves out): one
    query for every source."""
    renderers = _renderers()
    rows = _rows(member, window)
    found: list[tuple[Cursor, TimelineEntry | None]] = []
    for on, at, name, pk, track, data in rows:
        position = Cursor(_date(on), _moment(at), name, pk)
        data = {**data, "_date": position.date, "_track": track, "_member": member.pk}
        entry = renderers[name](data)
        if entry is not None:
            # A row whose clinical nature shows only once read (details updated)
            # is left out here.
            entry = None if entry.clinical and not window.clinical else replace(
                entry, date=position.date, track=track, sort_key=(position.at, name, pk))
        found.append((position, entry))
    return found


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _moment(value: Any) -> Any:
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def may_see_clinical(membership: Membership, clinical: bool = True) -> bool:
    return clinical and can(membership, Perm.MEMBER_VIEW_CLINICAL)


def _shown(entries: list[TimelineEntry], show_clinical: bool) -> list[TimelineEntry]:
    if show_clinical:
        return entries
    return [replace(e, detail="") if e.private_detail else e for e in entries]


@dataclass(frozen=True)
class Page:
    entries: list[TimelineEntry]
    next: Cursor | None  # where the next ("Show earlier") page starts; None: no more


def timeline_page(
    member: Member, membership: Membership, *, before: Cursor | None = None, limit: int = PAGE_SIZE,
    track: str = "",
) -> Page:
    """One page of the timeline, newest first: ``limit`` entries older than
    ``before``, and the cursor of the next page (None at the start of the history)."""
    show_clinical = may_see_clinical(membership)
    window = Window(before=before, limit=limit + 1, track=track if track in TRACKS else "", clinical=show_clinical)
    rows = read_window(member, window)
    entries: list[TimelineEntry] = []
    cursor = None
    for position, entry in rows:
        if len(entries) == limit:
            break
        if entry is not None:
            entries.append(entry)
        cursor = position
    if len(rows) <= limit:
        cursor = None  # the window held the rest of the history
    return Page(_shown(entries, show_clinical), cursor)


def build_timeline(member: Member, membership: Membership, *, clinical: bool = True) -> list[TimelineEntry]:
    """Every entry of the member's history, newest first. Clinical entries and
    private details are shown only to roles with clinical access, and only when
    ``clinical`` is true (false: left out whatever the viewer may see)."""
    show_clinical = may_see_clinical(membership, clinical)
    entries = [e for _, e in read_window(member, Window(clinical=show_clinical)) if e is not None]
    return _shown(entries, show_clinical)


def local_date(name: str) -> TruncDate:
    """The local date of a datetime column (the timeline's date of an event that
    has a time)."""
    return TruncDate(name)


def parse_moment(value: Any) -> dt.datetime | None:
    """A datetime read from a source's JSON columns (ISO text on every database)."""
    moment = _moment(value) if value else None
    return moment if isinstance(moment, dt.datetime) else None


# -- helpers for providers ---------------------------------------------------------


def staff_columns(key: str, path: str) -> dict[str, Any]:
    """The columns ``staff_name`` needs to name the staff user at ``path``."""
    return {f"{key}_first": F(f"{path}__first_name"), f"{key}_last": F(f"{path}__last_name"),
            f"{key}_user": F(f"{path}__username")}


def staff_name(data: dict[str, Any], key: str) -> str:
    """The staff user's name as the interface shows it (``display_name``); empty
    when there is none (a nullable foreign key)."""
    if not data.get(f"{key}_user"):
        return ""
    return _display_name(data.get(f"{key}_first") or "", data.get(f"{key}_last") or "", data[f"{key}_user"])


@lru_cache(maxsize=4096)
def _display_name(first: str, last: str, username: str) -> str:
    """``display_name`` of a user with these names (a function of them alone: the
    same few staff sign most entries, and making a user object costs more)."""
    from django.contrib.auth import get_user_model

    from peerpath.tenancy.models import display_name

    return display_name(get_user_model()(first_name=first, last_name=last, username=username))


def label(model: Any, field_name: str, value: Any) -> str:
    """The display label of a choice value of ``model.field_name``."""
    choices = dict(model._meta.get_field(field_name).flatchoices)
    return str(choices.get(value, value))


def day(value: Any) -> dt.date | None:
    """A date read from a source's JSON columns."""
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def plain(value: Any) -> str:
    """The plaintext of an encrypted column read into a source's JSON columns (the
    JSON carries the stored ciphertext: ``EncryptedTextField`` decrypts only in
    ``from_db_value``)."""
    from peerpath.members.fields import cipher

    return cipher().decrypt(value) if value else ""
