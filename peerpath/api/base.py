"""What every API endpoint shares: the acting membership from the token, the
declared capability per method, strict input, date-range filters, audit entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from peerpath.api.authentication import token_membership
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.members import selectors as member_selectors
from peerpath.members.models import Member
from peerpath.ops.dbrouter import replica_reads
from peerpath.tenancy.models import Membership
from peerpath.tenancy.policy import Perm


class ApiView(GenericAPIView):
    """Base of every endpoint under /api/v1/. ``perms`` maps each HTTP method to
    the capability it needs (see ``peerpath.api.permissions``)."""

    perms: dict[str, Perm] = {}

    @property
    def membership(self) -> Membership:
        return token_membership(self.request)

    def endpoint(self) -> str:
        match = self.request.resolver_match
        return match.url_name if match is not None and match.url_name else self.request.path

    def audit_read(self, count: int, *, target: Any = None, **extra: Any) -> None:
        """One API_READ entry for this request: the endpoint and how many records it returned."""
        audit.record_by(
            self.membership, Event.API_READ, target=target, request=self.request._request,
            extra={"endpoint": self.endpoint(), "count": count, **extra},
        )

    def audit_write(self, *, target: Any = None, **extra: Any) -> None:
        """One API_WRITE entry for this request (beside the action's own entry)."""
        audit.record_by(
            self.membership, Event.API_WRITE, target=target, request=self.request._request,
            extra={"endpoint": self.endpoint(), "method": self.request.method, **extra},
        )

    def member(self, code: str, perm: Perm) -> Member:
        """A member of the acting organisation by code, for ``perm`` (404 otherwise).
        Reads are audited by the caller as API_READ, writes by the action."""
        if "\x00" in code:
            raise Http404("No member with that code")
        return member_selectors.get_member_for_write(self.membership, code, perm)


class ListApiView(ApiView):
    """An endpoint whose GET lists records: with a read replica configured
    (``DATABASE_REPLICA_URL``), the list is read from it. Authentication,
    permissions and rate limits are checked on the primary first (a token
    revoked a moment ago is refused at once)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "GET":
            self._replica = replica_reads()
            self._replica.__enter__()

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        replica = self.__dict__.pop("_replica", None)
        if replica is not None:
            replica.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)


class StrictSerializer(serializers.Serializer):
    """Input that names unknown fields as errors instead of ignoring them, so that
    a misspelt field never silently leaves a value unchanged."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(k) for k in data if k not in self.fields or self.fields[k].read_only)
            if unknown:
                raise serializers.ValidationError({k: [_("Unknown or read-only field.")] for k in unknown})
        return super().to_internal_value(data)


def form_errors(form: forms.BaseForm, rename: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """A Django form's errors as an API error body keyed by field."""
    rename = rename or {}
    body: dict[str, list[str]] = {}
    for field, errors in form.errors.items():
        key = "non_field_errors" if field == "__all__" else rename.get(field, field)
        body.setdefault(key, []).extend(str(e) for e in errors)
    return body


class DateRangeQuery(serializers.Serializer):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (both optional, both inclusive). A bad
    date is a 400 that names the parameter."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # "from" is a Python keyword: the fields are added by name.
        fields["from"] = serializers.DateField(
            required=False, help_text=gettext_lazy("Earliest date (inclusive), YYYY-MM-DD.")
        )
        fields["to"] = serializers.DateField(
            required=False, help_text=gettext_lazy("Latest date (inclusive), YYYY-MM-DD.")
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start is not None and end is not None and end < start:
            raise serializers.ValidationError({"to": [_("This date is before the 'from' date.")]})
        return attrs


def parse_query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The validated query parameters (400 naming each bad parameter)."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def date_bounds(params: Mapping[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    return params.get("from"), params.get("to")
