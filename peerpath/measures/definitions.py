"""Instrument definitions: the schema of one YAML file per questionnaire.

Pure Python (pydantic, no Django import). An instrument is data, not code: its
items and response options, which items are reverse-keyed, how items combine into
scores (sum or mean, over which items, with which prorating rule), the bands and
cut-offs of each score, its direction, the reliability and norms used for the
reliable change index, safety items, licence, citation and the provenance of each
translation. ``load_library()`` reads and validates every file under
``instruments/``; a file that breaks the schema stops loading with a message that
names the file and the field.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

LIBRARY_DIR = Path(__file__).resolve().parent / "instruments"
LANGUAGES = ("zh-hant", "en")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in the interface languages. A missing language falls back to the other."""

    en: str | None = None
    zh_hant: str | None = Field(default=None, alias="zh-hant")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def get(self, language: str) -> str:
        preferred = self.zh_hant if language.startswith("zh") else self.en
        return preferred or self.en or self.zh_hant or ""

    @model_validator(mode="after")
    def _not_empty(self) -> Text:
        if not (self.en or self.zh_hant):
            raise ValueError("a text needs at least one of en, zh-hant")
        return self


class Option(Strict):
    value: float
    label: Text


class ResponseSet(Strict):
    """The answer scale of a group of items (e.g. 0 'not at all' … 3 'nearly every day')."""

    options: list[Option] = Field(min_length=2)
    # For a visual-analogue or numeric scale: any number in [min, max] is valid.
    continuous: bool = False

    @property
    def values(self) -> list[float]:
        return [o.value for o in self.options]

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @field_validator("options")
    @classmethod
    def _distinct(cls, options: list[Option]) -> list[Option]:
        values = [o.value for o in options]
        if len(set(values)) != len(values):
            raise ValueError("response option values must be distinct")
        return options


class Item(Strict):
    id: str  # "1", "2", … as numbered in the source; or "q1a" etc.
    text: Text | None = None  # absent when the wording may not be redistributed
    response_set: str
    reverse: bool = False
    # Items that are asked but not scored (e.g. the fillers of the Adult Hope Scale).
    scored: bool = True


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    HIGHER_IS_WORSE = "higher_is_worse"


class Band(Strict):
    """A range of a score with a label; ``min`` and ``max`` are inclusive."""

    min: float
    max: float
    label: Text
    flag: bool = False  # the band needs attention (e.g. moderate or worse distress)

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.min > self.max:
            raise ValueError(f"band min {self.min} is above max {self.max}")
        return self


class Norms(Strict):
    """Normative statistics of a score, for reliable and clinically significant change."""

    reliability: float | None = Field(default=None, gt=0, lt=1)
    reliability_source: str | None = None
    sd: float | None = Field(default=None, gt=0)  # SD of the reference (pre-treatment) sample
    mean: float | None = None
    population: str | None = None
    # Functional (non-clinical) population, for the Jacobson–Truax criterion c.
    functional_mean: float | None = None
    functional_sd: float | None = Field(default=None, gt=0)
    clinical_cutoff: float | None = None  # a published cut-off, used when no functional norms
    minimal_important_change: float | None = Field(default=None, gt=0)


class Prorate(Strict):
    """Scoring with missing answers: at least ``min_answered`` of the score's items.

    ``mean_of_answered`` (for mean scores) averages the answered items;
    ``scale_up`` (for sums) multiplies the mean of the answered items by the number
    of items, then rounds as ``round_to`` says (``integer`` for K10's rule).
    """

    min_answered: int = Field(ge=1)
    method: Literal["mean_of_answered", "scale_up"] = "scale_up"
    round_to: Literal["integer", "none"] = "none"


class Score(Strict):
    id: str
    label: Text
    items: list[str] = Field(min_length=1)
    method: Literal["sum", "mean"]
    multiplier: float = 1.0  # e.g. WHO-5 raw × 4 = percentage score
    prorate: Prorate | None = None  # None: every item must be answered
    direction: Direction
    bands: list[Band] = Field(default_factory=list)
    norms: Norms | None = None
    # A score that is reported but not the instrument's main result.
    primary: bool = False

    @model_validator(mode="after")
    def _bands_do_not_overlap(self) -> Score:
        spans = sorted((b.min, b.max) for b in self.bands)
        for (_, high), (low, _) in zip(spans, spans[1:], strict=False):
            if low <= high:
                raise ValueError(f"score {self.id}: bands overlap at {low}")
        if self.prorate and self.prorate.min_answered > len(self.items):
            raise ValueError(f"score {self.id}: prorate.min_answered is more than its {len(self.items)} items")
        return self


class SafetyRule(Strict):
    """An answer that raises an alert for staff (e.g. PHQ-9 item 9 above 0)."""

    item: str
    at_least: float
    message: Text


class StageRule(Strict):
    """An instrument whose result is a stage: the score with the highest value
    (STORI). Ties are reported, never broken silently."""

    scores: list[str] = Field(min_length=2)


class Translation(Strict):
    status: Literal["original", "validated", "unvalidated", "absent"]
    citation: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _validated_has_citation(self) -> Translation:
        if self.status == "validated" and not self.citation:
            raise ValueError("a validated translation needs its citation")
        return self


class Licence(Strict):
    wording_redistributable: bool
    text: str  # the licence terms in a sentence, e.g. "public domain; cite the source"


Level = Literal["member", "programme", "group_session"]


class Instrument(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    version: int = Field(ge=1)
    short_name: str
    name: Text
    domain: str  # what the instrument measures, e.g. "depressive symptoms"
    level: Level = "member"
    instructions: Text | None = None
    # Show each option's value with its label ("3 — More than half of the time") on the
    # member's answer buttons: for instruments whose instructions speak of the numbers (WHO-5).
    show_values: bool = False
    response_sets: dict[str, ResponseSet]
    items: list[Item] = Field(min_length=1)
    scores: list[Score] = Field(min_length=1)
    safety: list[SafetyRule] = Field(default_factory=list)
    stage: StageRule | None = None
    licence: Licence
    citation: str
    translations: dict[str, Translation]
    notes: str | None = None
    # No score at all when more than this many of the scored items are unanswered
    # (GCQ-S: more than 4 missing). None: only each score's own prorating rule applies.
    max_missing: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        ids = [i.id for i in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be distinct")
        known = set(ids)
        for item in self.items:
            if item.response_set not in self.response_sets:
                raise ValueError(f"item {item.id}: unknown response_set {item.response_set!r}")
            if item.text is not None and not self.licence.wording_redistributable:
                raise ValueError(
                    f"item {item.id}: text is not allowed, the licence does not allow shipping its wording "
                    "(licence.wording_redistributable is false)"
                )
        score_ids = [s.id for s in self.scores]
        if len(set(score_ids)) != len(score_ids):
            raise ValueError("score ids must be distinct")
        for score in self.scores:
            missing = set(score.items) - known
            if missing:
                raise ValueError(f"score {score.id}: unknown items {sorted(missing)}")
            unscored = [i.id for i in self.items if i.id in score.items and not i.scored]
            if unscored:
                raise ValueError(f"score {score.id}: items {unscored} are marked scored: false")
        scored = sum(1 for i in self.items if i.scored)
        if self.max_missing is not None and self.max_missing >= scored:
            raise ValueError(f"max_missing must be less than the {scored} scored items")
        if sum(1 for s in self.scores if s.primary) > 1:
            raise ValueError("at most one score is primary")
        for rule in self.safety:
            if rule.item not in known:
                raise ValueError(f"safety rule: unknown item {rule.item!r}")
        if self.stage and set(self.stage.scores) - set(score_ids):
            raise ValueError("stage rule names unknown scores")
        for language in self.translations:
            if language not in LANGUAGES:
                raise ValueError(f"translations: unknown language {language!r}")
        return self

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def score(self, score_id: str) -> Score:
        for score in self.scores:
            if score.id == score_id:
                return score
        raise KeyError(score_id)

    @property
    def primary_score(self) -> Score:
        return next((s for s in self.scores if s.primary), self.scores[0])


class DefinitionError(Exception):
    """An instrument file cannot be read or breaks the schema."""


def _message(path: Path, exc: ValidationError) -> str:
    lines = [f"{path.name}: not a valid instrument definition"]
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        lines.append(f"  {where}: {error['msg']}")
    return "\n".join(lines)


def load_file(path: Path) -> Instrument:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(f"{path.name}: cannot be read as YAML: {exc}") from exc
    try:
        instrument = Instrument.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(_message(path, exc)) from exc
    if path.stem != instrument.id:
        raise DefinitionError(f"{path.name}: the file name must be the instrument id ({instrument.id}.yaml)")
    return instrument


def load_library(directory: Path | None = None, *, local: Path | None = None) -> dict[str, Instrument]:
    """Every instrument definition in ``directory`` (default: the shipped library), by
    id, plus the deployment's own definitions in ``local`` (e.g. imported from a REDCap
    data dictionary), which may not reuse a shipped id."""
    folder = directory or LIBRARY_DIR
    found = {i.id: i for i in (load_file(p) for p in sorted(folder.glob("*.yaml")))}
    if local is not None:
        if not local.is_dir():
            raise DefinitionError(f"{local}: the local instrument directory does not exist")
        for path in sorted(local.glob("*.yaml")):
            instrument = load_file(path)
            if instrument.id in found:
                raise DefinitionError(
                    f"{path.name}: the id {instrument.id!r} is already used by a shipped instrument; choose another"
                )
            found[instrument.id] = instrument
    return found


def local_library_dir() -> Path | None:
    """The deployment's own instrument directory (setting PEERPATH_LOCAL_INSTRUMENTS), if any."""
    from django.conf import settings

    value = getattr(settings, "PEERPATH_LOCAL_INSTRUMENTS", "")
    return Path(value) if value else None


def to_yaml(instrument: Instrument) -> str:
    """A definition file's text for ``instrument`` (it loads back to an equal instrument)."""
    data = instrument.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
