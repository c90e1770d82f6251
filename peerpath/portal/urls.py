from django.urls import path

from peerpath.portal import views

urlpatterns = [
    path("", views.home, name="portal_home"),
    path("answer/<slug:instrument_id>/", views.answer, name="portal_answer"),
    path("progress/", views.progress, name="portal_progress"),
    path("progress/<slug:instrument_id>/<slug:score_id>.svg", views.chart, name="portal_chart"),
]
