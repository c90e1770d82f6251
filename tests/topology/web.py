"""A browser for the topology script: forms, cookies, the headers a proxy sets."""

from __future__ import annotations

import http.cookiejar
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from common import HOST, check

# --- a browser behind the proxy --------------------------------------------------------


class _ProxiedPolicy(http.cookiejar.DefaultCookiePolicy):
    """The cookies are Secure (HTTPS at the proxy); the script talks plain HTTP to
    the servers behind it, as the proxy does, so it sends them all the same."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
        return True


class FormParser(HTMLParser):
    """Every form of a page: its action, method and fields with their current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get").lower(),
                               "fields": [], "class": attrs.get("class", "")})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    fields.append((name, attrs.get("value", "on")))
            elif kind not in {"submit", "button", "file"}:
                fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs and not self._select_chosen:
                fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            fields.append((name, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self.forms[-1]["fields"].append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


class Response:
    def __init__(self, status: int, url: str, body: bytes, headers: Any) -> None:
        self.status, self.url, self.body, self.headers = status, url, body, headers

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def forms(self) -> list[dict[str, Any]]:
        parser = FormParser()
        parser.feed(self.text)
        return parser.forms

    def form(self, marker: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        found = [f for f in self.forms() if f["method"] == "post" and marker(f)]
        check(found, f"{self.url}: the expected form is not on the page")
        return found[0]


class Browser:
    """One person's browser: one cookie jar, whichever server answers (like a load
    balancer without sticky sessions)."""

    def __init__(self, client_ip: str | None, tls: ssl.SSLContext | None = None) -> None:
        """``client_ip``: talk to the app servers directly, sending the headers the nginx
        site of deploy/nginx/ sets; None: talk HTTPS to nginx itself (``tls`` trusts its
        certificate), which sets them."""
        self.jar = http.cookiejar.CookieJar(policy=_ProxiedPolicy())
        handlers: list[Any] = [urllib.request.HTTPCookieProcessor(self.jar)]
        if tls is not None:
            handlers.append(urllib.request.HTTPSHandler(context=tls))
        self.opener = urllib.request.build_opener(*handlers)
        self.opener.addheaders = [("Origin", f"https://{HOST}"), ("User-Agent", "peerpath-topology")]
        if client_ip is not None:
            self.opener.addheaders += [
                ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", HOST), ("X-Forwarded-For", client_ip)]

    def request(self, base: str, path: str, data: list[tuple[str, str]] | None = None,
                headers: dict[str, str] | None = None, timeout: float = 60) -> Response:
        url = urllib.parse.urljoin(base, path)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(  # noqa: S310 - the servers on loopback
            url, data=body, headers={"Referer": f"https://{HOST}/", **(headers or {})})
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return Response(resp.status, resp.url, resp.read(), resp.headers)
        except urllib.error.HTTPError as exc:
            return Response(exc.code, url, exc.read(), exc.headers)

    def get(self, base: str, path: str, **kw: Any) -> Response:
        return self.request(base, path, **kw)

    def submit(self, base: str, page: Response, form: dict[str, Any], changes: dict[str, str | list[str]],
               **kw: Any) -> Response:
        fields = [(k, v) for k, v in form["fields"] if k not in changes]
        for key, value in changes.items():
            for one in [value] if isinstance(value, str) else value:
                fields.append((key, one))
        action = form["action"] or urllib.parse.urlparse(page.url).path + (
            "?" + urllib.parse.urlparse(page.url).query if urllib.parse.urlparse(page.url).query else "")
        return self.request(base, action, data=fields, **kw)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def plain_http(url: str) -> tuple[int, str]:
    """A probe's request on plain HTTP, redirects not followed: (status, Location)."""
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(urllib.request.Request(url, headers={"Host": HOST}), timeout=30) as resp:  # noqa: S310
            return resp.status, resp.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")
