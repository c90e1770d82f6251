"""Licensed wording entered by an organisation: used by it alone."""

import re

from peerpath.audit.models import AccessLog, Event
from peerpath.measures.models import Administration, LocalWording
from peerpath.measures.selectors import local_wording

ITEM_1 = "第一題授權文字（測試用）"


def enter_ismi29_item_1(client):
    data = {f"{i}__{lang}": "" for i in range(1, 30) for lang in ("zh-hant", "en")}
    data["1__zh-hant"] = ITEM_1
    return client.post("/questionnaires/wording/ismi29/", data)


def test_an_admin_enters_licensed_wording_shown_on_the_paper_form(org_a, client_for):
    admin = client_for("admin")
    assert enter_ismi29_item_1(admin).status_code == 302
    assert LocalWording.objects.get(organization=org_a.org).text == ITEM_1
    assert AccessLog.objects.filter(event=Event.WORDING_CHANGED).exists()
    form = admin.get(f"/members/{org_a.member.code}/questionnaires/enter/ismi29/").content.decode()
    assert ITEM_1 in form


def test_another_organisation_never_sees_it(org_a, org_b, client_for):
    enter_ismi29_item_1(client_for("admin"))
    other = client_for("admin", org_b).get(f"/members/{org_b.member.code}/questionnaires/enter/ismi29/")
    assert ITEM_1 not in other.content.decode()
    assert local_wording(org_b.org.pk) == {}


def test_a_questionnaire_with_complete_local_wording_can_be_sent_as_a_link(org_a, client_for, client):
    admin = client_for("admin")
    data = {f"{i}__{lang}": "" for i in range(1, 4) for lang in ("zh-hant", "en")}
    data.update({f"{i}__zh-hant": f"UCLA 題目 {i}（測試）" for i in range(1, 4)})
    admin.post("/questionnaires/wording/ucla3/", data)
    response = admin.post(f"/members/{org_a.member.code}/questionnaires/link/", {"instrument": "ucla3", "reason": "periodic"})
    path = re.search(r"http://testserver(/r/[^/]+/)", response.content.decode()).group(1)
    assert "UCLA 題目 1（測試）" in client.get(path).content.decode()
    assert Administration.objects.get().instrument_id == "ucla3"


def test_only_admins_enter_wording(org_a, client_for):
    assert enter_ismi29_item_1(client_for("coordinator")).status_code == 403
    assert not LocalWording.objects.exists()
