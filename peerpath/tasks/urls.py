from django.urls import path

from peerpath.tasks import views

urlpatterns = [
    path("", views.task_list, name="task_list"),
]
