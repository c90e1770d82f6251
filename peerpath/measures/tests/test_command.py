"""`peerpath instruments` and the start-up check of the library."""

import pytest
from django.core.management import CommandError, call_command

from peerpath.measures import checks, definitions


def test_list_shows_each_instrument_and_whether_wording_is_shipped(capsys):
    call_command("instruments", "list")
    out = capsys.readouterr().out
    phq9 = next(line for line in out.splitlines() if line.startswith("phq9 "))
    assert "PHQ-9" in phq9 and "9 items" in phq9 and "wording" in phq9


def test_check_reports_a_broken_definition_by_file_and_field(tmp_path, monkeypatch):
    (tmp_path / "broken.yaml").write_text("id: broken\nversion: 0\n", encoding="utf-8")
    monkeypatch.setattr(definitions, "LIBRARY_DIR", tmp_path)
    with pytest.raises(CommandError, match=r"broken\.yaml(.|\n)*version"):
        call_command("instruments", "check")
    [error] = checks.instrument_library_is_valid()
    assert error.id == "peerpath.E010" and "broken.yaml" in error.msg


# -- import-redcap: a form of a REDCap data dictionary as a local definition ------


def _write_dictionary(tmp_path, text: str):
    path = tmp_path / "dictionary.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _sample_dictionary(tmp_path):
    from peerpath.measures.tests._redcap_helpers import dictionary, field

    return _write_dictionary(tmp_path, dictionary(
        field("mood_1", "radio", "I felt calm", "0, Never | 1, Sometimes | 2, Often", form="mood"),
        field("mood_2", "radio", "I felt tense", "0, Never | 1, Sometimes | 2, Often", form="mood"),
        field("mood_3", "radio", "I slept well", "0, Never | 1, Sometimes | 2, Often", form="mood"),
        field("mood_note", "notes", "Anything else?", "", form="mood"),
    ))


def _import(path, out, *extra):
    call_command(
        "instruments", "import-redcap", str(path), "--id", "mood", "--licence", "Written for this programme.",
        "--citation", "Local form, 2026.", "--out", str(out), *extra,
    )


def test_import_redcap_writes_a_definition_the_library_then_loads(tmp_path, settings, capsys):
    from peerpath.measures.library import library

    local = tmp_path / "local"
    local.mkdir()
    _import(_sample_dictionary(tmp_path), local, "--reverse", "2", "--wording-redistributable")
    out = capsys.readouterr().out
    assert "wrote" in out and "3 items" in out and "mood_note" in out  # the notes field is reported as not imported
    settings.PEERPATH_LOCAL_INSTRUMENTS = str(local)
    library.cache_clear()
    try:
        mood = library()["mood"]
        assert [i.id for i in mood.items] == ["1", "2", "3"]
        assert [i.reverse for i in mood.items] == [False, True, False]
        assert mood.items[0].text is not None and mood.items[0].text.en == "I felt calm"
        assert "phq9" in library()  # the shipped ones stay
        call_command("instruments", "check")
    finally:
        library.cache_clear()


def test_import_redcap_keeps_no_wording_unless_the_licence_allows_it(tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    _import(_sample_dictionary(tmp_path), local)
    assert "I felt calm" not in (local / "mood.yaml").read_text(encoding="utf-8")


def test_import_redcap_refuses_a_bad_dictionary_naming_row_and_column_and_writes_nothing(tmp_path):
    from peerpath.measures.tests._redcap_helpers import dictionary, field

    local = tmp_path / "local"
    local.mkdir()
    path = _write_dictionary(tmp_path, dictionary(
        field("q1", "radio", "Q1", "1, a | 2, b", form="mood"),
        field("q2", "wheel", "Q2", "1, a | 2, b", form="mood"),
    ))
    with pytest.raises(CommandError, match=r"row 3, column 'Field Type'"):
        _import(path, local)
    assert list(local.iterdir()) == []


def test_import_redcap_refuses_a_shipped_id_and_an_existing_file(tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    path = _sample_dictionary(tmp_path)
    with pytest.raises(CommandError, match="already used by a shipped instrument"):
        call_command("instruments", "import-redcap", str(path), "--id", "phq9", "--licence", "x", "--citation", "y",
                     "--out", str(local))
    _import(path, local)
    with pytest.raises(CommandError, match="exists"):
        _import(path, local)


def test_a_local_definition_may_not_shadow_a_shipped_one(tmp_path):
    from peerpath.measures.definitions import LIBRARY_DIR, DefinitionError, load_library

    (tmp_path / "phq9.yaml").write_text((LIBRARY_DIR / "phq9.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="phq9.yaml: the id 'phq9' is already used"):
        load_library(local=tmp_path)
