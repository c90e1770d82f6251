"""No English on the Chinese pages.

Every HTML page each role can reach (``tests/pages.py``, from the route matrix)
is rendered in Traditional Chinese by the Django test client, and the text a
user sees or hears is read from it: element text (``<script>`` and ``<style>``
left out), ``<option>`` labels, button values, ``alt``, ``title``,
``aria-label`` and ``placeholder``. A word of Latin letters there fails the
test unless it is on the allow-list below: instrument and method names that
Taiwanese practitioners write in English (PHQ-9, IPS, Kaplan–Meier), file
formats and standards, the software a report's method note names, and tokens
that are codes rather than words (anything with a digit, an underscore, ``@``
or ``://``; a single letter, as in "Hedges' g"). The example data is written in Chinese, so a word found here
comes from the interface.

Server-side, not in the browser, to stay fast: a page that only shows English
after JavaScript runs would escape it, and the site's scripts add no text.
"""

from __future__ import annotations

import functools
import io
import re
from html.parser import HTMLParser

import pytest

from tests.pages import build_tenant, html_pages

# Written in English in Taiwanese practice and in the product's own Chinese.
ALLOWED = {
    # the product and its standards, formats and protocols
    "Peerpath", "API", "OpenAPI", "REST", "JSON", "CSV", "XLSX", "Excel", "PDF", "SVG", "SPSS", "Stata",
    "Parquet", "REDCap", "FHIR", "TOTP", "QR", "ID", "URL", "HTTP", "HTTPS", "ISO", "TWD", "UTF",
    "Google", "Authenticator", "Microsoft", "Windows", "App", "IP", "MB", "BOM", "RCI",
    # file name extensions
    "csv", "xlsx", "sav", "dta", "zip", "parquet", "pdf", "json",
    # questionnaires (short names of the instrument library) and their subscales
    # (their ids and short names are added from the library below)
    "IPS",
    # methods and the people they are named after
    "Kaplan", "Meier", "Cox", "Hedges", "Cohen", "kappa", "Jacobson", "Truax", "Yalom", "Bloch", "Crouch",
    "Stanley", "Brown", "Greenwood", "Wilson", "Fisher", "Mann", "Whitney", "Schoenfeld",
    # software named in the reports' method notes (proper names, in a translated sentence)
    "Python", "lifelines", "statsmodels", "SciPy", "NetworkX",
}

@functools.cache
def _instrument_names() -> frozenset[str]:
    from peerpath.measures.library import library

    names = set()
    for instrument in library().values():
        names.add(instrument.id)
        names.update(w for w in re.split(r"[-\s]", instrument.short_name) if w)
    return frozenset(names)


TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_'’\-./:@+]*")
FILE_NAME = re.compile(r"[\w-]+\.(csv|xlsx|sav|dta|zip|parquet|pdf|json)")
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}
SKIP_ELEMENTS = {"script", "style", "noscript", "template"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The text of a page a reader meets, piece by piece. Elements marked as
    another language (``lang="en"``: the language switch, English wording boxes)
    are left out with everything in them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skipping: list[str] = []  # open elements whose content is not read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = (values.get("lang") or "").lower()
        skip = bool(self._skipping) or tag in SKIP_ELEMENTS or bool(lang and not lang.startswith("zh"))
        if skip and tag not in VOID_ELEMENTS:
            self._skipping.append(tag)
        if skip:
            return
        self.pieces += [v for k, v in attrs if k in READ_ATTRIBUTES and v]
        if tag == "input" and values.get("type") in {"submit", "button", "reset"} and values.get("value"):
            self.pieces.append(values["value"] or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._skipping and self._skipping[-1] == tag and tag not in VOID_ELEMENTS:
            self._skipping.pop()

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.pieces.append(data.strip())


def is_allowed(token: str, extra: frozenset[str] = frozenset()) -> bool:
    allowed = ALLOWED | _instrument_names() | extra
    if FILE_NAME.fullmatch(token):
        return True
    if any(c.isdigit() for c in token) or "_" in token or "@" in token or "://" in token:
        return True  # a code, a number, a username, an address
    words = [w for w in re.split(r"[-./:+’']", token) if w]
    return all(len(w) == 1 or w in allowed for w in words)


def english_words(html: str, identifiers: frozenset[str] = frozenset()) -> dict[str, str]:
    """Each English word found → the piece of text it was found in. ``identifiers``
    (user names) count as codes."""
    parser = VisibleText()
    parser.feed(html)
    found: dict[str, str] = {}
    for piece in parser.pieces:
        for token in TOKEN.findall(piece):
            token = token.strip("-./:+’'")
            if token and token not in identifiers and not is_allowed(token):
                found.setdefault(token, piece[:120])
    return found


def test_the_reader_finds_english_in_text_labels_and_attributes_but_not_in_scripts():
    html = (
        '<p>已儲存 Saved</p><script>var english = "words";</script><input type="submit" value="Send">'
        '<img alt="Chart of scores"><select><option>Choose one</option></select>'
        '<button lang="en">English</button><textarea lang="en" placeholder="Little interest"></textarea>'
        "<p>PHQ-9 總分 12，A0001，Kaplan–Meier，Hedges' g，admin_a，https://example.org/x</p>"
    )
    assert set(english_words(html)) == {"Saved", "Send", "Chart", "of", "scores", "Choose", "one"}


@pytest.fixture
def tenant(org_a, settings):
    settings.LANGUAGE_CODE = "zh-hant"
    return build_tenant(org_a)


# Known today on pages other engineers are changing: (path, word), or (path, "500")
# for a page that does not render. Each is to be fixed and removed; an entry that
# no longer fails fails the test, so the list only shrinks.
KNOWN: set[tuple[str, str]] = set()


def test_no_chinese_page_shows_an_english_word(tenant):
    pages, broken = html_pages(tenant)
    assert len(pages) > 100, "the crawl reached too few pages to mean anything"
    found: dict[tuple[str, str], str] = {}
    for page, status in broken:
        found.setdefault((page.path, str(status)), f"{page.path} ({page.role}) answered {status}, not 200")
    for page, html in pages:
        for word, context in sorted(english_words(html).items()):
            found.setdefault((page.path, word), f"{page.path} ({page.role}): {word!r} in {context!r}")
    problems = [text for key, text in sorted(found.items()) if key not in KNOWN]
    assert not problems, f"{len(problems)} English words on Chinese pages:\n" + "\n".join(problems)
    fixed = sorted(KNOWN - set(found))
    assert not fixed, f"fixed since listed, remove from KNOWN: {fixed}"


DEMO_USERS = {"professional": "ot", "coordinator": "coordinator", "peer_leader": "peerleader",
              "researcher": "researcher", "admin": "admin", "member": "member"}


def test_no_chinese_page_of_the_demo_association_shows_an_english_word(db, settings):
    """The same with real volumes: the demo association (20 members with years of
    history), each route that takes no parameter or only a member code (for the
    four members with the longest history), for each demo user who may open it.
    User names (``admin``, ``ot``) are identifiers, not words."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from conftest import verified_client
    from peerpath.members.models import Member
    from tests.test_route_matrix import MATRIX, MEMBER_DEFAULT, all_routes

    settings.DEBUG = True  # the demo loads on development machines only
    call_command("demo", "--size", "20", stdout=io.StringIO())
    settings.DEBUG = False
    settings.LANGUAGE_CODE = "zh-hant"
    codes = list(Member.objects.filter(organization__slug="dawn-demo").order_by("enrolment_date")
                 .values_list("code", flat=True)[:4])
    usernames = frozenset(get_user_model().objects.values_list("username", flat=True))
    found: dict[tuple[str, str], str] = {}
    visited = 0
    for role, username in DEMO_USERS.items():
        client = verified_client(get_user_model().objects.get(username=username))
        client.raise_request_exception = False
        for name, route in all_routes():
            if MATRIX.get(name, {}).get(role, MEMBER_DEFAULT) != 200:
                continue
            if route.endswith(("pdf/", ".pdf")):
                continue  # a file, not a page
            if "<" not in route:
                paths = ["/" + route]
            elif route.count("<") == route.count("<str:code>"):
                paths = ["/" + route.replace("<str:code>", code) for code in codes]
            else:
                continue
            for path in paths:
                response = client.get(path)
                if response.status_code != 200:
                    found.setdefault((path, str(response.status_code)), f"{path} ({role}) answered {response.status_code}")
                    continue
                if not response.get("Content-Type", "").startswith("text/html") or response.streaming:
                    continue
                visited += 1
                for word, context in english_words(response.content.decode(), usernames).items():
                    found.setdefault((path, word), f"{path} ({role}): {word!r} in {context!r}")
    assert visited > 50, f"only {visited} demo pages"
    problems = sorted(found.values())
    assert not problems, f"{len(problems)} English words on Chinese pages:\n" + "\n".join(problems)
