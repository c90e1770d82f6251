from django.urls import path

from peerpath.exports import views

urlpatterns = [
    path("exports/", views.export_list, name="export_list"),
    path("exports/research/new/", views.export_new_research, name="export_new_research"),
    path("exports/identifiable/new/", views.export_new_identifiable, name="export_new_identifiable"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
