from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from peerpath.members.rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the newest key in PEERPATH_FIELD_KEYS and "
        "rebuild the name search index with PEERPATH_SEARCH_KEY. Afterwards older keys "
        "can be removed from PEERPATH_FIELD_KEYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rotate_all()
        for label, n in counts.items():
            self.stdout.write(f"{label}: {n} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS("done: older keys may now be removed"))
