"""Routes of the professional track (included at the site root)."""

from django.urls import path

from peerpath.employment import employer_views, referral_views, views

urlpatterns = [
    # A member's employment record and the forms that add to it
    path("members/<str:code>/employment/", views.member_employment, name="employment_member"),
    path("members/<str:code>/employment/profile/", views.profile_edit, name="employment_profile"),
    path("members/<str:code>/employment/jobs/new/", views.job_create, name="job_create"),
    path("members/<str:code>/employment/jobs/<int:pk>/edit/", views.job_edit, name="job_edit"),
    path("members/<str:code>/employment/jobs/<int:pk>/end/", views.job_end, name="job_end"),
    path("members/<str:code>/employment/search/new/", views.job_search_create, name="job_search_create"),
    path("members/<str:code>/employment/support/new/", views.support_contact_create, name="support_contact_create"),
    # Employers and job development
    path("employers/", employer_views.employer_list, name="employer_list"),
    path("employers/new/", employer_views.employer_create, name="employer_create"),
    path("employers/<int:pk>/", employer_views.employer_detail, name="employer_detail"),
    path("employers/<int:pk>/edit/", employer_views.employer_edit, name="employer_edit"),
    path("employers/<int:pk>/contacts/new/", employer_views.employer_contact_create, name="employer_contact_create"),
    path("employers/<int:pk>/openings/new/", employer_views.opening_create, name="opening_create"),
    path("employers/openings/<int:pk>/", employer_views.opening_edit, name="opening_edit"),
    # Referrals and intake
    path("referrals/", referral_views.referral_list, name="referral_list"),
    path("referrals/new/", referral_views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", referral_views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/step/", referral_views.referral_step, name="referral_step"),
    path("referrals/<int:pk>/close/", referral_views.referral_close, name="referral_close"),
    path("referrals/<int:pk>/enrol/", referral_views.referral_enrol, name="referral_enrol"),
]
