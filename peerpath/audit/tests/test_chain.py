"""The hash chain itself, without a database."""

from peerpath.audit.chain import GENESIS, Link, entry_hash, verify


def _chain(n: int) -> list[Link]:
    links, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = {"seq": seq, "event": "member.view", "target_id": str(seq)}
        h = entry_hash(prev, fields)
        links.append(Link(seq=seq, prev_hash=prev, hash=h, fields=fields))
        prev = h
    return links


def test_an_untouched_chain_verifies():
    assert verify(_chain(5)) is None


def test_it_reports_the_first_changed_entry():
    links = _chain(5)
    links[2] = Link(3, links[2].prev_hash, links[2].hash, {**links[2].fields, "target_id": "99"})
    broken = verify(links)
    assert broken is not None and broken.seq == 3
    assert "content" in broken.reason


def test_it_reports_a_deleted_entry():
    links = _chain(5)
    del links[1]
    broken = verify(links)
    assert broken is not None and broken.seq == 2


def test_a_rehashed_entry_breaks_the_next_link():
    links = _chain(4)
    fields = {**links[1].fields, "event": "auth.login"}
    links[1] = Link(2, links[1].prev_hash, entry_hash(links[1].prev_hash, fields), fields)
    broken = verify(links)
    assert broken is not None and broken.seq == 3
