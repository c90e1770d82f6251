"""The search form posts, so names stay out of URLs and access logs."""

from tests.factories import MemberFactory


def test_a_posted_search_finds_the_member_and_shows_no_name_in_links(org_a, coordinator):
    MemberFactory(organization=org_a.org, code="A0002", name="林美華")
    response = coordinator.post("/members/", {"q": "林美華"})
    assert response.status_code == 200
    assert [m.code for m in response.context["page"].object_list] == ["A0002"]
    html = response.content.decode()
    assert "?q=" not in html


def test_htmx_search_returns_only_the_results(org_a, coordinator):
    response = coordinator.post("/members/", {"q": org_a.member.code}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert org_a.member.code in html
    assert "<html" not in html and 'id="member-search"' not in html


def test_posted_search_pages_with_a_posted_pager(org_a, coordinator, settings):
    settings.PEERPATH_MEMBERS_PER_PAGE = 2
    for i in range(3):
        MemberFactory(organization=org_a.org, code=f"A01{i}", name=f"陳家豪{i}")
    first = coordinator.post("/members/", {"q": "A01"})
    assert first.context["page"].has_next()
    second = coordinator.post("/members/", {"q": "A01", "page": "2"})
    assert [m.code for m in second.context["page"].object_list] == ["A012"]


def test_dashboard_gaps_open_the_matching_members(org_a, coordinator):
    from tests.factories import CareTeamFactory, ConsentFactory

    covered = MemberFactory(organization=org_a.org, code="A0009")
    CareTeamFactory(member=covered, role="peer_mentor", professional=None, mentor=org_a.member,
                    assigned_by=org_a.users["coordinator"])
    ConsentFactory(member=covered)
    figures = coordinator.get("/dashboard/").context["figures"]
    assert figures["no_mentor"] == 1 and figures["no_service_consent"] == 1
    for gap in ("no_mentor", "no_service_consent"):
        codes = [m.code for m in coordinator.get(f"/members/?gap={gap}").context["page"].object_list]
        assert codes == [org_a.member.code], gap
    assert coordinator.get("/members/?gap=no_professional").context["page"].paginator.count == 2


def test_changing_only_the_mentor_ignores_the_professionals_later_start(org_a, coordinator):
    import datetime as dt

    from tests.factories import CareTeamFactory

    member = org_a.member
    CareTeamFactory(member=member, professional=org_a.users["professional"],
                    started_on=member.enrolment_date + dt.timedelta(days=100))
    mentor = MemberFactory(organization=org_a.org, code="A0005")
    response = coordinator.post(
        f"/members/{member.code}/care-team/",
        {"professional": org_a.users["professional"].pk, "mentor": mentor.pk,
         "started_on": (member.enrolment_date + dt.timedelta(days=10)).isoformat()},
    )
    assert response.status_code == 302
    assert member.care_team.filter(role="peer_mentor", mentor=mentor, ended_on=None).exists()


def test_the_list_shows_professionals_names_in_the_usual_form(org_a, coordinator):
    from tests.factories import CareTeamFactory, UserFactory

    chinese = UserFactory(first_name="雅婷", last_name="張")
    english = UserFactory(first_name="Mary", last_name="Lin")
    other = MemberFactory(organization=org_a.org, code="A0004")
    CareTeamFactory(member=org_a.member, professional=chinese, assigned_by=chinese)
    CareTeamFactory(member=other, professional=english, assigned_by=english)
    names = {m.code: m.professional_name for m in coordinator.get("/members/").context["page"].object_list}
    assert names == {org_a.member.code: "張雅婷", "A0004": "Mary Lin"}
