from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """Pages that compose every track (caseload, dashboards, each role's home),
    fed by what the domain apps register here."""

    name = "peerpath.workspace"
    label = "workspace"
