from django.urls import path

from peerpath.safety import portal_views, views

urlpatterns = [
    path("safety/", views.follow_up_list, name="safety_follow_up_list"),
    path("safety/settings/", views.settings_view, name="safety_settings"),
    path("safety/kiosk-calls/<int:pk>/answered/", views.kiosk_call_answered, name="safety_kiosk_call_answered"),
    path("members/<str:code>/safety/<int:pk>/", views.follow_up, name="safety_follow_up"),
    path("members/<str:code>/safety-plan/", views.plan_view, name="safety_plan"),
    path("members/<str:code>/safety-plan/edit/", views.plan_edit, name="safety_plan_edit"),
    path("members/<str:code>/safety-plan.pdf", views.plan_pdf, name="safety_plan_pdf"),
]

# The member's own pages, under /me/ beside the portal.
portal_urlpatterns = [
    path("safety/", portal_views.crisis, name="portal_safety"),
    path("safety-plan/", portal_views.plan, name="portal_safety_plan"),
    path("safety-plan.pdf", portal_views.plan_pdf, name="portal_safety_plan_pdf"),
]
