"""API endpoints of the peer track: groups, sessions, attendance and critical
incidents (peer leaders: only the groups they facilitate, as on the pages),
helping contacts (without their notes, as on the pathway's list page) and alerts
(peer leaders: only the non-clinical alerts that prompt the peer track)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from peerpath.alerts import texts as alert_texts
from peerpath.alerts.models import Alert, Audience, Resolution, Rule, State
from peerpath.api import selectors
from peerpath.api.base import DateRangeQuery, ListApiView, date_bounds, parse_query
from peerpath.groups import selectors as group_selectors
from peerpath.groups.models import AttendanceStatus, GroupKind
from peerpath.pathway.models import HelpingKind
from peerpath.tenancy.policy import Perm

ID: dict[str, Any] = {"required": False, "min_value": 1, "max_value": 2**63 - 1}


# ---- groups -------------------------------------------------------------------------------------


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=GroupKind.choices)
    schedule = serializers.CharField()
    place = serializers.CharField()
    code_set = serializers.CharField(help_text="The code set of its critical incidents' therapeutic factors.")
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    roster_size = serializers.IntegerField(help_text="Members on the roster now.")


class GroupListView(ListApiView):
    """The groups the token's role sees (peer leaders: those they facilitate)."""

    perms = {"GET": Perm.GROUP_VIEW}
    serializer_class = GroupSerializer

    @extend_schema(responses=GroupSerializer(many=True))
    def get(self, request: Request) -> Response:
        groups = group_selectors.groups_visible_to(self.membership).annotate(
            roster_size=Count("roster", filter=Q(roster__left_on__isnull=True), distinct=True)
        ).order_by("name", "pk")
        page = self.paginate_queryset(groups)
        self.audit_read(len(page or []))
        return self.get_paginated_response(GroupSerializer(page, many=True).data)


class GroupQuery(DateRangeQuery):
    group = serializers.IntegerField(help_text="A group id.", **ID)


class AttendeeSerializer(serializers.Serializer):
    member = serializers.CharField(source="member.code")
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    group = serializers.IntegerField(source="group_id")
    date = serializers.DateField()
    theme = serializers.CharField()
    attendance = AttendeeSerializer(many=True)


class SessionListView(ListApiView):
    """Group sessions with their attendance, newest first; ``from``/``to`` filter the session date."""

    perms = {"GET": Perm.GROUP_VIEW}
    serializer_class = SessionSerializer

    @extend_schema(parameters=[GroupQuery], responses=SessionSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(GroupQuery, request)
        start, end = date_bounds(params)
        rows = selectors.sessions(self.membership, group_id=params.get("group"), start=start, end=end)
        page = self.paginate_queryset(rows)
        self.audit_read(len(page or []))
        return self.get_paginated_response(SessionSerializer(page, many=True).data)


class AttendanceSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session_id")
    group = serializers.IntegerField(source="session.group_id")
    date = serializers.DateField(source="session.date")
    member = serializers.CharField(source="member.code")
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class AttendanceQuery(GroupQuery):
    member = serializers.CharField(required=False, max_length=20, help_text="A member code.")


class AttendanceListView(ListApiView):
    """One row per member per session, newest session first; ``from``/``to`` filter the session date."""

    perms = {"GET": Perm.GROUP_VIEW}
    serializer_class = AttendanceSerializer

    @extend_schema(parameters=[AttendanceQuery], responses=AttendanceSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(AttendanceQuery, request)
        start, end = date_bounds(params)
        rows = selectors.attendance(self.membership, group_id=params.get("group"),
                                    member_code=params.get("member", ""), start=start, end=end)
        page = self.paginate_queryset(rows)
        self.audit_read(len(page or []))
        return self.get_paginated_response(AttendanceSerializer(page, many=True).data)


class CodingSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1: first coder, 2: second coder (agreement).")
    code_set = serializers.CharField()
    factors = serializers.ListField(child=serializers.CharField())
    coded_at = serializers.DateTimeField()


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    group = serializers.IntegerField(source="session.group_id")
    date = serializers.DateField(source="session.date")
    member = serializers.CharField(source="member.code")
    text = serializers.CharField(help_text="The most important event of the session, in the member's words.")
    dictated = serializers.BooleanField()
    codings = CodingSerializer(many=True)


class IncidentListView(ListApiView):
    """Critical incidents with their codings to therapeutic factors, newest first."""

    perms = {"GET": Perm.GROUP_VIEW}
    serializer_class = IncidentSerializer

    @extend_schema(parameters=[GroupQuery], responses=IncidentSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(GroupQuery, request)
        start, end = date_bounds(params)
        rows = selectors.incidents(self.membership, group_id=params.get("group"), start=start, end=end)
        page = self.paginate_queryset(rows)
        self.audit_read(len(page or []))
        return self.get_paginated_response(IncidentSerializer(page, many=True).data)


# ---- helping contacts ---------------------------------------------------------------------------


class HelpingContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    helper = serializers.CharField(source="helper.code")
    helped = serializers.CharField(source="helped.code")
    kind = serializers.ChoiceField(choices=HelpingKind.choices)
    minutes = serializers.IntegerField()
    logged_by_member = serializers.SerializerMethodField()

    @extend_schema_field(serializers.BooleanField(help_text="Logged by the helper in the member portal."))
    def get_logged_by_member(self, contact: Any) -> bool:
        return contact.logged_by_member_id is not None


class HelpingQuery(DateRangeQuery):
    member = serializers.CharField(required=False, max_length=20, help_text="A member code (helper or helped).")
    kind = serializers.ChoiceField(choices=HelpingKind.choices, required=False)


class HelpingContactListView(ListApiView):
    """Members helping members, newest first; ``from``/``to`` filter the date."""

    perms = {"GET": Perm.PATHWAY_VIEW}
    serializer_class = HelpingContactSerializer

    @extend_schema(parameters=[HelpingQuery], responses=HelpingContactSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(HelpingQuery, request)
        start, end = date_bounds(params)
        rows = selectors.helping_contacts(self.membership, kind=params.get("kind", ""),
                                          member_code=params.get("member", ""), start=start, end=end)
        page = self.paginate_queryset(rows)
        self.audit_read(len(page or []))
        return self.get_paginated_response(HelpingContactSerializer(page, many=True).data)


# ---- alerts -------------------------------------------------------------------------------------


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.CharField(source="member.code")
    rule = serializers.ChoiceField(choices=Rule.choices)
    started_on = serializers.DateField(help_text="When the condition began.")
    raised_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=State.choices)
    clinical = serializers.BooleanField()
    audience = serializers.ListField(child=serializers.ChoiceField(choices=Audience.choices))
    reason = serializers.SerializerMethodField()
    action = serializers.SerializerMethodField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.ChoiceField(choices=Resolution.choices, allow_blank=True)

    @extend_schema_field(serializers.CharField(help_text="Why it was raised, in the interface language."))
    def get_reason(self, alert: Alert) -> str:
        return alert_texts.reason(alert)

    @extend_schema_field(serializers.CharField(help_text="What to do, in the interface language."))
    def get_action(self, alert: Alert) -> str:
        return alert_texts.action(alert)


class AlertQuery(DateRangeQuery):
    member = serializers.CharField(required=False, max_length=20, help_text="A member code.")
    state = serializers.ChoiceField(choices=State.choices, required=False)
    rule = serializers.ChoiceField(choices=Rule.choices, required=False)


class AlertListView(ListApiView):
    """Alerts the token's role sees, newest first; ``from``/``to`` filter the date the condition began."""

    perms = {"GET": Perm.ALERT_VIEW}
    serializer_class = AlertSerializer

    @extend_schema(parameters=[AlertQuery], responses=AlertSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = parse_query(AlertQuery, request)
        start, end = date_bounds(params)
        rows = selectors.alerts(self.membership, state=params.get("state", ""), rule=params.get("rule", ""),
                                member_code=params.get("member", ""), start=start, end=end)
        page = self.paginate_queryset(rows)
        self.audit_read(len(page or []))
        return self.get_paginated_response(AlertSerializer(page, many=True).data)
