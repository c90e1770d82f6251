from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "peerpath.tenancy"
    label = "tenancy"
    verbose_name = _("Organisations and staff")

    def ready(self) -> None:
        from peerpath.tenancy import signals  # noqa: F401
