"""The code sets of therapeutic factors are data, validated at load (no database)."""

from __future__ import annotations

import pytest

from peerpath.groups.codesets import CODESET_DIR, CodeSetError, load_code_sets, load_file

GLOSSARY_YALOM = {  # shared/GLOSSARY.md, "Therapeutic factors (Yalom)"
    "hope": "植入希望", "universality": "普同性", "information": "傳達資訊", "altruism": "利他性",
    "family": "原生家庭的矯正性重現", "socialising": "發展社交技巧", "imitation": "模仿行為",
    "interpersonal": "人際學習", "cohesiveness": "團體凝聚力", "catharsis": "宣洩", "existential": "存在性因子",
}


def test_it_ships_yaloms_eleven_and_bloch_and_crouchs_ten_factors():
    sets = load_code_sets()
    assert set(sets) == {"yalom", "bloch_crouch"}
    assert len(sets["yalom"].factors) == 11
    assert sets["bloch_crouch"].codes == [
        "insight", "interpersonal_action", "acceptance", "self_disclosure", "catharsis", "guidance",
        "universality", "altruism", "vicarious_learning", "hope",
    ]


def test_yalom_names_follow_the_glossary_and_every_factor_has_both_languages():
    yalom = load_code_sets()["yalom"]
    assert {f.code: f.name.get("zh-hant") for f in yalom.factors} == GLOSSARY_YALOM
    assert yalom.factor("hope").name.get("en") == "Instillation of hope"
    for code_set in load_code_sets().values():
        for factor in code_set.factors:
            assert factor.definition.get("en") and factor.definition.get("zh-hant")


def test_validate_factors_orders_codes_and_names_unknown_ones():
    yalom = load_code_sets()["yalom"]
    assert yalom.validate_factors(["cohesiveness", "hope", "hope"]) == ["hope", "cohesiveness"]
    with pytest.raises(ValueError, match="insight"):
        yalom.validate_factors(["hope", "insight"])
    with pytest.raises(ValueError, match="at least one"):
        yalom.validate_factors([])


def test_a_broken_file_is_refused_with_the_file_and_field_named(tmp_path):
    text = (CODESET_DIR / "yalom.yaml").read_text(encoding="utf-8").replace("code: universality", "code: hope")
    (tmp_path / "yalom.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CodeSetError, match=r"yalom.yaml.*\n.*distinct.*hope"):
        load_file(tmp_path / "yalom.yaml")
    (tmp_path / "other.yaml").write_text(
        "id: other\nversion: 1\nname: {en: X, zh-hant: 甲}\ncitation: c\n"
        "factors:\n  - {code: a, name: {en: A}, definition: {en: a, zh-hant: 甲}}\n"
        "  - {code: b, name: {en: B, zh-hant: 乙}, definition: {en: b, zh-hant: 乙}}\n",
        encoding="utf-8",
    )
    with pytest.raises(CodeSetError, match=r"factors\.0\.name\.zh-hant"):
        load_file(tmp_path / "other.yaml")
