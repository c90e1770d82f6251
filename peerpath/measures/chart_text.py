"""The words of the progress chart: its English and Traditional Chinese texts and the
way it writes numbers (at most two decimals, a real minus sign, signed changes).

Pure Python; used by ``charts`` (the summary and the table) and ``chart_draw`` (the
labels drawn in the SVG).
"""

from __future__ import annotations

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "{label}: progress",
        "higher_is_better": "↑ Higher is better",
        "higher_is_worse": "↓ Lower is better",
        "direction_higher_is_better": "Higher scores are better.",
        "direction_higher_is_worse": "Lower scores are better.",
        "improved": "Reliable improvement (vs. first)",
        "deteriorated": "Reliable deterioration (vs. first)",
        "improved_row": "Reliable improvement",
        "deteriorated_row": "Reliable deterioration",
        "unchanged_row": "No reliable change",
        "empty": "No scores recorded yet.",
        "empty_chart": "No scores recorded yet",
        "value_band": "{value} ({band})",
        "single": "One assessment, on {date}: {value}. Change can be shown from the second assessment.",
        "several": "{n} assessments from {first_date} to {last_date}. First score {first}, latest score {last}: {change}.",
        "up": "up {amount} from the first",
        "down": "down {amount} from the first",
        "same": "the same as the first",
        "reliable": (
            "Compared with the first assessment, {improved} of the {later} later assessments "
            "show reliable improvement and {deteriorated} show reliable deterioration."
        ),
        "not_assessed": "Reliable change was not assessed.",
        "range": "Possible scores: {low} to {high}.",
    },
    "zh-hant": {
        "title": "{label}：變化趨勢",
        "higher_is_better": "↑ 分數越高越好",
        "higher_is_worse": "↓ 分數越低越好",
        "direction_higher_is_better": "分數越高越好。",
        "direction_higher_is_worse": "分數越低越好。",
        "improved": "可靠改善（相較第一次）",
        "deteriorated": "可靠惡化（相較第一次）",
        "improved_row": "可靠改善",
        "deteriorated_row": "可靠惡化",
        "unchanged_row": "無可靠變化",
        "empty": "尚無分數紀錄。",
        "empty_chart": "尚無分數紀錄",
        "value_band": "{value}（{band}）",
        "single": "{date} 共 1 次評估：{value}。第二次評估後才能顯示變化。",
        "several": "{first_date} 至 {last_date} 共 {n} 次評估。第一次 {first}，最近一次 {last}，{change}。",
        "up": "比第一次上升 {amount}",
        "down": "比第一次下降 {amount}",
        "same": "與第一次相同",
        "reliable": "與第一次評估相比，之後的 {later} 次評估中有 {improved} 次達到可靠改善、{deteriorated} 次達到可靠惡化。",
        "not_assessed": "未評估可靠變化。",
        "range": "分數範圍 {low} 至 {high}。",
    },
}


def _lang(language: str) -> str:
    return "zh-hant" if language.startswith("zh") else "en"


def _t(language: str, key: str, **values: object) -> str:
    return _TEXTS[_lang(language)][key].format(**values)


def format_number(value: float) -> str:
    """At most two decimals, no trailing zeros, a real minus sign: 12, 2.35, −3."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", "\u2212")


def format_change(value: float) -> str:
    """A signed difference: +3, −2.5, 0."""
    text = format_number(value)
    return text if text.startswith("\u2212") or text == "0" else "+" + text
