from django.urls import path

from peerpath.members import views

# The member's questionnaires and portal account pages belong to apps above this
# one; peerpath/urls.py mounts them under members/<code>/.

urlpatterns = [
    path("", views.member_list, name="member_list"),
    path("new/", views.member_create, name="member_create"),
    path("<str:code>/", views.member_detail, name="member_detail"),
    path("<str:code>/timeline/", views.member_timeline, name="member_timeline"),
    path("<str:code>/edit/", views.member_edit, name="member_edit"),
    path("<str:code>/consents/new/", views.consent_create, name="consent_create"),
    path("<str:code>/consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("<str:code>/stage/", views.stage_change, name="stage_change"),
    path("<str:code>/care-team/", views.care_team, name="care_team"),
]
