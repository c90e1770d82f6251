"""Every route of Peerpath. Each one is classified in tests/test_route_matrix.py."""

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET
from django.views.i18n import set_language

from peerpath.audit.views import audit_log
from peerpath.measures import plan_views, wording_views
from peerpath.measures.selfreport import self_report
from peerpath.measures.urls import member_urlpatterns as member_questionnaire_urls
from peerpath.ops.metrics import metrics
from peerpath.ops.readiness import readyz
from peerpath.portal.views import staff_account
from peerpath.safety.urls import portal_urlpatterns as safety_portal_urls
from peerpath.tenancy import auth_views as pp_auth
from peerpath.tenancy import staff


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


account = [
    path("login/", pp_auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", pp_auth.two_factor, name="two_factor"),
    path("organisation/", pp_auth.switch_organization, name="switch_organization"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change_form.html"),
        name="password_change",
    ),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("password-reset/", pp_auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="registration/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    # First: a member's self-report link is most of the requests under load (each
    # question and answer), and Django tries the patterns in order. No other
    # pattern begins with "r/".
    path("r/<str:token>/", self_report, name="self_report"),
    path("", pp_auth.home, name="home"),
    path("", include("peerpath.workspace.urls")),
    path("members/", include("peerpath.members.urls")),
    # member sub-pages owned by apps above members (members imports no domain app)
    path("members/<str:code>/questionnaires/", include(member_questionnaire_urls)),
    path("members/<str:code>/portal/", staff_account, name="member_portal_account"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_create, name="staff_create"),
    path("staff/<int:pk>/", staff.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/reset-two-factor/", staff.staff_reset_two_factor, name="staff_reset_two_factor"),
    path("audit/", audit_log, name="audit_log"),
    path("questionnaires/plan/", plan_views.plan, name="measure_plan"),
    path("questionnaires/plan/<int:pk>/remove/", plan_views.plan_remove, name="measure_plan_remove"),
    path("questionnaires/wording/", wording_views.wording_list, name="measure_wording"),
    path("questionnaires/wording/<slug:instrument_id>/", wording_views.wording_edit, name="measure_wording_edit"),
    path("", include("peerpath.employment.urls")),
    path("", include("peerpath.groups.urls")),
    path("", include("peerpath.pathway.urls")),
    path("", include("peerpath.alerts.urls")),
    path("", include("peerpath.exchange.urls")),
    path("", include("peerpath.exports.urls")),
    path("", include("peerpath.outcomes.urls")),
    path("", include("peerpath.safety.urls")),
    path("tasks/", include("peerpath.tasks.urls")),
    path("", include("peerpath.api.urls")),
    path("account/", include(account)),
    path("me/", include("peerpath.portal.urls")),
    path("me/", include(safety_portal_urls)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz/", healthz, name="healthz"),
    path("readyz/", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]
