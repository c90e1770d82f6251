"""Timeline entries for completed questionnaires (clinical: hidden from peer leaders)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from peerpath.measures.library import interface_language, library
from peerpath.measures.models import Administration, AdministrationStatus, Reason, StoredScore
from peerpath.members.models import Member
from peerpath.members.timeline import TimelineEntry, Track, register


@register
def questionnaires(member: Member) -> list[TimelineEntry]:
    language = interface_language()
    rows = Administration.objects.for_org(member.organization).filter(
        member=member, status=AdministrationStatus.COMPLETED
    )
    scores: dict[tuple[int, str], StoredScore] = {
        (s.administration_id, s.score_id): s for s in StoredScore.objects.for_org(member.organization).filter(member=member)
    }  # one query whatever the history, so the page's query count stays fixed
    entries = []
    for a in rows:
        instrument = library().get(a.instrument_id)
        if instrument is None or a.taken_on is None:
            continue
        primary = instrument.primary_score
        stored = scores.get((a.pk, primary.id))
        detail = ""
        if stored is not None and stored.value is not None:
            value = int(stored.value) if float(stored.value).is_integer() else round(stored.value, 2)
            band = primary.bands[stored.band_index].label.get(language) if stored.band_index is not None else ""
            detail = f"{primary.label.get(language)} {value}" + (f" ({band})" if band else "")
        entries.append(
            TimelineEntry(
                date=a.taken_on,
                kind="questionnaire.completed",
                title=_("Questionnaire: %(name)s") % {"name": instrument.short_name},
                detail=detail,
                track=Track.PEER if a.reason == Reason.GROUP_SESSION else Track.PROFESSIONAL,
                clinical=True,
                sort_key=(str(a.completed_at or a.created_at),),
            )
        )
    return entries
