"""Schemathesis against the served schema, with a valid token of a clinical
role: whatever it sends (valid and invalid input, to every operation), the API
answers without a server error (no 5xx)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from peerpath.api.actions import create_token
from peerpath.measures.actions import record_paper_form
from peerpath.members.models import Consent

EXAMPLES = 10  # per operation and mode: the whole run stays under a minute


@pytest.fixture
def api_schema(org_a, org_b, settings) -> Iterator[schemathesis.BaseSchema]:
    """The schema as a script gets it, with a coordinator's token, and data to find."""
    settings.PEERPATH_API_RATES = {**settings.PEERPATH_API_RATES, "token": "100000/minute", "ip": "100000/minute"}
    Consent.objects.create(organization=org_a.org, member=org_a.member, kind="service", version="1",
                           given_on=org_a.member.enrolment_date, recorded_by=org_a.users["coordinator"])
    record_paper_form(org_a.staff["coordinator"], org_a.member, "phq9", answers={str(i): 1 for i in range(1, 10)},
                      taken_on=org_a.member.enrolment_date, reason="intake")
    _token, secret = create_token(org_a.staff["coordinator"], name="schemathesis")
    # Django closes a connection that is inside a transaction at the end of a request:
    # keep the test's transaction open across the requests made through the WSGI app.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", WSGIHandler(), headers={"Authorization": f"Bearer {secret}"}
        )
        schema.config.update(headers={"Authorization": f"Bearer {secret}"})
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_api_never_answers_with_a_server_error(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 22
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                                 database=None)
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(checks=[not_a_server_error])

            try:
                check()
            except Unsatisfiable:
                pass  # no invalid input exists for this operation (e.g. no parameters at all)
            except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failures, report them all
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
