"""The portal's part of the demo association (see peerpath/demo/generator.py): the
demo member (user ``member``) left a questionnaire part-way, so that the portal
offers "Continue" and the questionnaire resumes at its first unanswered question."""

from __future__ import annotations

import random
from typing import Any

from peerpath.demo.generator import DemoPlan


def extend_plan(rng: random.Random, plan: DemoPlan) -> None:
    """How many questions of the first due questionnaire the demo member answered."""
    plan.extras["portal"] = {"answered": 2}


def load(plan: DemoPlan, ctx: Any) -> None:  # ctx: peerpath.demo.load.LoadContext
    """Write this app's part of the plan (inside the demo's one transaction)."""
    from peerpath.measures import actions as measure_actions
    from peerpath.measures.forms import has_wording
    from peerpath.measures.library import library
    from peerpath.measures.models import Administration
    from peerpath.measures.selectors import due_of
    from peerpath.portal.actions import start_questionnaire
    from peerpath.portal.models import MemberAccount

    account = MemberAccount.objects.select_related("member", "organization", "user").filter(
        user__username="member"
    ).first()
    answered = plan.extras.get("portal", {}).get("answered", 0)
    if account is None or not answered:
        return
    due = [
        d.instrument_id
        for _member, items in due_of(account.organization_id, [account.member], plan.today)
        for d in items
        if d.instrument_id in library() and has_wording(library()[d.instrument_id])
    ]
    if not due:
        return
    instrument = library()[due[0]]
    token = start_questionnaire.within(account, instrument.id)
    administration = Administration.objects.get(link_token_hash=measure_actions.token_hash(token))
    for item in instrument.items[:answered]:
        options = instrument.response_sets[item.response_set].options
        measure_actions.save_link_answer(administration, item.id, options[len(options) // 2].value)
