from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "peerpath.outcomes"
    label = "outcomes"
    verbose_name = _("Outcomes")
    # The report modules are loaded on first use (``registry.reports()``), not here:
    # they import SciPy, pandas and Matplotlib.
