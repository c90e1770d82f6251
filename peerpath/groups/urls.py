from django.urls import path

from peerpath.groups import kiosk, reflections, session_views, views

urlpatterns = [
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/roster/", views.group_roster, name="group_roster"),
    path("groups/<int:pk>/norms/", views.group_norms, name="group_norms"),
    path("groups/<int:pk>/sessions/new/", session_views.session_record, name="session_record"),
    path("groups/<int:pk>/sessions/<int:session_id>/", session_views.session_detail, name="session_detail"),
    path("groups/<int:pk>/sessions/<int:session_id>/incidents/", session_views.incidents_add, name="incidents_add"),
    path("groups/<int:pk>/sessions/<int:session_id>/kiosk/", kiosk.kiosk_start, name="kiosk_start"),
    path("groups/<int:pk>/incidents/<int:incident_id>/code/", session_views.incident_code, name="incident_code"),
    path("kiosk/", kiosk.kiosk_home, name="kiosk_home"),
    path("kiosk/next/", kiosk.kiosk_continue, name="kiosk_continue"),
    path("kiosk/leave/", kiosk.kiosk_leave, name="kiosk_leave"),
    path("kiosk/<str:code>/", kiosk.kiosk_member, name="kiosk_member"),
    path("me/groups/reflections/", reflections.my_reflections, name="my_reflections"),
]
