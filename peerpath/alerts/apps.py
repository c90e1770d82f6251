from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "peerpath.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from peerpath.alerts import member_page, portal_sections, triggers  # noqa: F401  (member page, portal home)

        triggers.connect()
