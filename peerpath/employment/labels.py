"""Labels shown for derived values (translated when called)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from peerpath.employment.status import EmploymentStatus


def status_label(status: EmploymentStatus) -> str:
    labels = {
        EmploymentStatus.NOT_EMPLOYED: _("Not working"),
        EmploymentStatus.EMPLOYED: _("Working (not in a competitive job)"),
        EmploymentStatus.COMPETITIVE: _("Working in a competitive job"),
    }
    return labels[status]
