"""Setting up a new organisation from the command line (production installs)."""

import re

import pytest
from django.core.management import CommandError, call_command

from peerpath.audit.models import AccessLog, Event
from peerpath.tenancy.models import Membership, Organization


def test_it_creates_the_organisation_and_an_admin_with_a_password_link(db, capsys, client):
    call_command(
        "create_organisation", "--name", "Harbour Clubhouse", "--admin-username", "hadmin",
        "--admin-email", "hadmin@example.org", "--base-url", "http://testserver",
    )
    out = capsys.readouterr().out
    org = Organization.objects.get(slug="harbour-clubhouse")
    admin = Membership.objects.get(organization=org)
    assert admin.role == "admin" and not admin.user.has_usable_password()
    assert AccessLog.objects.filter(event=Event.STAFF_ADDED, organization=org).exists()
    link = re.search(r"http://testserver(/account/reset/\S+/)", out).group(1)
    page = client.get(link, follow=True)
    assert page.context["validlink"]


def test_a_taken_slug_or_username_changes_nothing(db):
    call_command("create_organisation", "--name", "A", "--slug", "a", "--admin-username", "x",
                 "--admin-email", "x@example.org")
    with pytest.raises(CommandError, match="--slug"):
        call_command("create_organisation", "--name", "A2", "--slug", "a", "--admin-username", "y",
                     "--admin-email", "y@example.org")
    with pytest.raises(CommandError, match="--admin-username"):
        call_command("create_organisation", "--name", "B", "--slug", "b", "--admin-username", "X",
                     "--admin-email", "x2@example.org")
    assert Organization.objects.count() == 1
