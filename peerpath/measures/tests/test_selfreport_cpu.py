"""One instrument's own wording (``selectors.local_wording``, read on every question
page of a self-report link) is read by SQL compiled once (``members.precompiled``):
the same pages as with the plain query, in both languages, only the link's
organisation's wording, and answers and completion unchanged."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from peerpath.measures import actions, selectors, selfreport
from peerpath.measures.library import instrument as get_instrument
from peerpath.measures.models import Administration, AdministrationStatus, LocalWording

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _plain_local_wording(organization_id: int, instrument_id: str):  # the query, built and run as usual
    rows = LocalWording.objects.filter(organization_id=organization_id, instrument_id=instrument_id)
    return {instrument_id: {(r.item_id, r.language): r.text for r in rows}}


def _page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return CSRF.sub("", response.content.decode())


def _link(tenant, language: str) -> str:
    tenant.member.preferred_language = language
    tenant.member.save()
    administration, token = actions.create_link(tenant.staff["coordinator"], tenant.member, "phq9", reason="periodic")
    for item in get_instrument("phq9").items[:3]:  # a link in progress
        assert actions.save_link_answer(administration, item.id, "1")
    return f"/r/{token}/"


def _wording(tenant, text: str, language: str) -> None:
    first = get_instrument("phq9").items[0].id
    LocalWording.objects.create(organization=tenant.org, instrument_id="phq9", item_id=first, language=language,
                                text=text, updated_by=tenant.users["admin"])


@pytest.mark.parametrize("language", ["en", "zh-hant"])
@pytest.mark.parametrize("own_wording", [False, True])
def test_the_question_pages_are_those_of_the_old_read(org_a, org_b, monkeypatch, language, own_wording):
    _wording(org_b, "B 的題目一", language)  # another organisation's: never shown
    if own_wording:
        _wording(org_a, "A 的題目一", language)
    path = _link(org_a, language)
    pages = {q: _page(Client(), f"{path}?q={q}") for q in (0, 1, 3, 8, 9)}
    pages["open"] = _page(Client(), path)
    with monkeypatch.context() as patched:
        patched.setattr(selfreport, "local_wording", _plain_local_wording)
        old = {q: _page(Client(), f"{path}?q={q}") for q in (0, 1, 3, 8, 9)}
        old["open"] = _page(Client(), path)
    assert pages == old
    assert ("A 的題目一" in pages[0]) is own_wording
    assert all("B 的題目一" not in page for page in pages.values())
    assert ('lang="zh-Hant-TW"' in pages[0]) is (language == "zh-hant")


def test_the_wording_query_is_built_once(org_a, monkeypatch):
    built = []
    rows = selectors._wording_rows
    monkeypatch.setattr(selectors, "_wording_rows", lambda **values: built.append(values) or rows(**values))
    selectors.precompiled._CACHE.clear()
    path = _link(org_a, "en")
    client = Client()
    for q in range(4):
        assert client.get(f"{path}?q={q}").status_code == 200
    assert len(built) == 1  # compiled for stand-in values once, then run with each page's


def test_answers_and_finishing_still_work(org_a):
    _wording(org_a, "A 的題目一", "en")
    path = _link(org_a, "en")
    client = Client()
    for item in get_instrument("phq9").items:
        assert client.post(path, {"item": item.id, "value": "2"}).status_code == 302
    assert "A 的題目一" in client.get(f"{path}?q=0").content.decode()
    assert client.post(path, {"action": "finish"}).status_code in (200, 302)
    administration = Administration.objects.get(member=org_a.member)
    assert administration.status == AdministrationStatus.COMPLETED
    assert set(administration.answers) == {item.id for item in get_instrument("phq9").items}


def test_one_instruments_wording_is_that_of_the_whole_read(org_a, org_b):
    _wording(org_a, "A 的題目一", "en")
    _wording(org_a, "A 的題目一（中）", "zh-hant")
    _wording(org_b, "B 的題目一", "en")  # another organisation's
    whole = selectors.local_wording(org_a.org.pk)
    assert selectors.local_wording(org_a.org.pk, "phq9") == {"phq9": whole["phq9"]}
    assert len(whole["phq9"]) == 2 and "B 的題目一" not in whole["phq9"].values()
    assert selectors.local_wording(org_b.org.pk, "phq9")["phq9"] == {(get_instrument("phq9").items[0].id, "en"): "B 的題目一"}
    assert selectors.local_wording(org_a.org.pk, "gad7") == {}
