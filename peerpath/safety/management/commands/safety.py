"""``peerpath safety escalate``: escalate every safety follow-up past its due time
to the coordinators and administrators of its organisation (once each), and open
a follow-up for any safety flag that has none (a backstop for flags written by a
path that did not call the hook).

The same work runs every five minutes as a background task
(``peerpath.safety.tasks.escalate_safety``, enqueued by ``peerpath tasks
enqueue-periodic``, see docs/deployment.md "Background work"); this command runs it
at once. It is safe to run on several servers at once: each follow-up is escalated
by a conditional update, so its coordinators are e-mailed once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from peerpath.safety.tasks import escalate


class Command(BaseCommand):
    help = "Escalate overdue safety follow-ups to coordinators and administrators (run every few minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["escalate"])

    def handle(self, *args: Any, **options: Any) -> None:
        opened, escalated = escalate()
        self.stdout.write(f"Opened {opened} missing follow-up(s); escalated {escalated} overdue follow-up(s).")
