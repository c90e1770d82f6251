from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "peerpath.groups"
    label = "groups"
    verbose_name = _("Peer groups")

    def ready(self) -> None:
        from peerpath.groups import member_page  # noqa: F401  (timeline providers and member-page panels)
