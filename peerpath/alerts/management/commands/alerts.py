"""``peerpath alerts``: compute alerts once, and e-mail the digest.

    peerpath alerts                         every organisation, once
    peerpath alerts --organisation SLUG     one organisation
    peerpath alerts --digest --base-url https://peerpath.example.org
                                            compute, then e-mail each staff member a digest

The recomputation every 15 minutes and the weekday digest run as background tasks
(``peerpath.alerts.tasks``), enqueued by ``peerpath tasks enqueue-periodic`` and run
by ``peerpath worker`` (docs/deployment.md, "Background work").
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from peerpath.alerts.digest import send_digests
from peerpath.alerts.tasks import compute_every_organisation
from peerpath.tenancy.models import Organization


class Command(BaseCommand):
    help = "Compute alerts for every organisation (or one), once; optionally e-mail a digest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", "--organization", dest="organisation", metavar="SLUG",
                            help="only this organisation (its short name)")
        parser.add_argument("--digest", action="store_true",
                            help="after computing, e-mail each staff member a digest of their open alerts")
        parser.add_argument("--base-url", default="", help="the site's address, for the link in the digest")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["organisation"]
        if slug and not Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"No organisation with the short name {slug!r}.")
        if options["digest"] and not options["base_url"].startswith(("https://", "http://")):
            raise CommandError("--digest needs --base-url, the address staff open Peerpath at (https://…).")
        today = timezone.localdate()
        for org_slug, raised, cleared, open_ in compute_every_organisation(slug):
            self.stdout.write(f"{org_slug}: {raised} raised, {cleared} cleared, {open_} open ({today})")
        if options["digest"]:
            self.digest(slug, options["base_url"])

    def organisations(self, slug: str | None) -> list[Organization]:
        orgs = Organization.objects.order_by("pk")
        return list(orgs.filter(slug=slug) if slug else orgs)

    def digest(self, slug: str | None, base_url: str) -> None:
        for org in self.organisations(slug):
            sent, failed = send_digests(org, base_url, settings.LANGUAGE_CODE)
            self.stdout.write(f"{org.slug}: digest sent to {sent} staff" + (f", {failed} failed" if failed else ""))
            if failed:
                self.stderr.write(f"{org.slug}: {failed} digest e-mail(s) could not be sent (see the log).")
