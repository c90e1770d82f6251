from django.urls import path

from peerpath.outcomes import fidelity_views, member_report_views, settings_views, views

urlpatterns = [
    path("reports/", views.report_index, name="report_index"),
    path("reports/files/", views.report_files, name="report_files"),
    path("reports/files/<int:pk>/", views.report_file_download, name="report_file_download"),
    path("reports/settings/", settings_views.settings_view, name="report_settings"),
    path("reports/<slug:slug>/", views.report_page, name="report_page"),
    path("reports/<slug:slug>/pdf/", views.report_pdf, name="report_pdf"),
    path("fidelity/reviews/new/", fidelity_views.review_create, name="fidelity_review_create"),
    path("fidelity/reviews/<int:pk>/", fidelity_views.review_detail, name="fidelity_review_detail"),
    path("members/<str:code>/report/", member_report_views.member_report, name="member_report"),
    path("members/<str:code>/report/pdf/", member_report_views.member_report_pdf, name="member_report_pdf"),
]
