"""Code sets of therapeutic factors for coding critical incidents: data, not code.

Pure Python (pydantic, no Django import), like the instrument definitions in
``peerpath/measures/definitions.py``: one YAML file per code set under
``codesets/`` (Yalom's eleven factors, Bloch & Crouch's ten), each factor with a
code, its name in zh-Hant and en and a one-line definition. ``load_code_sets()``
reads and validates every file; a file that breaks the schema stops loading with
a message naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CODESET_DIR = Path(__file__).resolve().parent / "codesets"
DEFAULT_CODE_SET = "yalom"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in both interface languages (both are required for a factor)."""

    en: str = Field(min_length=1)
    zh_hant: str = Field(min_length=1, alias="zh-hant")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def get(self, language: str) -> str:
        return self.zh_hant if language.startswith("zh") else self.en


class Factor(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: Text
    definition: Text


class CodeSet(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    version: int = Field(ge=1)
    name: Text
    citation: str
    factors: list[Factor] = Field(min_length=2)

    @model_validator(mode="after")
    def _distinct_codes(self) -> CodeSet:
        codes = [f.code for f in self.factors]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"factor codes must be distinct: {duplicates}")
        return self

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.factors]

    def factor(self, code: str) -> Factor:
        for factor in self.factors:
            if factor.code == code:
                return factor
        raise KeyError(code)

    def validate_factors(self, codes: Iterable[str]) -> list[str]:
        """The codes in the code set's order, without duplicates; raises ValueError
        naming any code the set does not have, or when none is given."""
        chosen = set(codes)
        unknown = sorted(chosen - set(self.codes))
        if unknown:
            raise ValueError(f"not factors of {self.id}: {', '.join(unknown)}")
        if not chosen:
            raise ValueError("choose at least one factor")
        return [c for c in self.codes if c in chosen]


class CodeSetError(Exception):
    """A code set file cannot be read or breaks the schema."""


def load_file(path: Path) -> CodeSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CodeSetError(f"{path.name}: cannot be read as YAML: {exc}") from exc
    try:
        code_set = CodeSet.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path.name}: not a valid code set"]
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "(top level)"
            lines.append(f"  {where}: {error['msg']}")
        raise CodeSetError("\n".join(lines)) from exc
    if path.stem != code_set.id:
        raise CodeSetError(f"{path.name}: the file name must be the code set id ({code_set.id}.yaml)")
    return code_set


def load_code_sets(directory: Path | None = None) -> dict[str, CodeSet]:
    """Every code set in ``directory`` (default: the shipped ones), by id."""
    folder = directory or CODESET_DIR
    return {c.id: c for c in (load_file(p) for p in sorted(folder.glob("*.yaml")))}


@lru_cache(maxsize=1)
def code_sets() -> dict[str, CodeSet]:
    """The shipped code sets (loaded once per process)."""
    return load_code_sets()


def code_set(code_set_id: str) -> CodeSet:
    """A shipped code set by id (KeyError for an unknown one)."""
    return code_sets()[code_set_id]
