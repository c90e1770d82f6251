"""``peerpath safety escalate``: escalate every safety follow-up past its due time
to the coordinators and administrators of its organisation (once each), and open
a follow-up for any safety flag that has none (a backstop for flags written by a
path that did not call the hook).

Run it every few minutes from cron or a systemd timer, e.g.::

    */5 * * * *  peerpath safety escalate

It is safe to run on several servers at once: each follow-up is escalated by a
conditional update, so its coordinators are e-mailed once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from peerpath.measures.models import FlagKind, ResultFlag
from peerpath.safety.actions import escalate_overdue, open_follow_ups


class Command(BaseCommand):
    help = "Escalate overdue safety follow-ups to coordinators and administrators (run every few minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["escalate"])

    def handle(self, *args: Any, **options: Any) -> None:
        missing = (
            ResultFlag.objects.filter(kind=FlagKind.SAFETY, followed_up_at__isnull=True,
                                      administration__safety_follow_up__isnull=True)
            .values_list("organization_id", "administration_id")
        )
        by_org: dict[int, list[int]] = {}
        for organization_id, administration_id in missing:
            by_org.setdefault(organization_id, []).append(administration_id)
        opened = 0
        for organization_id, ids in sorted(by_org.items()):
            with transaction.atomic():
                opened += len(open_follow_ups(organization_id, ids))
        escalated = escalate_overdue()
        self.stdout.write(f"Opened {opened} missing follow-up(s); escalated {escalated} overdue follow-up(s).")
