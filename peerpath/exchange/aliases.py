"""The values a cell may use for a coded field: the code, its label in English and in
Traditional Chinese (as the interface shows them), and a few usual abbreviations."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django.db import models
from django.utils import translation

from peerpath.exchange.values import choice_map
from peerpath.measures.models import Mode, Reason
from peerpath.members.models import Gender, Language, ReferralSource, Stage

EXTRA: dict[str, dict[str, tuple[str, ...]]] = {
    "gender": {
        "female": ("f", "woman", "女", "女性"),
        "male": ("m", "man", "男", "男性"),
        "non_binary": ("nonbinary", "nb", "非二元"),
        "undisclosed": ("unknown", "not stated", "不透露", "不願透露", "未填"),
    },
    "preferred_language": {
        "zh-hant": ("zh", "zh-tw", "zh_hant", "chinese", "mandarin", "中文", "國語", "華語", "繁體中文"),
        "en": ("english", "英文", "英語"),
    },
    "mode": {"staff": ("paper", "paper form", "紙本", "紙本問卷")},
    "referral_source": {
        "hospital_ot": ("hospital", "occupational therapy", "職能治療", "醫院"),
        "day_ward": ("day ward", "day hospital", "日間病房", "日間留院"),
        "clinic": ("outpatient", "門診", "診所"),
        "agency": ("community agency", "社區", "機構"),
        "self": ("self", "自行前來", "自己"),
        "family": ("家人",),
        "peer": ("member", "同儕", "會員"),
        "other": ("其他",),
    },
    "stage": {},
    "reason": {},
}


def _labels(choices: type[models.TextChoices]) -> Iterable[tuple[str, list[str]]]:
    for value, label in choices.choices:
        names = []
        for language in ("en", "zh-hant"):
            with translation.override(language):
                names.append(str(label))
        yield value, names


@lru_cache(maxsize=1)
def _maps() -> dict[str, dict[str, str]]:
    fields: dict[str, type[models.TextChoices]] = {
        "gender": Gender, "preferred_language": Language, "referral_source": ReferralSource,
        "stage": Stage, "mode": Mode, "reason": Reason,
    }
    return {
        name: choice_map(
            (value, [*labels, *EXTRA[name].get(value, ())]) for value, labels in _labels(choices)
        )
        for name, choices in fields.items()
    }


def aliases(field: str) -> dict[str, str]:
    """Normalised alias → code for a coded field (gender, preferred_language,
    referral_source, stage, mode, reason)."""
    return _maps()[field]


def codes(field: str) -> list[str]:
    """The codes of a coded field, as listed in messages."""
    return sorted(set(_maps()[field].values()))
