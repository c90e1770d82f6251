"""The progress chart (SVG) and its table; no database."""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from peerpath.measures import charts
from peerpath.measures.charts import (
    ChartPoint,
    chart_series,
    progress_summary,
    progress_svg,
    progress_table,
)
from peerpath.measures.definitions import LIBRARY_DIR, Score, load_file, load_library
from peerpath.measures.scoring import score_range

NS = {"svg": "http://www.w3.org/2000/svg"}
PHQ9 = load_file(LIBRARY_DIR / "phq9.yaml")
TOTAL = PHQ9.score("total")
RANGE = score_range(PHQ9, "total")  # (0, 27)
DATES = [dt.date(2024, 1, 5), dt.date(2024, 3, 1), dt.date(2024, 5, 3), dt.date(2024, 7, 5),
         dt.date(2024, 9, 6)]  # fmt: skip
# Relative to the first point (the baseline): two reliable improvements, one deterioration.
SERIES = [
    ChartPoint(DATES[0], 18, "Moderately severe", None),
    ChartPoint(DATES[1], 15, "Moderately severe", "unchanged"),
    ChartPoint(DATES[2], 9, "Mild", "improved"),
    ChartPoint(DATES[3], 4, "Minimal", "improved"),
    ChartPoint(DATES[4], 25, "Severe", "deteriorated"),
]


def render(series: Any = SERIES, language: str = "en", **kwargs: Any) -> str:
    kwargs.setdefault("score", TOTAL)
    kwargs.setdefault("score_range", RANGE)
    return progress_svg(series, language=language, **kwargs)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg.encode("utf-8"))  # noqa: S314 (our own output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def markers(root: ET.Element, rci_class: str) -> int:
    groups = [
        g
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == f"reliable-{rci_class}"
    ]
    return sum(1 for g in groups for _ in g.iter("{http://www.w3.org/2000/svg}use"))


# --- document ------------------------------------------------------------------------


def test_svg_parses_with_title_and_plain_language_desc() -> None:
    root = parse(render(title="PHQ-9 total"))

    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert list(root)[:2] == [title, desc]  # first children: the accessible name and description
    assert title is not None and title.text == "PHQ-9 total"
    assert desc is not None and desc.text == (
        "5 assessments from 2024-01-05 to 2024-09-06. First score 18 (Moderately severe), "
        "latest score 25 (Severe): up 7 from the first. Lower scores are better. Compared with "
        "the first assessment, 2 of the 4 later assessments show reliable improvement and 1 show "
        "reliable deterioration. Possible scores: 0 to 27."
    )
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox") == "0 0 640 360"
    assert root.get("width") == "100%" and root.get("height") is None


def test_band_labels_dates_and_direction_are_text() -> None:
    words = texts(parse(render()))

    for band in TOTAL.bands:
        assert band.label.get("en") in words
    for date in DATES:
        assert date.isoformat() in words
    assert "↓ Lower is better" in words
    assert "Total: progress" in words  # the default title
    assert {"18", "25"} <= set(words)  # first and latest values beside their points


def test_one_marker_per_reliable_change_and_a_legend() -> None:
    root = parse(render())

    assert markers(root, "improved") == 2
    assert markers(root, "deteriorated") == 1
    words = texts(root)
    assert "Reliable improvement (vs. first)" in words
    assert "Reliable deterioration (vs. first)" in words


def test_no_reliable_change_no_markers_no_legend() -> None:
    series = [p._replace(rci_class="unchanged" if i else None) for i, p in enumerate(SERIES)]
    root = parse(render(series))

    assert markers(root, "improved") == markers(root, "deteriorated") == 0
    assert not any("Reliable" in w for w in texts(root))
    desc = root.find("svg:desc", NS)
    assert desc is not None and "0 of the 4 later assessments" in (desc.text or "")


def test_no_script_no_css_no_external_reference() -> None:
    svg = render()
    root = parse(svg)

    tags = {element.tag.split("}")[1] for element in root.iter()}
    assert not tags & {"script", "style", "foreignObject", "image", "metadata", "a"}
    assert "<!DOCTYPE" not in svg
    for element in root.iter():
        assert "style" not in element.attrib  # CSP style-src without 'unsafe-inline' blocks these
        assert not any(name.startswith("on") for name in element.attrib)
        for name, value in element.attrib.items():
            if name.endswith("href"):
                assert value.startswith("#")
    assert set(re.findall(r"url\(([^)]*)\)", svg)) <= {
        f"#{e.get('id')}" for e in root.iter() if e.get("id")
    }
    assert set(re.findall(r"https?://[^\"' ]+", svg)) == {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }


def test_styles_are_presentation_attributes() -> None:
    root = parse(render())

    assert root.get("stroke-linejoin") == "round"  # matplotlib's <style> rule, inherited
    line = next(
        g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "score-line"
    )
    path = line.find("svg:path", NS)
    assert (
        path is not None and path.get("stroke") == charts.LINE_COLOUR and path.get("fill") == "none"
    )
    label = next(
        t for t in root.iter("{http://www.w3.org/2000/svg}text") if "".join(t.itertext()) == "Mild"
    )
    assert label.get("font-family") == charts.SVG_FONT_STACK
    assert label.get("font-size") == "8.5px"
    assert label.get("text-anchor") == "start"


@pytest.mark.skipif(
    not charts.has_cjk_font(), reason="no Traditional Chinese font (fonts-noto-cjk)"
)
def test_chinese_renders_without_missing_glyph_warnings() -> None:
    series = chart_series([(p.date, p.value) for p in SERIES], TOTAL, "zh-hant", sd=4.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        svg = render(series, "zh-hant", title="PHQ-9 總分")

    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "Glyph" in m or "font" in m.lower()], messages
    root = parse(svg)
    words = texts(root)
    for band in TOTAL.bands:
        assert band.label.get("zh-hant") in words
    assert "↓ 分數越低越好" in words
    assert "PHQ-9 總分" in words
    desc = root.find("svg:desc", NS)
    assert desc is not None and (desc.text or "").startswith(
        "2024-01-05 至 2024-09-06 共 5 次評估。"
    )
    assert "可靠改善（相較第一次）" in words


def test_identical_input_gives_identical_output() -> None:
    first = render()
    assert render(list(SERIES)) == first
    assert render(SERIES[:4]) != first


def test_points_are_drawn_in_date_order() -> None:
    assert render(list(reversed(SERIES))) == render()


def test_single_point() -> None:
    root = parse(render(SERIES[:1]))

    words = texts(root)
    assert "2024-01-05" in words and "18" in words
    assert markers(root, "improved") == markers(root, "deteriorated") == 0
    desc = root.find("svg:desc", NS)
    assert desc is not None and (desc.text or "").startswith(
        "One assessment, on 2024-01-05: 18 (Moderately severe). Change can be shown from the second"
    )


@pytest.mark.parametrize(
    ("language", "message"), [("en", "No scores recorded yet"), ("zh-hant", "尚無分數紀錄")]
)
def test_empty_series_is_a_chart_that_says_so(language: str, message: str) -> None:
    root = parse(render([], language))

    assert message in texts(root)
    desc = root.find("svg:desc", NS)
    assert desc is not None and (desc.text or "").startswith(message)
    assert progress_table([], TOTAL, language) == []


def test_a_font_without_chinese_degrades_without_crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "font_families", lambda: ("DejaVu Sans",))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a warning escapes
        svg = render(language="zh-hant")
    assert "中重度" in texts(parse(svg))


def test_missing_cjk_font_is_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(charts, "CJK_FAMILIES", ("No Such Font TC",))
    charts.font_families.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="peerpath.measures.charts"):
            assert charts.font_families() == ("DejaVu Sans",)
            charts.font_families()
        assert [r.getMessage() for r in caplog.records if "fonts-noto-cjk" in r.getMessage()] != []
        assert len(caplog.records) == 1
    finally:
        charts.font_families.cache_clear()


def test_labels_are_literal_text_not_mathtext() -> None:
    words = texts(parse(render(title="Cost $5 and $x^2$ <b>")))
    assert "Cost $5 and $x^2$ <b>" in words


def test_a_value_outside_the_range_is_still_drawn() -> None:
    root = parse(
        render([ChartPoint(DATES[0], 30, None, None), ChartPoint(DATES[1], -2, None, "improved")])
    )
    assert {"30", "−2"} <= set(texts(root))
    assert markers(root, "improved") == 1


def test_many_points_thin_the_date_labels() -> None:
    many = [
        ChartPoint(dt.date(2024, 1, 1) + dt.timedelta(days=7 * i), 10 + i % 5, None, None)
        for i in range(30)
    ]
    dates = [w for w in texts(parse(render(many))) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", w)]
    assert dates[0] == "2024-01-01" and dates[-1] == many[-1].date.isoformat()
    assert 3 <= len(dates) <= 7


@pytest.mark.parametrize(
    ("series", "error"),
    [
        ([(DATES[0], 5, None, "better")], "rci_class must be one of"),
        ([(DATES[0], float("nan"), None, None)], "finite"),
        ([("2024-01-05", 5, None, None)], "datetime.date"),
        ([(DATES[0], 5)], "a point is"),
    ],
)
def test_bad_points_are_refused(series: Any, error: str) -> None:
    with pytest.raises((ValueError, TypeError), match=error):
        render(series)


def test_bad_score_range_is_refused() -> None:
    with pytest.raises(ValueError, match="low < high"):
        render(score_range=(27, 0))


# --- table and summary ---------------------------------------------------------------


def test_table_has_the_numbers_of_the_chart() -> None:
    rows = progress_table(SERIES, TOTAL, "en")

    assert [r["date"] for r in rows] == [d.isoformat() for d in DATES]
    assert [r["value"] for r in rows] == [18, 15, 9, 4, 25]
    assert [r["band"] for r in rows] == [
        "Moderately severe",
        "Moderately severe",
        "Mild",
        "Minimal",
        "Severe",
    ]
    assert [r["change_from_previous"] for r in rows] == [None, -3, -6, -5, 21]
    assert [r["change_from_first_display"] for r in rows] == ["", "−3", "−9", "−14", "+7"]
    assert [r["marker"] for r in rows] == ["", "", "▲", "▲", "▼"]
    assert [r["rci_label"] for r in rows] == [
        "", "No reliable change", "Reliable improvement", "Reliable improvement", "Reliable deterioration",
    ]  # fmt: skip
    # The chart writes the first and latest values exactly as the table does.
    words = texts(parse(render()))
    assert rows[0]["value_display"] in words and rows[-1]["value_display"] in words


def test_table_in_chinese_and_band_lookup() -> None:
    series = [(d, v, None, c) for d, v, _, c in SERIES]
    rows = progress_table(series, TOTAL, "zh-hant")

    assert [r["band"] for r in rows] == ["中重度", "中重度", "輕度", "極輕微", "重度"]
    assert rows[2]["rci_label"] == "可靠改善"


def test_numbers_are_formatted_once_for_both() -> None:
    assert charts.format_number(12.0) == "12"
    assert charts.format_number(2.346) == "2.35"
    assert charts.format_number(2.5) == "2.5"
    assert charts.format_number(-0.001) == "0"
    assert charts.format_change(3) == "+3"
    assert charts.format_change(-2.5) == "−2.5"
    assert charts.format_change(0) == "0"


def test_summary_direction_and_unassessed_change() -> None:
    who5 = load_library()["who5"].score("percentage")
    series = [(DATES[0], 32, None, None), (DATES[1], 60, None, None)]

    text = progress_summary(series, score=who5, language="en")

    assert text == (
        "2 assessments from 2024-01-05 to 2024-03-01. First score 32 (Poor well-being), latest score "
        "60 (Not in the poor well-being range): up 28 from the first. Higher scores are better. "
        "Reliable change was not assessed."
    )


# --- chart_series: reliable change against the baseline ---------------------------------


def test_chart_series_classifies_against_the_first_point() -> None:
    # sd 5, reliability .84: S_diff = 2.83, so a reliable change is more than 5.54 points.
    score = Score.model_validate(
        {**TOTAL.model_dump(by_alias=True), "norms": {"sd": 5, "reliability": 0.84}}
    )
    points = [(DATES[2], 14), (DATES[0], 20), (DATES[1], 16), (DATES[3], 26)]

    series = chart_series(points, score, "en")

    assert [p.date for p in series] == sorted(DATES[:4])
    # 16 is 4 below the baseline of 20 (not reliable), 14 is 6 below (reliable), 26 is 6 above.
    assert [p.rci_class for p in series] == [None, "unchanged", "improved", "deteriorated"]
    assert [p.band_label for p in series] == ["Severe", "Moderately severe", "Moderate", "Severe"]


def test_chart_series_without_norms_has_no_classes() -> None:
    series = chart_series([(DATES[0], 20), (DATES[1], 2)], TOTAL, "en")  # PHQ-9 ships no SD
    assert [p.rci_class for p in series] == [None, None]
    assert [
        p.rci_class for p in chart_series([(DATES[0], 20), (DATES[1], 2)], TOTAL, "en", sd=5)
    ] == [
        None,
        "improved",
    ]


def test_every_banded_or_primary_library_score_renders() -> None:
    for instrument in load_library().values():
        for index, score in enumerate(instrument.scores):
            if not (score.bands or score is instrument.primary_score):
                continue
            low, high = score_range(instrument, score.id)
            language = "zh-hant" if index % 2 else "en"
            values = [low, (low + high) / 2, high]
            series = chart_series(
                zip(DATES, values, strict=False),
                score,
                language,
                sd=(high - low) / 4,
                reliability=0.8,
            )
            root = parse(
                progress_svg(series, score=score, language=language, score_range=(low, high))
            )
            words = texts(root)
            for band in score.bands:
                # Long labels are wrapped over lines, each its own <text>.
                assert band.label.get(language).split()[0] in " ".join(words)
