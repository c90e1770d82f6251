"""API endpoints of questionnaires: the instruments, completed questionnaires
(answers with their scores), scores, and entering a paper form.

Entering goes through ``measures.actions.record_paper_form`` (scored by the
engine, safety and deterioration flags raised as on the page) after the paper
form's own validation (``measures.forms.PaperForm``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.api import selectors
from peerpath.api.base import (
    ApiView,
    DateRangeQuery,
    ListApiView,
    StrictSerializer,
    date_bounds,
    parse_query,
)
from peerpath.measures import actions
from peerpath.measures.definitions import Instrument
from peerpath.measures.forms import PaperForm, format_value
from peerpath.measures.library import (
    interface_language,
    library,
    member_instrument,
    member_instruments,
)
from peerpath.measures.models import Mode, Reason, StoredScore
from peerpath.members.models import Language
from peerpath.tenancy.policy import Perm


def _band(instrument_id: str, score_id: str, band_index: int | None, language: str) -> str | None:
    instrument = library().get(instrument_id)
    if instrument is None or band_index is None:
        return None
    try:
        return instrument.score(score_id).bands[band_index].label.get(language)
    except (KeyError, IndexError):
        return None


# ---- instruments --------------------------------------------------------------------------------


class OptionSerializer(serializers.Serializer):
    value = serializers.FloatField()
    label = serializers.CharField()  # type: ignore[assignment]


class ItemSerializer(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField(allow_null=True, help_text="Null where the wording may not be redistributed.")
    options = OptionSerializer(many=True)


class ScoreDefinitionSerializer(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    primary = serializers.BooleanField()


class InstrumentSerializer(serializers.Serializer):
    id = serializers.CharField()
    version = serializers.IntegerField()
    short_name = serializers.CharField()
    name = serializers.CharField()
    items = ItemSerializer(many=True)
    scores = ScoreDefinitionSerializer(many=True)


def instrument_data(instrument: Instrument, language: str) -> dict[str, Any]:
    primary = instrument.primary_score.id
    return {
        "id": instrument.id,
        "version": instrument.version,
        "short_name": instrument.short_name,
        "name": instrument.name.get(language),
        "items": [
            {
                "id": item.id,
                "text": item.text.get(language) if item.text is not None else None,
                "options": [
                    {"value": o.value, "label": o.label.get(language)}
                    for o in instrument.response_sets[item.response_set].options
                ],
            }
            for item in instrument.items
        ],
        "scores": [{"id": s.id, "label": s.label.get(language), "primary": s.id == primary} for s in instrument.scores],
    }


class InstrumentListView(ListApiView):
    """The questionnaires answered by members: item ids and answer options, to enter a paper form."""

    perms = {"GET": Perm.MEASURE_VIEW}
    serializer_class = InstrumentSerializer
    pagination_class = None

    @extend_schema(responses=InstrumentSerializer(many=True))
    def get(self, request: Request) -> Response:
        language = interface_language()
        return Response([instrument_data(i, language) for i in member_instruments()])


# ---- completed questionnaires and scores --------------------------------------------------------


class ScoreSerializer(serializers.Serializer):
    score = serializers.CharField(source="score_id")
    value = serializers.FloatField(allow_null=True, help_text="Null: too many answers missing to score.")
    n_answered = serializers.IntegerField()
    prorated = serializers.BooleanField()
    band_index = serializers.IntegerField(allow_null=True)
    band = serializers.SerializerMethodField()
    flag = serializers.BooleanField(help_text="The band needs attention.")
    definition_version = serializers.IntegerField()

    def get_band(self, row: StoredScore) -> str | None:
        return _band(row.instrument_id, row.score_id, row.band_index, self.context["language"])


class ScoreRowSerializer(ScoreSerializer):
    """A score with the questionnaire it belongs to (the scores list)."""

    response = serializers.IntegerField(source="administration_id")
    member = serializers.CharField(source="member.code")
    instrument = serializers.CharField(source="instrument_id")
    taken_on = serializers.DateField()


class ResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.CharField(source="member.code")
    instrument = serializers.CharField(source="instrument_id")
    instrument_version = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=Mode.choices)
    reason = serializers.ChoiceField(choices=Reason.choices)
    language = serializers.ChoiceField(choices=Language.choices)
    taken_on = serializers.DateField()
    completed_at = serializers.DateTimeField(allow_null=True)
    answers = serializers.DictField(child=serializers.FloatField(), help_text="Item id → answer value.")
    scores = ScoreSerializer(many=True)


class ResponseQuery(DateRangeQuery):
    member = serializers.CharField(required=False, max_length=20, help_text="A member code.")
    instrument = serializers.CharField(required=False, max_length=40, help_text="An instrument id, e.g. phq9.")


class ScoreQuery(ResponseQuery):
    score = serializers.CharField(required=False, max_length=60, help_text="A score id, e.g. total.")


class ResponseListView(ListApiView):
    """Completed questionnaires with answers and scores, newest first; ``from``/``to`` filter the date answered."""

    perms = {"GET": Perm.MEASURE_VIEW}
    serializer_class = ResponseSerializer

    @extend_schema(parameters=[ResponseQuery], responses=ResponseSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(ResponseQuery, request)
        start, end = date_bounds(params)
        rows = selectors.completed_administrations(
            self.membership, member_code=params.get("member", ""), instrument_id=params.get("instrument", ""),
            start=start, end=end,
        )
        page = self.paginate_queryset(rows)
        self.audit_read(len(page or []))
        context = {"language": interface_language()}
        return self.get_paginated_response(ResponseSerializer(page, many=True, context=context).data)


class ResponseDetailView(ApiView):
    perms = {"GET": Perm.MEASURE_VIEW}
    serializer_class = ResponseSerializer

    @extend_schema(responses=ResponseSerializer)
    def get(self, request: Request, pk: int) -> Response:
        administration = selectors.get_administration(self.membership, pk)
        self.audit_read(1, target=administration, member=administration.member_id)
        return Response(ResponseSerializer(administration, context={"language": interface_language()}).data)


class ScoreListView(ListApiView):
    """Scores of completed questionnaires, newest first; ``from``/``to`` filter the date answered."""

    perms = {"GET": Perm.MEASURE_VIEW}
    serializer_class = ScoreRowSerializer

    @extend_schema(parameters=[ScoreQuery], responses=ScoreRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(ScoreQuery, request)
        start, end = date_bounds(params)
        rows = selectors.scores(
            self.membership, member_code=params.get("member", ""), instrument_id=params.get("instrument", ""),
            score_id=params.get("score", ""), start=start, end=end,
        )
        page = self.paginate_queryset(rows)
        self.audit_read(len(page or []))
        context = {"language": interface_language()}
        return self.get_paginated_response(ScoreRowSerializer(page, many=True, context=context).data)


# ---- entering a paper form ----------------------------------------------------------------------


class PaperFormSerializer(StrictSerializer):
    instrument = serializers.ChoiceField(choices=[])
    taken_on = serializers.DateField(help_text="The date the member answered.")
    reason = serializers.ChoiceField(choices=Reason.choices, default=Reason.PERIODIC)
    answers = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Item id → answer value (one of the item's option values); leave out or null for unanswered.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["instrument"] = serializers.ChoiceField(
            choices=[i.id for i in member_instruments()], help_text="An instrument id (see /api/v1/instruments/)."
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            instrument = member_instrument(attrs["instrument"])
        except Http404:
            raise ValidationError({"instrument": [_("Not a questionnaire for members.")]}) from None
        known = {item.id for item in instrument.items}
        unknown = sorted(k for k in attrs["answers"] if k not in known)
        if unknown:
            raise ValidationError({"answers": {k: [_("This questionnaire has no such item.")] for k in unknown}})
        data = {"taken_on": attrs["taken_on"], "reason": attrs["reason"]}
        data.update({f"item_{k}": format_value(v) for k, v in attrs["answers"].items() if v is not None})
        form = PaperForm(data=data, instrument=instrument, language=interface_language(),
                         enrolment=self.context["member"].enrolment_date)
        if not form.is_valid():
            errors: dict[str, Any] = {}
            for field, messages in form.errors.items():
                if field.startswith("item_"):
                    errors.setdefault("answers", {})[field[len("item_"):]] = [str(m) for m in messages]
                else:
                    errors["non_field_errors" if field == "__all__" else field] = [str(m) for m in messages]
            raise ValidationError(errors)
        return {"instrument": instrument.id, "answers": form.answers(), "taken_on": form.cleaned_data["taken_on"],
                "reason": form.cleaned_data["reason"]}


class MemberResponseCreateView(ApiView):
    """Enter a questionnaire answered on paper; it is scored at once."""

    perms = {"POST": Perm.MEASURE_RECORD}
    serializer_class = ResponseSerializer

    @extend_schema(request=PaperFormSerializer, responses={201: ResponseSerializer})
    def post(self, request: Request, code: str) -> Response:
        member = self.member(code, Perm.MEASURE_RECORD)
        incoming = PaperFormSerializer(data=request.data, context={"member": member})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            administration = actions.record_paper_form(
                self.membership, member, data["instrument"], answers=data["answers"], taken_on=data["taken_on"],
                reason=data["reason"], request=request._request,
            )
        except ValueError as exc:  # the scoring engine's own checks, naming the item
            raise ValidationError({"answers": [str(exc)]}) from None
        self.audit_write(target=administration, member=member.pk)
        administration = selectors.get_administration(self.membership, administration.pk)
        return Response(ResponseSerializer(administration, context={"language": interface_language()}).data,
                        status=status.HTTP_201_CREATED)
