"""The e-mail digest of open alerts (``peerpath alerts --digest``).

Each staff member who may see alerts and has an e-mail address receives the
counts of their open alerts (as the alert list shows them by default: their
caseload for professionals, every visible alert for the others), the member
codes and a link. Never names, and never a clinical reason: clinical alerts are
counted together, without saying which rule raised them.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerpath.alerts import selectors
from peerpath.alerts.models import Rule
from peerpath.audit import actions as audit
from peerpath.audit.models import Event
from peerpath.tenancy.models import Membership, Organization
from peerpath.tenancy.policy import Perm, can

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Digest:
    total: int
    by_rule: list[tuple[str, int]]  # (rule label, count) of non-clinical alerts
    clinical: int
    codes: list[str]


def digest_for(membership: Membership) -> Digest | None:
    """What one staff member's digest says (None when they have no open alert)."""
    if not can(membership, Perm.ALERT_VIEW):
        return None
    rows = list(
        selectors.alert_list(membership, scope=selectors.default_scope(membership), state="current")
        .values_list("rule", "clinical", "member__code")
    )
    if not rows:
        return None
    labels = dict(Rule.choices)
    counts = Counter(rule for rule, clinical, _code in rows if not clinical)
    return Digest(
        total=len(rows),
        by_rule=[(str(labels.get(rule, rule)), n) for rule, n in sorted(counts.items())],
        clinical=sum(1 for _rule, clinical, _code in rows if clinical),
        codes=sorted({code for _rule, _clinical, code in rows}),
    )


def render(organization: Organization, digest: Digest, link: str) -> tuple[str, str]:
    """(subject, plain-text body) in the active language."""
    subject = ngettext(
        "Peerpath: %(n)s open alert", "Peerpath: %(n)s open alerts", digest.total
    ) % {"n": digest.total}
    lines = [
        ngettext(
            "You have %(n)s open alert at %(org)s, about these members:",
            "You have %(n)s open alerts at %(org)s, about these members:",
            digest.total,
        ) % {"n": digest.total, "org": organization.name},
        ", ".join(digest.codes),
        "",
    ]
    lines += [f"{label}: {n}" for label, n in digest.by_rule]
    if digest.clinical:
        lines.append(_("Clinical alerts (details in Peerpath only): %(n)s") % {"n": digest.clinical})
    lines += ["", _("See and handle them in Peerpath:"), link, ""]
    lines.append(_("Member names and clinical details are never sent by e-mail."))
    return subject, "\n".join(lines) + "\n"


def send_digests(organization: Organization, base_url: str, language: str) -> tuple[int, int]:
    """E-mail each staff member of the organisation their digest; returns (sent,
    failed). Each e-mail sent is audited (ALERT_DIGEST_SENT, with counts only)."""
    link = base_url.rstrip("/") + reverse("alert_list")
    sent = failed = 0
    staff = (
        Membership.objects.for_org(organization)
        .filter(is_active=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "organization")
        .order_by("pk")
    )
    for membership in staff:
        digest = digest_for(membership)
        if digest is None:
            continue
        with translation.override(language):
            subject, body = render(organization, digest, link)
        try:
            send_mail(subject, body, None, [membership.user.email])
        except Exception:  # one unreachable address must not stop the others
            log.exception("alert digest to user %s failed", membership.user_id)
            failed += 1
            continue
        audit.record(
            Event.ALERT_DIGEST_SENT, actor=None, organization=organization, target=membership.user,
            extra={"to": membership.user_id, "alerts": digest.total, "members": len(digest.codes)},
        )
        sent += 1
    return sent, failed
