"""User names: one name whatever its case, across every organisation.

A staff user's chosen name and a member's derived portal name share one namespace
(Django's users), so both ask ``username_in_use`` before taking a name: the staff form
(``tenancy.staff``) and the portal's account opening (through ``members.rules``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model


def username_in_use(username: str) -> bool:
    """A user of any organisation already has this name, in any case."""
    return get_user_model().objects.filter(username__iexact=username.strip()).exists()
