"""Identifying fields are ciphertext in the database (history included), and
``rotate_keys`` moves everything to the newest key without losing search."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from peerpath.audit.models import AccessLog, Event
from peerpath.members import selectors
from peerpath.members.crypto import PREFIX, DecryptionError, FieldCipher
from peerpath.members.models import Member
from peerpath.members.tests.conftest import raw_member, raw_row
from tests.factories import ConsentFactory, MemberFactory, MembershipFactory, OrganizationFactory

PLAIN = {
    "name": "林志玲",
    "phone": "0912-345-678",
    "national_id": "A123456789",
    "diagnosis": "雙相情緒障礙",
}


def _history_rows(member: Member) -> list[dict[str, str]]:
    ids = member.history.values_list("history_id", flat=True)
    return [
        raw_row("members_historicalmember", hid, list(PLAIN), pk_column="history_id") for hid in ids
    ]


def _rotate() -> str:
    out = StringIO()
    call_command("rotate_keys", stdout=out)
    return out.getvalue()


@pytest.fixture
def member(db) -> Member:
    return MemberFactory(**PLAIN)


# -- at rest -----------------------------------------------------------------


def test_it_stores_identifying_fields_as_ciphertext(member):
    raw = raw_member(member.pk)
    for field, plain in PLAIN.items():
        assert raw[field].startswith(PREFIX), field
        assert plain not in raw[field], field


def test_it_reads_the_plaintext_back_through_the_orm(member):
    fresh = Member.objects.get(pk=member.pk)
    assert {f: getattr(fresh, f) for f in PLAIN} == PLAIN


def test_it_stores_ciphertext_under_the_configured_key(member, settings):
    cipher = FieldCipher(settings.PEERPATH_FIELD_KEYS)
    assert cipher.decrypt(raw_member(member.pk)["diagnosis"]) == "雙相情緒障礙"


def test_it_keeps_a_blank_field_blank_in_the_database(db):
    member = MemberFactory(national_id="")
    assert raw_member(member.pk)["national_id"] == ""


def test_it_stores_history_rows_as_ciphertext(member):
    member.phone = "0987-654-321"
    member.save()

    rows = _history_rows(member)

    assert len(rows) == 2
    for row in rows:
        for field, value in row.items():
            assert value.startswith(PREFIX), field
    stored = " ".join(v for row in rows for v in row.values())
    for plain in [*PLAIN.values(), "0987-654-321"]:
        assert plain not in stored


def test_it_stores_a_consent_note_as_ciphertext(db):
    consent = ConsentFactory(note="家屬代簽")
    raw = raw_row("members_consent", consent.pk, ["note"])["note"]
    assert raw.startswith(PREFIX)
    assert "家屬代簽" not in raw


def test_it_encrypts_text_that_happens_to_start_with_the_prefix(db):
    member = MemberFactory(clinical_notes="enc1:not really encrypted")
    raw = raw_row("members_member", member.pk, ["clinical_notes"])["clinical_notes"]
    assert raw != "enc1:not really encrypted"
    assert "not really encrypted" not in raw


def test_it_reads_back_text_that_happens_to_start_with_the_prefix(db):
    member = MemberFactory(clinical_notes="enc1:not really encrypted")
    assert Member.objects.get(pk=member.pk).clinical_notes == "enc1:not really encrypted"


def test_it_cannot_read_a_value_when_its_key_is_removed(member, settings, new_key):
    settings.PEERPATH_FIELD_KEYS = [new_key]
    with pytest.raises(DecryptionError):
        Member.objects.get(pk=member.pk)


# -- key rotation ------------------------------------------------------------


@pytest.fixture
def under_old_key(db, settings, old_key):
    """A member (with history and a consent note) written under ``old_key`` only."""
    settings.PEERPATH_FIELD_KEYS = [old_key]
    member = MemberFactory(**PLAIN)
    member.phone = "0987-654-321"
    member.save()
    ConsentFactory(member=member, note="家屬代簽")
    return member


@pytest.fixture
def rotated(under_old_key, settings, old_key, new_key):
    """The same data after ``rotate_keys`` with [new, old]; settings then hold [new] only."""
    before = raw_member(under_old_key.pk)
    settings.PEERPATH_FIELD_KEYS = [new_key, old_key]
    _rotate()
    settings.PEERPATH_FIELD_KEYS = [new_key]
    return under_old_key, before


def test_it_reads_a_member_with_only_the_new_key_after_rotation(rotated):
    member, _ = rotated
    fresh = Member.objects.get(pk=member.pk)
    assert fresh.name == "林志玲"
    assert fresh.phone == "0987-654-321"
    assert fresh.national_id == "A123456789"
    assert fresh.diagnosis == "雙相情緒障礙"


def test_it_rewrites_the_stored_values_on_rotation(rotated):
    member, before = rotated
    after = raw_member(member.pk)
    for field in PLAIN:
        assert after[field] != before[field], field
        assert after[field].startswith(PREFIX), field


def test_it_rotates_history_rows_too(rotated, new_key):
    member, _ = rotated
    only_new = FieldCipher([new_key])
    phones = {only_new.decrypt(row["phone"]) for row in _history_rows(member)}
    assert phones == {"0912-345-678", "0987-654-321"}


def test_it_rotates_consent_notes_too(rotated):
    member, _ = rotated
    assert [c.note for c in member.consents.all()] == ["家屬代簽"]


def test_it_reports_how_many_rows_it_re_encrypted(under_old_key, settings, old_key, new_key):
    settings.PEERPATH_FIELD_KEYS = [new_key, old_key]
    out = _rotate()
    assert "members.Member: 1 rows re-encrypted" in out
    assert "members.HistoricalMember: 2 rows re-encrypted" in out


def test_it_re_encrypts_nothing_on_a_second_run(rotated, settings, old_key, new_key):
    settings.PEERPATH_FIELD_KEYS = [new_key, old_key]
    out = _rotate()
    assert "members.Member: 0 rows re-encrypted" in out
    assert "members.HistoricalMember: 0 rows re-encrypted" in out


def test_it_records_the_rotation_in_the_audit_log(rotated):
    assert AccessLog.objects.filter(event=Event.KEYS_ROTATED).count() == 1


def test_it_leaves_everything_unchanged_when_a_value_cannot_be_decrypted(
    under_old_key, settings, new_key
):
    before = raw_member(under_old_key.pk)
    settings.PEERPATH_FIELD_KEYS = [new_key]  # the old key forgotten: nothing decrypts
    with pytest.raises(DecryptionError):
        _rotate()
    assert raw_member(under_old_key.pk) == before


def test_it_finds_members_by_name_after_rotating_with_a_new_search_key(
    under_old_key, settings, old_key, new_key
):
    membership = MembershipFactory(organization=under_old_key.organization, role="coordinator")
    settings.PEERPATH_SEARCH_KEY = "a-brand-new-search-key"
    settings.PEERPATH_FIELD_KEYS = [new_key, old_key]
    assert list(selectors.member_list(membership, query="林志玲")) == []  # stale tokens

    _rotate()

    settings.PEERPATH_FIELD_KEYS = [new_key]
    assert list(selectors.member_list(membership, query="林志玲")) == [under_old_key]
    assert list(selectors.member_list(membership, query="志玲")) == [under_old_key]


def test_it_rebuilds_search_tokens_of_every_organisation(settings, old_key, new_key, db):
    settings.PEERPATH_FIELD_KEYS = [old_key]
    org_b = OrganizationFactory()
    member_b = MemberFactory(organization=org_b, name="林志玲")
    membership_b = MembershipFactory(organization=org_b, role="coordinator")
    settings.PEERPATH_SEARCH_KEY = "a-brand-new-search-key"
    settings.PEERPATH_FIELD_KEYS = [new_key, old_key]

    _rotate()

    assert list(selectors.member_list(membership_b, query="林志玲")) == [member_b]
