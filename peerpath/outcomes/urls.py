from django.urls import path

from peerpath.outcomes import views

urlpatterns = [
    path("reports/", views.report_index, name="report_index"),
    path("reports/<slug:slug>/", views.report_page, name="report_page"),
    path("reports/<slug:slug>/pdf/", views.report_pdf, name="report_pdf"),
]
