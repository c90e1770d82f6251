from django.urls import path

from peerpath.workspace import caseload, dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("caseload/", caseload.caseload, name="caseload"),
]
