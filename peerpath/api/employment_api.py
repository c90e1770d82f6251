"""API endpoints of the professional track's records: jobs and support contacts
(read across the organisation; a job start and a support contact written through
the employment app's forms and actions, as on its pages).

What only clinical staff see on the pages (wages, job accommodations, lessons of
a job ending, support notes) is left out for other roles here too, and never
loaded from the database for them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
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
    form_errors,
    parse_query,
)
from peerpath.employment import actions
from peerpath.employment import selectors as employment_selectors
from peerpath.employment.forms import JobForm, SupportContactForm
from peerpath.employment.models import (
    JOB_DISCLOSURES,
    EndingReason,
    Job,
    Sector,
    SupportContact,
    SupportKind,
    SupportPlace,
    SupportTrack,
)
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm, can

HOURS: dict[str, Any] = {"max_digits": 4, "decimal_places": 1, "coerce_to_string": False}
MONEY: dict[str, Any] = {"max_digits": 9, "decimal_places": 2, "coerce_to_string": False}
CLINICAL = "Clinical roles only (left out for others)."


def _clinical(serializer: serializers.Serializer) -> bool:
    membership: Membership = serializer.context["membership"]
    return employment_selectors.clinical(membership)


# ---- jobs ---------------------------------------------------------------------------------------


class EmployerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EndingSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.ChoiceField(choices=EndingReason.choices)
    planned = serializers.BooleanField()
    lessons = serializers.CharField(required=False, help_text=CLINICAL)


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.CharField(source="member.code")
    employer = EmployerRefSerializer()
    title = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    hours_per_week = serializers.DecimalField(**HOURS)
    hourly_wage = serializers.DecimalField(required=False, allow_null=True, help_text=CLINICAL, **MONEY)
    currency = serializers.CharField()
    in_community = serializers.BooleanField()
    open_to_anyone = serializers.BooleanField()
    minimum_wage_or_more = serializers.BooleanField()
    competitive = serializers.BooleanField(source="is_competitive", help_text="Meets all three IPS criteria.")
    disclosure = serializers.ChoiceField(choices=JOB_DISCLOSURES)
    accommodations = serializers.CharField(required=False, help_text=CLINICAL)
    ending = serializers.SerializerMethodField()

    def to_representation(self, instance: Job) -> dict[str, Any]:
        if not _clinical(self):
            for name in employment_selectors.CLINICAL_JOB_FIELDS:
                self.fields.pop(name, None)
        data: dict[str, Any] = super().to_representation(instance)
        return data

    @extend_schema_field(EndingSerializer(allow_null=True))
    def get_ending(self, job: Job) -> dict[str, Any] | None:
        ending: Any = getattr(job, "ending", None)  # a job without an ending has none
        if ending is None:
            return None
        data = {"ended_on": ending.ended_on, "reason": ending.reason, "planned": ending.planned}
        if _clinical(self):
            data["lessons"] = ending.lessons
        result: dict[str, Any] = EndingSerializer(data).data
        return result


class JobQuery(DateRangeQuery):
    member = serializers.CharField(required=False, max_length=20, help_text="A member code.")


class JobCreateSerializer(StrictSerializer):
    """The job start form: an employer of the list (``employer``) or a new one
    (``new_employer_name`` and ``new_employer_sector``)."""

    employer = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    new_employer_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    new_employer_sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=120)
    start_date = serializers.DateField()
    hours_per_week = serializers.DecimalField(**HOURS)
    hourly_wage = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    in_community = serializers.BooleanField(default=False)
    open_to_anyone = serializers.BooleanField(default=False)
    minimum_wage_or_more = serializers.BooleanField(default=False)
    disclosure = serializers.ChoiceField(choices=JOB_DISCLOSURES)
    accommodations = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        membership = self.context["membership"]
        form = JobForm(data={k: v for k, v in attrs.items() if v is not None}, member=self.context["member"],
                       employers=employment_selectors.employers_for_choice(membership))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return {"employer": form.cleaned_data["employer"], "new_employer": form.new_employer(), **form.job_fields()}


class JobListView(ListApiView):
    """Jobs of the organisation, newest start first; ``from``/``to`` filter the start date."""

    perms = {"GET": Perm.EMPLOYMENT_VIEW}
    serializer_class = JobSerializer

    @extend_schema(parameters=[JobQuery], responses=JobSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(JobQuery, request)
        start, end = date_bounds(params)
        rows = selectors.jobs(self.membership, member_code=params.get("member", ""), start=start, end=end)
        page = self.paginate_queryset(rows)
        self.audit_read(len(page or []))
        return self.get_paginated_response(JobSerializer(page, many=True, context={"membership": self.membership}).data)


class MemberJobCreateView(ApiView):
    """Record a job start (with a new employer when one is named: all or nothing)."""

    perms = {"POST": Perm.EMPLOYMENT_RECORD}
    serializer_class = JobSerializer

    @extend_schema(request=JobCreateSerializer, responses={201: JobSerializer})
    def post(self, request: Request, code: str) -> Response:
        membership = self.membership
        member = self.member(code, Perm.EMPLOYMENT_RECORD)
        incoming = JobCreateSerializer(data=request.data, context={"member": member, "membership": membership})
        incoming.is_valid(raise_exception=True)
        fields = dict(incoming.validated_data)
        try:
            job = actions.start_job(membership, member, employer=fields.pop("employer"),
                                    new_employer=fields.pop("new_employer"), request=request._request, **fields)
        except ValueError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        self.audit_write(target=job, member=member.pk)
        job = selectors.jobs(membership).get(pk=job.pk)
        return Response(JobSerializer(job, context={"membership": membership}).data, status=status.HTTP_201_CREATED)


# ---- support contacts ---------------------------------------------------------------------------


class SupportContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.CharField(source="member.code")
    contacted_on = serializers.DateField()
    track = serializers.ChoiceField(choices=SupportTrack.choices)
    kind = serializers.ChoiceField(choices=SupportKind.choices)
    place = serializers.ChoiceField(choices=SupportPlace.choices)
    minutes = serializers.IntegerField()
    job = serializers.IntegerField(source="job_id", allow_null=True)
    note = serializers.CharField(required=False, help_text=CLINICAL)

    def to_representation(self, instance: SupportContact) -> dict[str, Any]:
        if not _clinical(self):
            self.fields.pop("note", None)
        data: dict[str, Any] = super().to_representation(instance)
        return data


class SupportContactQuery(DateRangeQuery):
    member = serializers.CharField(required=False, max_length=20, help_text="A member code.")
    track = serializers.ChoiceField(choices=SupportTrack.choices, required=False)


class SupportContactCreateSerializer(StrictSerializer):
    """The support contact form. Peer leaders log peer-track contacts only."""

    contacted_on = serializers.DateField()
    track = serializers.ChoiceField(choices=SupportTrack.choices)
    kind = serializers.ChoiceField(choices=SupportKind.choices)
    place = serializers.ChoiceField(choices=SupportPlace.choices)
    minutes = serializers.IntegerField(min_value=1, max_value=600)
    job = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1,
                                   help_text="One of the member's jobs (its id).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        membership, member = self.context["membership"], self.context["member"]
        jobs = Job.objects.for_org(membership.organization).filter(member=member).select_related("employer")
        form = SupportContactForm(data={k: v for k, v in attrs.items() if v is not None}, member=member, jobs=jobs,
                                  peer_only=not can(membership, Perm.EMPLOYMENT_RECORD))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return dict(form.cleaned_data)


class SupportContactListView(ListApiView):
    """Support contacts of both tracks, newest first; ``from``/``to`` filter the contact date."""

    perms = {"GET": Perm.EMPLOYMENT_VIEW}
    serializer_class = SupportContactSerializer

    @extend_schema(parameters=[SupportContactQuery], responses=SupportContactSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(SupportContactQuery, request)
        start, end = date_bounds(params)
        rows = selectors.support_contacts(self.membership, member_code=params.get("member", ""),
                                          track=params.get("track", ""), start=start, end=end)
        page = self.paginate_queryset(rows)
        self.audit_read(len(page or []))
        context = {"membership": self.membership}
        return self.get_paginated_response(SupportContactSerializer(page, many=True, context=context).data)


class MemberSupportContactCreateView(ApiView):
    """Log a support contact of either track (peer leaders: the peer track)."""

    perms = {"POST": Perm.SUPPORT_LOG}
    serializer_class = SupportContactSerializer

    @extend_schema(request=SupportContactCreateSerializer, responses={201: SupportContactSerializer})
    def post(self, request: Request, code: str) -> Response:
        membership = self.membership
        member = self.member(code, Perm.SUPPORT_LOG)
        incoming = SupportContactCreateSerializer(data=request.data,
                                                  context={"member": member, "membership": membership})
        incoming.is_valid(raise_exception=True)
        try:
            contact = actions.log_support_contact(membership, member, request=request._request,
                                                  **incoming.validated_data)
        except ValueError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        self.audit_write(target=contact, member=member.pk)
        contact = selectors.support_contacts(membership).get(pk=contact.pk)
        return Response(SupportContactSerializer(contact, context={"membership": membership}).data,
                        status=status.HTTP_201_CREATED)
