"""Routes of the api app (included at the site root).

/api/v1/… accepts API tokens only (no browser sessions); /api/schema/ and
/api/docs/ are for signed-in staff; account/api-tokens/ are the token pages.
"""

from django.urls import path

from peerpath.api import docs_views, employment_api, measure_api, member_api, peer_api, token_views

v1 = "api/v1/"

urlpatterns = [
    path("account/api-tokens/", token_views.token_list, name="api_token_list"),
    path("account/api-tokens/new/", token_views.token_create, name="api_token_create"),
    path("account/api-tokens/<int:pk>/revoke/", token_views.token_revoke, name="api_token_revoke"),
    path("api/schema/", docs_views.schema, name="api_schema"),
    path("api/docs/", docs_views.docs, name="api_docs"),
    path(f"{v1}members/", member_api.MemberListView.as_view(), name="api_members"),
    path(f"{v1}members/<str:code>/", member_api.MemberDetailView.as_view(), name="api_member"),
    path(f"{v1}members/<str:code>/consents/", member_api.ConsentListView.as_view(), name="api_member_consents"),
    path(f"{v1}members/<str:code>/consents/<int:pk>/withdraw/", member_api.ConsentWithdrawView.as_view(),
         name="api_consent_withdraw"),
    path(f"{v1}members/<str:code>/questionnaire-responses/", measure_api.MemberResponseCreateView.as_view(),
         name="api_member_responses"),
    path(f"{v1}instruments/", measure_api.InstrumentListView.as_view(), name="api_instruments"),
    path(f"{v1}questionnaire-responses/", measure_api.ResponseListView.as_view(), name="api_responses"),
    path(f"{v1}questionnaire-responses/<int:pk>/", measure_api.ResponseDetailView.as_view(), name="api_response"),
    path(f"{v1}scores/", measure_api.ScoreListView.as_view(), name="api_scores"),
    # professional track
    path(f"{v1}jobs/", employment_api.JobListView.as_view(), name="api_jobs"),
    path(f"{v1}members/<str:code>/jobs/", employment_api.MemberJobCreateView.as_view(), name="api_member_jobs"),
    path(f"{v1}support-contacts/", employment_api.SupportContactListView.as_view(), name="api_support_contacts"),
    path(f"{v1}members/<str:code>/support-contacts/", employment_api.MemberSupportContactCreateView.as_view(),
         name="api_member_support_contacts"),
    # peer track
    path(f"{v1}groups/", peer_api.GroupListView.as_view(), name="api_groups"),
    path(f"{v1}sessions/", peer_api.SessionListView.as_view(), name="api_sessions"),
    path(f"{v1}attendance/", peer_api.AttendanceListView.as_view(), name="api_attendance"),
    path(f"{v1}incidents/", peer_api.IncidentListView.as_view(), name="api_incidents"),
    path(f"{v1}helping-contacts/", peer_api.HelpingContactListView.as_view(), name="api_helping_contacts"),
    path(f"{v1}alerts/", peer_api.AlertListView.as_view(), name="api_alerts"),
]
