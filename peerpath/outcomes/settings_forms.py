"""The outcome-report settings form: its bounds are the model's (``settings_rules``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpath.outcomes import settings_rules as rules


class OutcomeSettingsForm(forms.Form):
    stable_employment_days = forms.IntegerField(
        label=_("Days in one job that count as stable employment"),
        min_value=rules.MIN_STABLE_EMPLOYMENT_DAYS, max_value=rules.MAX_STABLE_EMPLOYMENT_DAYS,
    )
    inactive_after_days = forms.IntegerField(
        label=_("Days without contact after which time to first job stops following a member"),
        min_value=rules.MIN_INACTIVE_AFTER_DAYS, max_value=rules.MAX_INACTIVE_AFTER_DAYS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stable_employment_days"].help_text = _(
            "Taiwan's supported-employment services count a member as stably employed after 90 days (three "
            "months) in one job. From %(low)s to %(high)s days."
        ) % {"low": rules.MIN_STABLE_EMPLOYMENT_DAYS, "high": rules.MAX_STABLE_EMPLOYMENT_DAYS}
        self.fields["inactive_after_days"].help_text = _(
            "A member with no support contact or helping contact for longer than this is followed only up to "
            "their last contact. From %(low)s to %(high)s days; 180 by default."
        ) % {"low": rules.MIN_INACTIVE_AFTER_DAYS, "high": rules.MAX_INACTIVE_AFTER_DAYS}
