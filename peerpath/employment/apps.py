from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    name = "peerpath.employment"
    label = "employment"
    verbose_name = _("Professional track")

    def ready(self) -> None:
        # timeline providers and member-page panels; questionnaire triggers
        from peerpath.employment import member_page, triggers  # noqa: F401
