from django.apps import AppConfig


class SafetyConfig(AppConfig):
    """The safety path: crisis page and contacts, safety follow-ups with a due time
    and escalation, the member's safety plan."""

    name = "peerpath.safety"
    label = "safety"

    def ready(self) -> None:
        from peerpath.safety import hooks  # noqa: F401  (registers pages and panels)
