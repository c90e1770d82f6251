"""The demo's portal member left a questionnaire part-way: the portal offers to
continue it, and it resumes after the answered questions."""

from __future__ import annotations

from django.core.management import call_command
from django.test import Client

from peerpath.measures.models import Administration


def test_the_demo_member_can_continue_a_questionnaire(db, settings):
    settings.DEBUG = True  # the demo is for development machines only
    call_command("demo", "--size", "8")
    started = Administration.objects.get(mode="portal", status="in_progress")
    assert len(started.answers) == 2
    member = Client()
    assert member.post("/account/login/", {"username": "member", "password": "peerpath-demo"}).status_code == 302
    home = member.get("/me/").content.decode()
    assert f"/me/answer/{started.instrument_id}/" in home and ("Continue" in home or "繼續填答" in home)
    resumed = member.post(f"/me/answer/{started.instrument_id}/")
    assert member.get(resumed["Location"]).context["number"] == 3
    assert Administration.objects.filter(member=started.member, instrument_id=started.instrument_id,
                                         mode="portal").count() == 1
