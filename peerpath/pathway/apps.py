from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwayConfig(AppConfig):
    name = "peerpath.pathway"
    label = "pathway"
    verbose_name = _("Peer-helper pathway")

    def ready(self) -> None:
        from peerpath.pathway import member_page  # noqa: F401  (timeline providers and member-page panels)
