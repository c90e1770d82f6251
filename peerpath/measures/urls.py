from django.urls import path

from peerpath.measures import views

# Mounted under members/<code>/questionnaires/
member_urlpatterns = [
    path("", views.member_questionnaires, name="member_questionnaires"),
    path("enter/", views.enter_choose, name="measure_enter_choose"),
    path("enter/<slug:instrument_id>/", views.enter, name="measure_enter"),
    path("link/", views.create_link, name="measure_link_create"),
    path("flags/<int:pk>/", views.flag_follow_up, name="measure_flag_follow_up"),
    path("<slug:instrument_id>/<slug:score_id>.svg", views.chart, name="measure_chart"),
]
