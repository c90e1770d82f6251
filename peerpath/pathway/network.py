"""The helping network of an organisation (NetworkX).

Nodes are the organisation's active members. Two members are tied when one
helped the other in the period (a helping contact, in either direction) or when
one was the other's peer mentor at some time in the period (a mentoring pair is
expected to stay in touch; such ties are marked, and drawn dashed when no helping
contact backs them). The graph is undirected: a tie is a relationship, whoever
helped whom; minutes given and received are kept per member beside it.

A member is **at risk of isolation** when no helping contact, in either direction,
is dated in the last N days (``today`` included). A mentoring assignment alone
does not count there: it says who should be in touch, not who was.

``analyse`` is pure (plain data in, plain data out) and tested with hand-checked
graphs; ``network_for`` and ``isolated_member_ids`` read the database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

DEFAULT_ISOLATION_DAYS = 60


@dataclass(frozen=True)
class Contact:
    """Helping contacts from ``helper`` to ``helped`` in the period, summed."""

    helper: int
    helped: int
    count: int
    minutes: int


@dataclass(frozen=True)
class Tie:
    a: int  # the member with the smaller code
    b: int
    contacts: int
    minutes: int
    mentoring: bool


@dataclass(frozen=True)
class NodeStats:
    member_id: int
    code: str
    degree: int
    betweenness: float
    minutes_given: int
    minutes_received: int
    at_risk: bool


@dataclass
class NetworkReport:
    nodes: list[NodeStats]  # by code
    ties: list[Tie]  # by the codes of their ends
    density: float
    components: list[list[str]]  # member codes; largest first, then by first code
    isolates: list[str]  # codes of members without any tie in the period
    positions: dict[int, tuple[float, float]] = field(default_factory=dict)

    @property
    def at_risk(self) -> list[str]:
        return [n.code for n in self.nodes if n.at_risk]


def build_graph(
    nodes: Mapping[int, str], contacts: Iterable[Contact], mentoring: Iterable[tuple[int, int]] = ()
) -> nx.Graph[int]:
    """An undirected graph of ``nodes`` (member id → code), nodes added in code
    order so that a seeded layout is the same every time. Ties to members who are
    not nodes are left out."""
    graph: nx.Graph[int] = nx.Graph()
    for member_id, code in sorted(nodes.items(), key=lambda item: item[1]):
        graph.add_node(member_id, code=code)
    for c in contacts:
        if c.helper == c.helped or c.helper not in nodes or c.helped not in nodes:
            continue
        if graph.has_edge(c.helper, c.helped):
            edge = graph.edges[c.helper, c.helped]
            edge["contacts"] += c.count
            edge["minutes"] += c.minutes
        else:
            graph.add_edge(c.helper, c.helped, contacts=c.count, minutes=c.minutes, mentoring=False)
    for mentee, mentor in mentoring:
        if mentee == mentor or mentee not in nodes or mentor not in nodes:
            continue
        if graph.has_edge(mentee, mentor):
            graph.edges[mentee, mentor]["mentoring"] = True
        else:
            graph.add_edge(mentee, mentor, contacts=0, minutes=0, mentoring=True)
    return graph


def analyse(
    nodes: Mapping[int, str],
    contacts: Iterable[Contact],
    mentoring: Iterable[tuple[int, int]] = (),
    recently_tied: set[int] | None = None,
) -> NetworkReport:
    """Density, degree, betweenness (normalised), components and isolates of the
    network; ``recently_tied`` holds the members with a helping contact in the
    isolation window (None: nobody is flagged)."""
    contacts = list(contacts)
    graph = build_graph(nodes, contacts, mentoring)
    given: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    for c in contacts:
        given[c.helper] += c.minutes
        received[c.helped] += c.minutes
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    code = nodes.__getitem__
    stats = [
        NodeStats(
            member_id=m, code=code(m), degree=int(graph.degree(m)),
            betweenness=round(float(betweenness.get(m, 0.0)), 4),
            minutes_given=given.get(m, 0), minutes_received=received.get(m, 0),
            at_risk=recently_tied is not None and m not in recently_tied,
        )
        for m in sorted(nodes, key=code)
    ]
    ties = []
    for a, b, data in graph.edges(data=True):
        first, second = sorted((a, b), key=code)
        ties.append(Tie(first, second, data["contacts"], data["minutes"], data["mentoring"]))
    ties.sort(key=lambda t: (code(t.a), code(t.b)))
    components = sorted(
        (sorted(code(m) for m in component) for component in nx.connected_components(graph)),
        key=lambda codes: (-len(codes), codes[0]),
    )
    return NetworkReport(
        nodes=stats,
        ties=ties,
        density=round(float(nx.density(graph)), 4) if len(graph) > 1 else 0.0,
        components=components,
        isolates=sorted(code(m) for m in nx.isolates(graph)),
    )


def layout(
    nodes: Mapping[int, str], ties: list[Tie], seed: int = 2026, aspect: float = 1.46
) -> dict[int, tuple[float, float]]:
    """Positions in [0, 1] × [0, 1] for a picture ``aspect`` times wider than high.

    The largest connected group fills the left part with a spring layout (fixed
    seed, nodes in code order: same network, same picture); the smaller groups and
    the members without a tie are laid out each in a cell of a grid on the right,
    so that the big group is not squeezed by the others drifting away."""
    graph: nx.Graph[int] = nx.Graph()
    for member_id, _code in sorted(nodes.items(), key=lambda item: item[1]):
        graph.add_node(member_id)
    graph.add_edges_from((t.a, t.b) for t in ties)
    order = {m: i for i, m in enumerate(graph)}
    components = sorted((sorted(c, key=order.__getitem__) for c in nx.connected_components(graph)),
                        key=lambda c: (-len(c), order[c[0]]))
    positions: dict[int, tuple[float, float]] = {}
    if not components:
        return positions
    rest = components
    if len(components[0]) > 2:
        main, rest = components[0], components[1:]
        _place(graph.subgraph(main), (0.0, 0.0, 0.72 if rest else 1.0, 1.0), seed, positions)
    if rest:
        left = 0.76 if len(positions) else 0.0
        width, height = (1.0 - left) * aspect, 1.0
        cols = max(1, min(len(rest), round((len(rest) * width / height) ** 0.5)))
        rows = -(-len(rest) // cols)
        cell_w, cell_h = (1.0 - left) / cols, 1.0 / rows
        for i, component in enumerate(rest):
            x0, y0 = left + (i % cols) * cell_w, (i // cols) * cell_h
            _place(graph.subgraph(component), (x0, y0, x0 + cell_w, y0 + cell_h), seed, positions)
    return positions


def _place(graph: nx.Graph[int], box: tuple[float, float, float, float], seed: int,
           positions: dict[int, tuple[float, float]]) -> None:
    """A spring layout of ``graph`` scaled into ``box`` (x0, y0, x1, y1), with a margin."""
    x0, y0, x1, y1 = box
    if len(graph) == 1:
        positions[next(iter(graph))] = (round((x0 + x1) / 2, 4), round((y0 + y1) / 2, 4))
        return
    raw = nx.spring_layout(graph, seed=seed, k=1.2 / len(graph) ** 0.5, iterations=100)
    xs = [float(p[0]) for p in raw.values()]
    ys = [float(p[1]) for p in raw.values()]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    pad_x, pad_y = (x1 - x0) * 0.1, (y1 - y0) * 0.1
    for m, p in raw.items():
        x = x0 + pad_x + (float(p[0]) - min(xs)) / span_x * (x1 - x0 - 2 * pad_x)
        y = y0 + pad_y + (float(p[1]) - min(ys)) / span_y * (y1 - y0 - 2 * pad_y)
        positions[int(m)] = (round(x, 4), round(y, 4))


# -- from the database -----------------------------------------------------------


def window_start(today: dt.date, days: int) -> dt.date:
    """The first day of the last ``days`` days ending with ``today``."""
    return today - dt.timedelta(days=max(days, 1) - 1)


def _active_members(organization_id: int) -> dict[int, str]:
    from peerpath.members.models import Member, Status

    return dict(
        Member.objects.filter(organization_id=organization_id, status=Status.ACTIVE).values_list("pk", "code")
    )


def _recently_tied(organization_id: int, today: dt.date, days: int) -> set[int]:
    from peerpath.pathway.models import HelpingContact

    pairs = (
        HelpingContact.objects.filter(
            organization_id=organization_id, date__gte=window_start(today, days), date__lte=today
        )
        .values_list("helper_id", "helped_id")
        .distinct()
    )
    return {m for pair in pairs for m in pair}


def isolated_member_ids(organization_id: int, today: dt.date, days: int) -> set[int]:
    """Active members with no helping contact, given or received, dated in the last
    ``days`` days up to ``today`` (two queries; no access check: callers decide)."""
    return set(_active_members(organization_id)) - _recently_tied(organization_id, today, days)


def network_for(
    organization_id: int, start: dt.date, end: dt.date, today: dt.date, days: int = DEFAULT_ISOLATION_DAYS
) -> NetworkReport:
    """The organisation's helping network from ``start`` to ``end`` (inclusive),
    with members flagged at risk of isolation as of ``today`` (four queries; no
    access check: the selector ``network_report`` is the staff door)."""
    from django.db.models import Count, Q, Sum

    from peerpath.members.models import CareRole, CareTeamAssignment
    from peerpath.pathway.models import HelpingContact

    nodes = _active_members(organization_id)
    rows = (
        HelpingContact.objects.filter(organization_id=organization_id, date__gte=start, date__lte=end)
        .values("helper_id", "helped_id")
        .annotate(n=Count("pk"), minutes=Sum("minutes"))
        .order_by()
    )
    contacts = [Contact(r["helper_id"], r["helped_id"], r["n"], int(r["minutes"] or 0)) for r in rows]
    mentoring = CareTeamAssignment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start),
        organization_id=organization_id, role=CareRole.PEER_MENTOR, started_on__lte=end,
    ).values_list("member_id", "mentor_id")
    report = analyse(nodes, contacts, [(a, b) for a, b in mentoring if b is not None],
                     _recently_tied(organization_id, today, days))
    report.positions = layout(nodes, report.ties)
    return report
