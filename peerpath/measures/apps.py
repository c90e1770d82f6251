from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "peerpath.measures"
    label = "measures"
    verbose_name = _("Measures")

    def ready(self) -> None:
        from peerpath.measures import checks, timeline_providers  # noqa: F401
