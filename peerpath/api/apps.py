from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "peerpath.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        # start-up check of the rate settings; the token scheme of the OpenAPI schema
        from peerpath.api import schema, throttling  # noqa: F401
