"""Routes of the pathway (included at the site root). Each is classified in
peerpath/pathway/tests/routes.py."""

from django.urls import path

from peerpath.pathway import config_views, network_views, portal_views, story_views, views

urlpatterns = [
    # A member's pathway (staff)
    path("members/<str:code>/pathway/", views.member_pathway, name="pathway_member"),
    path("members/<str:code>/pathway/role/", views.role_change, name="pathway_role_change"),
    path("members/<str:code>/pathway/training/", views.training_record, name="pathway_training_record"),
    path("members/<str:code>/pathway/mentoring/", views.mentoring_preferences, name="pathway_mentoring"),
    path("members/<str:code>/pathway/story/", story_views.member_story, name="pathway_member_story"),
    path("members/<str:code>/mentors/", views.mentor_suggestions, name="mentor_suggestions"),
    path("members/<str:code>/mentors/confirm/", views.mentor_confirm, name="mentor_confirm"),
    # Helping contacts and the network
    path("helping/", views.helping_list, name="helping_list"),
    path("helping/new/", views.helping_log, name="helping_log"),
    path("network/", network_views.network, name="helping_network"),
    # Settings
    path("pathway/training/", config_views.training_catalogue, name="training_catalogue"),
    path("pathway/training/<int:pk>/toggle/", config_views.training_module_toggle, name="training_module_toggle"),
    path("pathway/readiness/", config_views.readiness_criteria, name="readiness_criteria"),
    path("pathway/readiness/<int:pk>/remove/", config_views.readiness_criterion_remove,
         name="readiness_criterion_remove"),
    # The hope library (staff)
    path("stories/", story_views.story_list, name="story_list"),
    path("stories/review/", story_views.story_review_queue, name="story_review_queue"),
    path("stories/<int:pk>/", story_views.story_detail, name="story_detail"),
    path("stories/<int:pk>/review/", story_views.story_review, name="story_review"),
    # The member portal
    path("me/helping/", portal_views.helping, name="portal_helping"),
    path("me/story/", portal_views.my_story, name="portal_story"),
    path("me/stories/", portal_views.library, name="portal_stories"),
    path("me/stories/<int:pk>/", portal_views.library_story, name="portal_story_read"),
]
