from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "peerpath.members"
    label = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from peerpath.members import checks, timeline_providers  # noqa: F401
