"""The chart's SVG without CSS: matplotlib's output rewritten into a deterministic,
self-contained document.

``_finalise`` turns matplotlib's ``style`` attributes and ``<style>`` rule into SVG
presentation attributes (``fill=``, ``stroke=``, ``font-size=`` …, which no
Content-Security-Policy governs), drops the metadata and unused ids, adds
``<title>``/``<desc>`` and ARIA for screen readers, derives the remaining ids from the
content (same input, same bytes) and serialises with the SVG namespace as the default.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET  # noqa: S405 (parses only matplotlib's own output)
from xml.sax.saxutils import escape, quoteattr  # noqa: S406 (escaping only, no parsing)

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# What the browser renders the text with (Android: Noto; iOS/macOS: PingFang; Windows: JhengHei).
SVG_FONT_STACK = (
    "'Noto Sans CJK TC', 'Noto Sans TC', 'Source Han Sans TC', 'PingFang TC', "
    "'Microsoft JhengHei', sans-serif"
)


def _svg(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


_STYLE_DECLARATION = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")
# CSS properties matplotlib writes that are also SVG presentation attributes.
PRESENTATION_ATTRIBUTES = frozenset(
    {
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linejoin", "stroke-linecap", "stroke-dasharray", "stroke-dashoffset",
        "stroke-miterlimit", "opacity", "clip-path", "font-family", "font-size", "font-weight",
        "font-style", "font-variant", "font-stretch", "text-anchor",
    }
)  # fmt: skip


def _finalise(raw: str, heading: str, summary: str) -> str:
    """matplotlib's SVG, rewritten: styles as presentation attributes, no <style>, no
    metadata or DOCTYPE, responsive width, <title>/<desc> and ARIA for screen readers,
    only the ids something refers to."""
    root = ET.fromstring(raw)  # noqa: S314 (matplotlib's own output, no entities)
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in list(root.iter()):
        if element.tag in (_svg("metadata"), _svg("style")):
            parents[element].remove(element)
    for defs in list(root.iter(_svg("defs"))):
        if len(defs) == 0:
            parents[defs].remove(defs)
    # The rule matplotlib put in <style>, `*{stroke-linejoin: round; stroke-linecap: butt}`,
    # as inherited attributes of the root; an element's own attribute still wins.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style is None:
            continue
        for name, value in _STYLE_DECLARATION.findall(style):
            if name not in PRESENTATION_ATTRIBUTES:
                raise ValueError(f"matplotlib wrote CSS {name!r} that has no SVG attribute")
            element.set(name, SVG_FONT_STACK if name == "font-family" else value)
    referenced = set(re.findall(r"url\(#([^)]+)\)", raw))
    referenced |= {
        value[1:]
        for element in root.iter()
        for key, value in element.attrib.items()
        if key in (f"{{{XLINK_NS}}}href", "href") and value.startswith("#")
    }
    # Ids that something refers to carry the chart's digest: matplotlib names alike the
    # markers of different charts, and a page or a PDF report holds several charts.
    digest = hashlib.sha256((heading + "\0" + summary + "\0" + raw).encode()).hexdigest()[:10]
    prefix = f"pp-chart-{digest}"
    for element in root.iter():
        for key, value in list(element.attrib.items()):
            if key in (f"{{{XLINK_NS}}}href", "href") and value[1:] in referenced:
                element.set(key, f"#{prefix}-{value[1:]}")
            elif "url(#" in value:
                element.set(key, re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", value))
        identifier = element.get("id")
        if identifier is None:
            continue
        if identifier in referenced:
            element.set("id", f"{prefix}-{identifier}")
            continue
        del element.attrib["id"]
        if identifier.startswith("pp-"):  # our own gids: stable hooks for tests and CSS
            element.set("class", identifier[3:])
    root.set("width", "100%")
    root.attrib.pop("height", None)
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title {prefix}-desc")
    root.set("font-family", SVG_FONT_STACK)
    title = ET.Element(_svg("title"), {"id": f"{prefix}-title"})
    title.text = heading
    desc = ET.Element(_svg("desc"), {"id": f"{prefix}-desc"})
    desc.text = summary
    root.insert(0, desc)
    root.insert(0, title)
    root.set("xmlns", SVG_NS)
    root.set("xmlns:xlink", XLINK_NS)
    out: list[str] = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _serialise(root, out)
    out.append("\n")
    return "".join(out)


def _name(qualified: str) -> str:
    if qualified.startswith(f"{{{SVG_NS}}}"):
        return qualified[len(SVG_NS) + 2 :]
    if qualified.startswith(f"{{{XLINK_NS}}}"):
        return "xlink:" + qualified[len(XLINK_NS) + 2 :]
    if qualified.startswith("{"):
        raise ValueError(f"unexpected namespace in the chart SVG: {qualified}")
    return qualified


def _serialise(element: ET.Element, out: list[str]) -> None:
    """XML with the SVG namespace as the default and the xlink prefix, written here
    rather than by ElementTree, which would need a process-wide prefix registration."""
    tag = _name(element.tag)
    attributes = "".join(f" {_name(k)}={quoteattr(v)}" for k, v in element.attrib.items())
    out.append(f"<{tag}{attributes}")
    if len(element) == 0 and not element.text:
        out.append("/>")
    else:
        out.append(">")
        out.append(escape(element.text or ""))
        for child in element:
            _serialise(child, out)
        out.append(f"</{tag}>")
    out.append(escape(element.tail or ""))
