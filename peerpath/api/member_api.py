"""API endpoints of member records: members and their consents.

The same selectors, forms and actions as the member pages: the form's rules
validate every write (all-or-nothing, errors keyed by field), the actions write
and audit, and ``policy.member_visible_fields`` decides which fields a role sees
(peer leaders never get identifiers or clinical fields; they are left out).
"""

from __future__ import annotations

from typing import Any

from django.forms.models import model_to_dict
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.api.base import (
    ApiView,
    DateRangeQuery,
    ListApiView,
    StrictSerializer,
    date_bounds,
    form_errors,
    parse_query,
)
from peerpath.members import actions, selectors
from peerpath.members.forms import ConsentForm, MemberForm, NewMemberForm, WithdrawConsentForm
from peerpath.members.models import (
    Consent,
    ConsentKind,
    Gender,
    Language,
    Member,
    ReferralSource,
    Stage,
    Status,
)
from peerpath.tenancy.policy import Perm, can, member_visible_fields

# Fields some roles do not see: declared optional in the schema, left out for them.
RESTRICTED = ("national_id", "address", "emergency_contact", "diagnosis", "clinical_notes")
TEXT_FIELDS = ("name", "preferred_name", "phone", "email", "address", "emergency_contact", "national_id",
               "diagnosis", "clinical_notes")


# ---- read ---------------------------------------------------------------------------------------


class MemberSummarySerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    enrolment_date = serializers.DateField(read_only=True)
    stage = serializers.ChoiceField(
        choices=Stage.choices, source="current_stage", read_only=True, allow_null=True,
        help_text="Current recovery stage (null: not assessed yet).",
    )


class MemberSerializer(MemberSummarySerializer):
    """A member as the token's role may see it."""

    preferred_name = serializers.CharField(read_only=True)
    birth_year = serializers.IntegerField(read_only=True, allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, read_only=True)
    preferred_language = serializers.ChoiceField(choices=Language.choices, read_only=True)
    referral_source = serializers.ChoiceField(choices=ReferralSource.choices, read_only=True)
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    national_id = serializers.CharField(required=False, help_text="Identifier: not for peer leaders.")
    address = serializers.CharField(required=False, help_text="Identifier: not for peer leaders.")
    emergency_contact = serializers.CharField(required=False, help_text="Identifier: not for peer leaders."
    )
    diagnosis = serializers.CharField(required=False, help_text="Clinical: not for peer leaders.")
    clinical_notes = serializers.CharField(required=False, help_text="Clinical: not for peer leaders.")

    def to_representation(self, instance: Member) -> dict[str, Any]:
        for name in hidden_fields(self.context["membership"]):
            self.fields.pop(name, None)
        data: dict[str, Any] = super().to_representation(instance)
        return data


# ---- write --------------------------------------------------------------------------------------


def hidden_fields(membership: Any) -> list[str]:
    """Member fields the membership may not see (left out of the API's answers)."""
    visible = member_visible_fields(membership)
    return [f for f in RESTRICTED if f not in visible]


def _text(required: bool = False, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=required, allow_blank=not required, max_length=2000, **kwargs)


class MemberWriteSerializer(StrictSerializer):
    """The fields of the member form (types here; the form's own rules in ``validate``)."""

    name = _text()
    preferred_name = _text()
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1800, max_value=2200)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    preferred_language = serializers.ChoiceField(choices=Language.choices, required=False)
    enrolment_date = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    referral_source = serializers.ChoiceField(choices=ReferralSource.choices, required=False)
    phone = _text()
    email = _text()
    address = _text()
    emergency_contact = _text()
    national_id = _text()
    diagnosis = _text()
    clinical_notes = _text()


class MemberCreateSerializer(MemberWriteSerializer):
    name = _text(required=True)
    enrolment_date = serializers.DateField()
    stage = serializers.ChoiceField(
        choices=Stage.choices, required=False, allow_blank=True,
        help_text="Recovery stage at enrolment (leave out if not assessed yet).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        data = {"gender": Gender.UNDISCLOSED, "referral_source": ReferralSource.OTHER, "status": Status.ACTIVE,
                "preferred_language": Language.ZH_HANT, **attrs}
        form = NewMemberForm(data=_form_data(data))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return dict(form.cleaned_data)


class MemberUpdateSerializer(MemberWriteSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        member: Member = self.context["member"]
        current = model_to_dict(member, fields=MemberForm.Meta.fields)
        form = MemberForm(data=_form_data({**current, **attrs}), instance=member)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return {name: form.cleaned_data[name] for name in form.changed_data}


def _form_data(values: dict[str, Any]) -> dict[str, Any]:
    """Serializer values as a form reads them (empty text as "")."""
    return {k: ("" if v is None else v) for k, v in values.items() if v is not None or k in TEXT_FIELDS}


class MemberQuery(DateRangeQuery):
    status = serializers.ChoiceField(choices=Status.choices, required=False)


# ---- views --------------------------------------------------------------------------------------


class MemberListView(ListApiView):
    """Members of the token's organisation, by code; ``from``/``to`` filter the enrolment date."""

    perms = {"GET": Perm.MEMBER_LIST, "POST": Perm.MEMBER_CREATE}
    serializer_class = MemberSummarySerializer

    @extend_schema(parameters=[MemberQuery], responses=MemberSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(MemberQuery, request)
        start, end = date_bounds(params)
        members = selectors.member_list(self.membership, status=params.get("status", ""))
        if start is not None:
            members = members.filter(enrolment_date__gte=start)
        if end is not None:
            members = members.filter(enrolment_date__lte=end)
        page = self.paginate_queryset(members)
        self.audit_read(len(page or []))
        return self.get_paginated_response(MemberSummarySerializer(page, many=True).data)

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def post(self, request: Request) -> Response:
        membership = self.membership
        incoming = MemberCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        stage = data.pop("stage", "") or ""
        member = actions.create_member(membership, data, stage=stage, request=request._request)
        self.audit_write(target=member)
        member.current_stage = stage or None  # type: ignore[attr-defined]
        return Response(MemberSerializer(member, context={"membership": membership}).data,
                        status=status.HTTP_201_CREATED)


class MemberDetailView(ApiView):
    """One member by code (404 for a code of another organisation)."""

    perms = {"GET": Perm.MEMBER_VIEW, "PATCH": Perm.MEMBER_EDIT}
    serializer_class = MemberSerializer

    def _read(self, code: str) -> Member:
        member = self.member(code, Perm.MEMBER_VIEW)
        return (
            Member.objects.for_org(self.membership.organization)
            .defer(*hidden_fields(self.membership))
            .annotate(current_stage=selectors.current_stage_subquery())
            .get(pk=member.pk)
        )

    @extend_schema(responses=MemberSerializer)
    def get(self, request: Request, code: str) -> Response:
        member = self._read(code)
        self.audit_read(1, target=member)
        return Response(MemberSerializer(member, context={"membership": self.membership}).data)

    @extend_schema(request=MemberUpdateSerializer, responses=MemberSerializer)
    def patch(self, request: Request, code: str) -> Response:
        membership = self.membership
        member = self.member(code, Perm.MEMBER_EDIT)
        incoming = MemberUpdateSerializer(data=request.data, context={"member": member}, partial=True)
        incoming.is_valid(raise_exception=True)
        member.refresh_from_db()  # the form wrote the new values onto the instance
        changed = actions.update_member(membership, member, dict(incoming.validated_data), request=request._request)
        if changed:
            self.audit_write(target=member, fields=sorted(changed))
        return Response(MemberSerializer(self._read(code), context={"membership": membership}).data)


# ---- consents -----------------------------------------------------------------------------------


class ConsentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=ConsentKind.choices, read_only=True)
    version = serializers.CharField(read_only=True)
    given_on = serializers.DateField(read_only=True)
    withdrawn_on = serializers.DateField(read_only=True, allow_null=True)
    in_force = serializers.BooleanField(read_only=True)
    note = serializers.CharField(required=False, help_text="Only for roles that record consent.")

    def to_representation(self, instance: Consent) -> dict[str, Any]:
        if not can(self.context["membership"], Perm.CONSENT_RECORD):
            self.fields.pop("note", None)
        data: dict[str, Any] = super().to_representation(instance)
        return data


class ConsentCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    version = serializers.CharField(max_length=40)
    given_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        form = ConsentForm(data=attrs, member=self.context["member"])
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return dict(form.cleaned_data)


class ConsentWithdrawSerializer(StrictSerializer):
    withdrawn_on = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        form = WithdrawConsentForm(data=attrs, given_on=self.context["consent"].given_on)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return dict(form.cleaned_data)


class ConsentListView(ListApiView):
    """A member's consents, newest first (each kind's latest one is the one in force unless withdrawn)."""

    perms = {"GET": Perm.MEMBER_VIEW, "POST": Perm.CONSENT_RECORD}
    serializer_class = ConsentSerializer

    @extend_schema(responses=ConsentSerializer(many=True))
    def get(self, request: Request, code: str) -> Response:
        member = self.member(code, Perm.MEMBER_VIEW)
        page = self.paginate_queryset(selectors.consents_of(member))
        self.audit_read(len(page or []), target=member)
        return self.get_paginated_response(ConsentSerializer(page, many=True, context={"membership": self.membership}).data)

    @extend_schema(request=ConsentCreateSerializer, responses={201: ConsentSerializer})
    def post(self, request: Request, code: str) -> Response:
        member = self.member(code, Perm.CONSENT_RECORD)
        incoming = ConsentCreateSerializer(data=request.data, context={"member": member})
        incoming.is_valid(raise_exception=True)
        consent = actions.record_consent(self.membership, member, request=request._request, **incoming.validated_data)
        self.audit_write(target=consent)
        return Response(ConsentSerializer(consent, context={"membership": self.membership}).data,
                        status=status.HTTP_201_CREATED)


class ConsentWithdrawView(ApiView):
    """Record the withdrawal of a consent in force."""

    perms = {"POST": Perm.CONSENT_RECORD}
    serializer_class = ConsentSerializer

    @extend_schema(request=ConsentWithdrawSerializer, responses=ConsentSerializer)
    def post(self, request: Request, code: str, pk: int) -> Response:
        member = self.member(code, Perm.CONSENT_RECORD)
        consent = selectors.get_consent(self.membership, member, pk)
        if not consent.in_force:
            raise ValidationError({"withdrawn_on": [_("This consent was already withdrawn.")]})
        incoming = ConsentWithdrawSerializer(data=request.data, context={"consent": consent})
        incoming.is_valid(raise_exception=True)
        consent = actions.withdraw_consent(self.membership, consent, request=request._request, **incoming.validated_data)
        self.audit_write(target=consent)
        return Response(ConsentSerializer(consent, context={"membership": self.membership}).data)
