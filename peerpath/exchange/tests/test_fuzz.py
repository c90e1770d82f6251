"""Property-based tests: broken files get a clear message and change nothing; any file
is imported all or nothing."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from peerpath.exchange import actions
from peerpath.exchange.models import ImportBatch
from peerpath.exchange.tabular import FileError, Problem, read_table
from peerpath.exchange.tests._helpers import counts
from peerpath.members.models import Member

HEADER = "會員編號,姓名,出生年,性別,收案日期,電話"
ROWS = [f"F{i:04d},測試{i},198{i % 10},女,2026-01-0{1 + i % 9},0912-000-00{i % 10}" for i in range(12)]
GOOD = HEADER + "\n" + "\n".join(ROWS) + "\n"
DOMAIN = ["members.Member", "members.Consent", "members.StageChange", "members.MemberSearchToken",
          "measures.Administration", "measures.StoredScore", "measures.ResultFlag"]
FUZZ = settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _clear(problems: tuple[Problem, ...] | list[Problem]) -> None:
    assert problems, "a refusal must say why"
    for p in problems:
        assert p.row >= 1 and p.text and "%(" not in p.text


@st.composite
def broken_files(draw) -> bytes:
    """A good members file broken in one of the ways files arrive broken."""
    how = draw(st.sampled_from([
        "wrong encoding", "bom", "stray quote", "extra column", "missing column", "empty", "binary junk",
        "truncated", "nul byte",
    ]))
    text = GOOD
    if how == "wrong encoding":
        codec = draw(st.sampled_from(["big5", "utf-16-le", "utf-16-be", "gb18030", "shift_jis"]))
        return text.encode(codec, errors="replace")
    if how == "bom":
        bom = draw(st.sampled_from([codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
                                    codecs.BOM_UTF32_BE]))
        return bom + text.encode("utf-8")  # a byte-order mark that does not match the text
    lines = text.splitlines()
    row = draw(st.integers(1, len(lines) - 1))
    if how == "stray quote":
        cells = lines[row].split(",")
        at = draw(st.integers(0, len(cells) - 1))
        cells[at] = '"' + cells[at]  # an opened quote never closed
        lines[row] = ",".join(cells)
        return ("\n".join(lines) + "\n").encode()
    if how == "extra column":
        lines[row] += "," + draw(st.text("abc123", min_size=1, max_size=5))
        return ("\n".join(lines) + "\n").encode()
    if how == "missing column":
        return ("\n".join(["," + lines[0]] + [",x," + line for line in lines[1:]]) + "\n").encode()
    if how == "empty":
        return draw(st.sampled_from([b"", b"\n", b" \r\n\t", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n"]))
    if how == "binary junk":
        junk = draw(st.binary(min_size=1, max_size=300))
        return junk + b"\x00" + junk
    if how == "nul byte":
        data = text.encode()
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + b"\x00" + data[at:]
    data = text.encode()  # truncated inside a multi-byte character
    cut = draw(st.integers(1, len(data) - 1))
    assume(data[cut - 1] >= 0x80 and data[cut] & 0xC0 == 0x80)
    return data[:cut] + b"\n" + data[cut:]


@FUZZ
@given(data=broken_files())
def test_a_broken_file_gets_a_clear_message_and_changes_nothing(org_a, data):
    membership = org_a.staff["coordinator"]
    before = counts()
    try:
        batch = actions.upload(membership, kind="members", file_name="broken.csv", data=data)
    except FileError as exc:
        _clear(exc.problems)
        assert counts() == before
        return
    # readable after all (e.g. a quote that happens to make a valid cell): then its rows are checked
    check = actions.preview(membership, batch)
    batch.refresh_from_db()
    domain_before = {k: before[k] for k in DOMAIN}
    if check.problems:
        _clear(check.problems)
        with pytest.raises(actions.ImportRefused):
            actions.commit(membership, batch)
        assert {k: counts()[k] for k in DOMAIN} == domain_before
    actions.discard(membership, batch)


@FUZZ
@given(n=st.integers(6, 40))
def test_more_rows_than_the_limit_are_refused_and_change_nothing(org_a, n, settings_limit_rows):
    data = (HEADER + "\n" + "\n".join(f"G{i:04d},名{i},1980,女,2026-01-01,0912-000-000" for i in range(n))).encode()
    before = counts()
    with pytest.raises(FileError) as caught:
        actions.upload(org_a.staff["coordinator"], kind="members", file_name="big.csv", data=data)
    _clear(caught.value.problems)
    assert "more than 5 rows" in str(caught.value.problems[0])
    assert counts() == before


@pytest.fixture
def settings_limit_rows(settings):
    settings.PEERPATH_IMPORT_MAX_ROWS = 5


cell = st.one_of(
    st.sampled_from(["", "F0001", "F0002", "X", "1985", "1700", "女", "男", "other", "2026-01-05", "2099-01-01",
                     "not a date", "0912-345-678", "abc", "民國75", "115/01/05"]),
    st.text(max_size=6),
)


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=6, max_size=6), min_size=1, max_size=8))
def test_any_file_is_imported_all_or_nothing(org_a, rows):
    """Whatever the cells, the commit creates exactly the rows the check said are new,
    or (when any row has a problem) nothing at all."""
    lines = [HEADER] + [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    membership = org_a.staff["coordinator"]
    try:
        batch = actions.upload(membership, kind="members", file_name="any.csv", data="\n".join(lines).encode())
    except FileError as exc:
        _clear(exc.problems)
        return
    check = actions.preview(membership, batch)
    batch.refresh_from_db()
    before = {k: counts()[k] for k in DOMAIN}
    if check.problems:
        with pytest.raises(actions.ImportRefused):
            actions.commit(membership, batch)
        assert {k: counts()[k] for k in DOMAIN} == before
        actions.discard(membership, batch)
    else:
        actions.commit(membership, batch)
        assert Member.objects.count() == before["members.Member"] + check.n_new
        assert ImportBatch.objects.get(pk=batch.pk).result["members"] == check.n_new


@settings(max_examples=300)
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=200).map(lambda t: t.encode("utf-8"))))
def test_reading_any_bytes_gives_a_table_or_a_clear_refusal(data):
    try:
        table = read_table(data, max_rows=50)
    except FileError as exc:
        _clear(exc.problems)
    else:
        assert table.header and all(len(cells) == len(table.header) for _, cells in table.rows)
