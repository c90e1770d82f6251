"""The helping network as an SVG picture: member codes only, never names.

Drawn directly (no matplotlib): a few lines and circles from a seeded layout, so
the same network gives the same bytes. Presentation is in SVG attributes and
classes only (the Content-Security-Policy allows no inline style). Members at
risk of isolation are drawn as squares, so that the picture does not rely on
colour alone.
"""

from __future__ import annotations

import hashlib
import math
from xml.sax.saxutils import escape, quoteattr  # noqa: S406 (escaping only, no parsing)

from peerpath.pathway.network import NetworkReport

WIDTH, HEIGHT, MARGIN = 960, 660, 30
NODE = "#7a3e9d"  # the peer track's colour
AT_RISK = "#8a4b00"
TIE = "#8a939c"
FONT = "'Noto Sans CJK TC', 'Noto Sans TC', 'PingFang TC', 'Microsoft JhengHei', sans-serif"


def _xy(position: tuple[float, float]) -> tuple[float, float]:
    x, y = position
    return (round(MARGIN + x * (WIDTH - 2 * MARGIN), 1), round(MARGIN + y * (HEIGHT - 2 * MARGIN), 1))


def _radius(degree: int) -> float:
    return round(5 + 2.2 * math.sqrt(degree), 1)


def network_svg(report: NetworkReport, title: str, summary: str) -> str:
    """The picture of ``report`` (positions from ``network.layout``), with a title
    and a one-line description for screen readers."""
    digest = hashlib.sha256((title + "\0" + summary).encode()).hexdigest()[:8]
    prefix = f"pp-net-{digest}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{prefix}-title {prefix}-desc" class="network" font-family={quoteattr(FONT)}>',
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(summary)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        '<g class="ties">',
    ]
    positions = {m: _xy(p) for m, p in report.positions.items()}
    for tie in report.ties:
        if tie.a not in positions or tie.b not in positions:
            continue
        (x1, y1), (x2, y2) = positions[tie.a], positions[tie.b]
        width = round(1 + min(4.0, math.log1p(tie.contacts)), 1)
        dash = ' stroke-dasharray="5 4"' if tie.contacts == 0 else ""
        out.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{TIE}" stroke-width="{width}"{dash}/>'
        )
    out.append("</g>")
    out.append('<g class="members">')
    for node in report.nodes:
        if node.member_id not in positions:
            continue
        x, y = positions[node.member_id]
        r = _radius(node.degree)
        label = escape(node.code)
        if node.at_risk:
            out.append(
                f'<rect class="member at-risk" x="{round(x - r, 1)}" y="{round(y - r, 1)}" width="{2 * r}" '
                f'height="{2 * r}" fill="{AT_RISK}" stroke="#ffffff" stroke-width="1.5"/>'
            )
        else:
            out.append(
                f'<circle class="member" cx="{x}" cy="{y}" r="{r}" fill="{NODE}" stroke="#ffffff" stroke-width="1.5"/>'
            )
        out.append(
            f'<text x="{x}" y="{round(y - r - 4, 1)}" font-size="11" text-anchor="middle" fill="#1b1f24">{label}</text>'
        )
    out.append("</g></svg>")
    return "\n".join(out)
