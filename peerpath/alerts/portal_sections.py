"""What the alerts app adds to the member portal: prompts for peer mentors."""

from __future__ import annotations

from django.utils.translation import gettext as _

from peerpath.alerts import selectors, texts
from peerpath.portal.models import MemberAccount
from peerpath.portal.sections import PortalSection, register


@register
def mentee_prompts(account: MemberAccount) -> PortalSection | None:
    """For a signed-in member who is a current peer mentor: the non-clinical open
    alerts that prompt the peer mentor about their mentees, by the mentee's
    preferred name (the mentor knows them). Never clinical content."""
    found = selectors.mentee_prompts(account.member)
    prompts = [
        text
        for alert, mentee in found
        if (text := texts.mentor_prompt(alert, mentee.preferred_name or mentee.name))
    ]
    if not prompts:
        return None
    return PortalSection(
        template="alerts/portal_section.html", title=_("Your mentees"), context={"prompts": prompts}
    )
