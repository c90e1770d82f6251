"""Verifying every chain of the stored audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from peerpath.audit.chain import Break, Link, verify
from peerpath.audit.models import AccessLog, ChainHead


@dataclass(frozen=True)
class ChainReport:
    chain: str
    entries: int
    broken: Break | None


def _links(chain: str) -> Iterator[Link]:
    rows = AccessLog.objects.filter(chain=chain).order_by("seq")
    for row in rows.iterator(chunk_size=2000):
        yield Link(seq=row.seq, prev_hash=row.prev_hash, hash=row.hash, fields=row.chained_fields())


def verify_all() -> list[ChainReport]:
    """Check every chain; a chain whose head records more entries than are
    stored (rows deleted at the end) is reported as broken too."""
    reports = []
    heads = {h.chain: h for h in ChainHead.objects.all()}
    chains = set(heads) | set(AccessLog.objects.values_list("chain", flat=True).distinct())
    for chain in sorted(chains):
        count = AccessLog.objects.filter(chain=chain).count()
        broken = verify(_links(chain))
        head = heads.get(chain)
        if broken is None and head is not None:
            last = AccessLog.objects.filter(chain=chain).order_by("-seq").first()
            if head.seq != count or (last is not None and last.hash != head.hash):
                broken = Break(count + 1, f"chain head records {head.seq} entries but {count} are stored")
        reports.append(ChainReport(chain=chain, entries=count, broken=broken))
    return reports
