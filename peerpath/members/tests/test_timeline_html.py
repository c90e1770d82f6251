"""``{% timeline_entries %}`` writes in Python the HTML the timeline's template
loop wrote: the same bytes, every value escaped, in each language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.template.loader import get_template
from django.utils import translation

from peerpath.members.models import Member
from peerpath.members.timeline import Cursor, TimelineEntry

# members/_timeline_entries.html as it was, a template loop.
TEMPLATE_LOOP = '{% load i18n %}{% translate "Professional track" as l_professional %}{% translate "Peer track" as l_peer %}{% translate "Record" as l_record %}{% for e in timeline %}\n    <li class="entry {{ e.kind|cut:\'.\' }} track-{{ e.track }}">\n      <time datetime="{{ e.date|date:\'Y-m-d\' }}">{{ e.date|date:"Y-m-d" }}</time>\n      <span class="track track-{{ e.track }}">{% if e.track == "professional" %}{{ l_professional }}{% elif e.track == "peer" %}{{ l_peer }}{% else %}{{ l_record }}{% endif %}</span>\n      <strong>{{ e.title }}</strong>\n      {% if e.detail %}<span class="detail">{{ e.detail }}</span>{% endif %}\n      {% if e.by %}<span class="by">{% blocktranslate with who=e.by %}by {{ who }}{% endblocktranslate %}</span>{% endif %}\n    </li>\n  {% empty %}{% if not before %}<li>{% translate "Nothing recorded yet." %}</li>{% endif %}\n  {% endfor %}\n  {% if next_cursor %}<li class="more" id="timeline-more"><a href="{% url \'member_timeline\' code=member.code %}?before={{ next_cursor|urlencode }}{% if track %}&amp;track={{ track }}{% endif %}"\n    hx-get="{% url \'member_timeline\' code=member.code %}?before={{ next_cursor|urlencode }}{% if track %}&amp;track={{ track }}{% endif %}"\n    hx-target="#timeline-more" hx-swap="outerHTML">{% translate "Show earlier entries" %}</a></li>{% endif %}\n'

ENTRIES = [
    TimelineEntry(date=dt.date(2026, 3, 4), kind="group.session", title="Group <b>session</b> & \"x\"", track="peer",
                  detail="theme <i>'a'</i>", by="王 <小明>"),
    TimelineEntry(date=dt.date(2025, 1, 2), kind="consent.given", title="Consent given", track="admin"),
    TimelineEntry(date=dt.date(2024, 12, 31), kind="safety.opened", title="Safety", track="professional",
                  detail="Due by 2024-12-31", by=""),
    TimelineEntry(date=dt.date(2024, 12, 30), kind="x.y.z", title="Odd", track="other", by="Someone"),
]
CURSOR = Cursor(dt.date(2024, 12, 30), dt.datetime(2024, 12, 30, 8, 1, 2, 345, tzinfo=dt.UTC), "x.y.z", 7)


@pytest.mark.parametrize("language", ["en", "zh-hant"])
@pytest.mark.parametrize(("entries", "cursor", "track", "before"), [
    (ENTRIES, CURSOR, "", None),
    (ENTRIES, CURSOR, "peer", CURSOR),
    (ENTRIES[:2], None, "", None),
    ([], None, "", None),
    ([], None, "admin", CURSOR),
])
def test_the_tag_writes_what_the_template_loop_wrote(language, entries, cursor, track, before):
    context = {"timeline": entries, "next_cursor": cursor, "track": track, "before": before,
               "member": Member(code="M<001>")}
    with translation.override(language):
        expected = Template(TEMPLATE_LOOP).render(Context(context))
        assert get_template("members/_timeline_entries.html").render(context) == expected
