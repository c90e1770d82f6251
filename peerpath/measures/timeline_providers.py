"""Timeline entries for completed questionnaires (clinical: hidden from peer leaders)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, CharField, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from peerpath.measures.library import interface_language, library
from peerpath.measures.models import Administration, AdministrationStatus, Reason, StoredScore
from peerpath.members.models import Member
from peerpath.members.timeline import Source, TimelineEntry, Track, register


def _primary_score(column: str) -> Subquery:
    """A column of the administration's primary score (which score is primary
    depends on the instrument, so the subquery matches it per instrument)."""
    primary = Case(
        *[When(instrument_id=i.id, then=Value(i.primary_score.id)) for i in library().values()],
        default=Value(""), output_field=CharField(),
    )
    rows = StoredScore.objects.filter(administration=OuterRef("pk")).alias(primary=primary).filter(
        score_id=F("primary"))
    return Subquery(rows.values(column)[:1])


@register
def questionnaires(member: Member) -> list[Source]:
    language = interface_language()
    rows = Administration.objects.filter(
        organization_id=member.organization_id, member=member, status=AdministrationStatus.COMPLETED,
        taken_on__isnull=False, instrument_id__in=list(library()),
    )

    def render(d: dict[str, Any]) -> TimelineEntry:
        instrument = library()[d["instrument"]]
        primary = instrument.primary_score
        detail = ""
        if d["value"] is not None:
            value = int(d["value"]) if float(d["value"]).is_integer() else round(d["value"], 2)
            band = primary.bands[d["band"]].label.get(language) if d["band"] is not None else ""
            detail = f"{primary.label.get(language)} {value}" + (f" ({band})" if band else "")
        return TimelineEntry(
            date=d["_date"], kind="questionnaire.completed",
            title=_("Questionnaire: %(name)s") % {"name": instrument.short_name}, detail=detail, clinical=True,
        )

    track = Case(When(reason=Reason.GROUP_SESSION, then=Value(Track.PEER)), default=Value(Track.PROFESSIONAL),
                 output_field=CharField())
    return [Source(
        name="questionnaire.completed", queryset=rows, date=F("taken_on"), at=Coalesce(F("completed_at"), F("created_at")),
        columns={"instrument": F("instrument_id"), "value": _primary_score("value"), "band": _primary_score("band_index")},
        track=track, clinical=True, render=render,
        limited=True,  # two score subqueries a row; a member answers one or more a month
    )]
