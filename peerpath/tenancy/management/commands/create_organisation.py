from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.tenancy.models import Membership, Organization, Role


class Command(BaseCommand):
    help = (
        "Create an organisation and its first administrator, and print a one-time link "
        "(valid for a few days) on which the administrator chooses a password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="the organisation's name as shown in the UI")
        parser.add_argument("--slug", help="short name (letters, digits, hyphens); from the name if omitted")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-family-name", default="")
        parser.add_argument("--admin-given-name", default="")
        parser.add_argument(
            "--base-url", default="https://peerpath.example.org",
            help="where Peerpath is served, for the printed link",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        slug = options["slug"] or slugify(options["name"]) or f"org-{secrets.token_hex(3)}"
        if Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"--slug: an organisation with the short name {slug!r} already exists")
        if User.objects.filter(username__iexact=options["admin_username"]).exists():
            raise CommandError(f"--admin-username: {options['admin_username']!r} is taken")
        with transaction.atomic():
            org = Organization.objects.create(name=options["name"], slug=slug)
            user = User.objects.create_user(
                username=options["admin_username"], email=options["admin_email"],
                first_name=options["admin_given_name"], last_name=options["admin_family_name"],
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            membership = Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
            audit.record(
                Event.STAFF_ADDED, actor=None, organization=org, target=membership,
                extra={"role": Role.ADMIN, "by": "create_organisation command"},
            )
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        base = options["base_url"].rstrip("/")
        self.stdout.write(self.style.SUCCESS(f"Organisation {org.name} ({org.slug}) created."))
        self.stdout.write(f"Administrator {user.username}: choose a password at")
        self.stdout.write(f"  {base}/account/reset/{uid}/{token}/")
