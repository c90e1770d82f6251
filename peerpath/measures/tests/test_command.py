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
