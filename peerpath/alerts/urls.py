from django.urls import path

from peerpath.alerts import views

urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/recompute/", views.alert_recompute, name="alert_recompute"),
    path("alerts/settings/", views.alert_settings, name="alert_settings"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/resolve/", views.alert_resolve, name="alert_resolve"),
]
