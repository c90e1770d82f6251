"""An organisation's outcome-report settings: defaults and the allowed ranges
(pure; the model's validators and the form's bounds both come from here).

- ``stable_employment_days``: Taiwan's supported-employment services count a
  member as stably employed once they have stayed in one job for this many days
  (90 by default: three months).
- ``inactive_after_days``: a member with no contact for longer than this is no
  longer followed in time to first job (censored at the last contact)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator

DEFAULT_STABLE_EMPLOYMENT_DAYS = 90
MIN_STABLE_EMPLOYMENT_DAYS = 1
MAX_STABLE_EMPLOYMENT_DAYS = 730
DEFAULT_INACTIVE_AFTER_DAYS = 180
MIN_INACTIVE_AFTER_DAYS = 30  # shorter than a month would end follow-up between routine contacts
MAX_INACTIVE_AFTER_DAYS = 1095

STABLE_EMPLOYMENT_DAYS_VALIDATORS = [MinValueValidator(MIN_STABLE_EMPLOYMENT_DAYS),
                                     MaxValueValidator(MAX_STABLE_EMPLOYMENT_DAYS)]
INACTIVE_AFTER_DAYS_VALIDATORS = [MinValueValidator(MIN_INACTIVE_AFTER_DAYS),
                                  MaxValueValidator(MAX_INACTIVE_AFTER_DAYS)]
