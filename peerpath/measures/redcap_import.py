"""Reading a REDCap data dictionary (CSV) into forms and fields; see ``redcap`` for the
overview. Pure Python (no Django import)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

# Each column: the header of the newer variant first, then older spellings and the keys of
# REDCap's API metadata export. "Field Units" is a column of the oldest dictionaries, read
# and ignored.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Variable / Field Name", "field_name"),
    "form": ("Form Name", "form_name"),
    "section": ("Section Header", "section_header"),
    "type": ("Field Type", "field_type"),
    "label": ("Field Label", "field_label"),
    "choices": (
        "Choices, Calculations, OR Slider Labels",
        "Choices OR Calculations",
        "select_choices_or_calculations",
    ),
    "note": ("Field Note", "field_note"),
    "validation": (
        "Text Validation Type OR Show Slider Number",
        "Text Validation Type",
        "text_validation_type_or_show_slider_number",
    ),
    "min": ("Text Validation Min", "text_validation_min"),
    "max": ("Text Validation Max", "text_validation_max"),
    "identifier": ("Identifier?", "identifier"),
    "branching": ("Branching Logic (Show field only if...)", "branching_logic"),
    "required": ("Required Field?", "required_field"),
    "alignment": ("Custom Alignment", "custom_alignment"),
    "question_number": ("Question Number (surveys only)", "question_number"),
    "matrix_group": ("Matrix Group Name", "matrix_group_name"),
    "matrix_ranking": ("Matrix Ranking?", "matrix_ranking"),
    "annotation": ("Field Annotation", "field_annotation"),
    "units": ("Field Units",),
}
HEADER = tuple(names[0] for key, names in COLUMNS.items() if key != "units")  # newer variant
REQUIRED_COLUMNS = ("name", "form", "type", "label")
FIELD_TYPES = (
    "text", "notes", "dropdown", "radio", "checkbox", "yesno", "truefalse",
    "calc", "slider", "descriptive", "file", "sql",
)  # fmt: skip
CHOICE_TYPES = ("radio", "dropdown", "checkbox")
NAME = re.compile(r"[a-z][a-z0-9_]*")  # variable, form and matrix group names
NAME_RULE = "lowercase letters, digits and underscores, starting with a letter"
CODE = re.compile(r"-?[A-Za-z0-9_]+(\.[0-9]+)?")  # a choice code
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
SLIDER_RANGE = (0.0, 100.0)


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


_ALIASES = {_normal(name): key for key, names in COLUMNS.items() for name in names}


def column_key(header: str) -> str | None:
    """The column a header names (any variant), or None for a column REDCap does not have."""
    norm = _normal(header)
    if norm in _ALIASES:
        return _ALIASES[norm]
    if norm.startswith("choices") and "calc" in norm:
        return "choices"
    if norm.startswith("branchinglogic"):
        return "branching"
    if norm.startswith("textvalidationtype"):
        return "validation"
    return None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a dictionary. ``row`` counts as a spreadsheet does (header = row
    1, blank rows counted); ``line`` is the line of the file where the row starts, given when
    it differs (a quoted label over several lines)."""

    row: int
    column: str | None
    message: str
    line: int = 0

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.line and self.line != self.row:
            where += f" (line {self.line} of the file)"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DictionaryError(ValueError):
    """A data dictionary that cannot be imported; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n  ".join(str(p) for p in self.problems)
        super().__init__(f"the REDCap data dictionary cannot be imported:\n  {lines}")


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


YES_NO = (Choice("0", "No"), Choice("1", "Yes"))
TRUE_FALSE = (Choice("0", "False"), Choice("1", "True"))


@dataclass(frozen=True)
class DictionaryField:
    """One row of the dictionary. Labels, section headers and choice labels are plain text
    (HTML stripped); ``choices`` of yesno/truefalse fields are REDCap's built-in ones."""

    name: str
    form: str
    field_type: str
    label: str
    row: int
    section_header: str = ""
    choices: tuple[Choice, ...] = ()
    calculation: str = ""  # calc fields: the formula
    slider_labels: tuple[str, ...] = ()  # left | middle | right
    note: str = ""
    validation: str = ""  # text: validation type; slider: "number" shows the number
    validation_min: str = ""
    validation_max: str = ""
    identifier: bool = False
    branching_logic: str = ""
    required: bool = False
    matrix_group: str = ""
    matrix_ranking: bool = False
    annotation: str = ""

    @property
    def record_columns(self) -> tuple[str, ...]:
        """The columns of this field in REDCap records: one per choice for a checkbox
        (``race___1``; a code's minus sign or point becomes ``_``), none for display text."""
        if self.field_type == "checkbox":
            return tuple(f"{self.name}___{re.sub(r'[^a-z0-9_]', '_', c.code.lower())}" for c in self.choices)
        return () if self.field_type == "descriptive" else (self.name,)

    @property
    def slider_range(self) -> tuple[float, float]:
        """A slider's scale: Text Validation Min/Max when given, else REDCap's 0-100."""
        low = float(self.validation_min) if NUMBER.fullmatch(self.validation_min) else SLIDER_RANGE[0]
        high = float(self.validation_max) if NUMBER.fullmatch(self.validation_max) else SLIDER_RANGE[1]
        return low, high


@dataclass(frozen=True)
class DictionaryForm:
    """One REDCap form (instrument) of a dictionary, its fields in file order. ``warnings``:
    what was read but will not be used (sql fields)."""

    name: str
    fields: tuple[DictionaryField, ...]
    warnings: tuple[Problem, ...] = ()

    @property
    def label(self) -> str:
        words = self.name.replace("_", " ").strip()
        return words[:1].upper() + words[1:]

    def field(self, name: str) -> DictionaryField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


# --- text ---------------------------------------------------------------------------

_BLOCK_TAGS = {"br", "p", "div", "li", "tr", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
MARKUP = re.compile(r"<[A-Za-z/!]|&(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z]+[0-9]*);")


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("script", "style")
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("script", "style") and self.skip > 0
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def plain_text(value: str) -> str:
    """A label as plain text: HTML tags dropped (block tags become line breaks), entities
    decoded, runs of spaces collapsed, at most one blank line in a row."""
    if MARKUP.search(value):
        parser = _TextOnly()
        parser.feed(value)
        parser.close()
        value = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in value.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def parse_choices(text: str) -> tuple[Choice, ...]:
    """``"1, Label | 2, Label"`` (or one choice a line) as choices; ``ValueError`` naming
    every bad choice. The label is everything after the first comma."""
    parts = text.split("|") if "|" in text else text.splitlines()
    choices: list[Choice] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, raw in enumerate(parts, start=1):
        part = raw.strip()
        code, comma, label = (p.strip() for p in part.partition(","))
        if not part:
            problems.append(f"choice {n} is empty (two '|' in a row, or one at the end)")
        elif not comma:
            problems.append(f"choice {n} {part!r} has no comma: write each choice as 'code, label'")
        elif not CODE.fullmatch(code):
            problems.append(
                f"choice {n} {part!r}: the code {code!r} must be letters, digits and underscores, or a number"
            )
        elif code in seen:
            problems.append(f"choice {n} {part!r}: the code {code!r} is used twice")
        else:
            seen.add(code)
            choices.append(Choice(code, plain_text(label) or code))
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(choices)


# --- the file -----------------------------------------------------------------------


def _decode(source: str | bytes) -> str:
    if isinstance(source, str):
        return source.removeprefix("\ufeff")
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = source[: exc.start].count(b"\n") + 1
        byte = f"byte 0x{source[exc.start]:02x} on line {line}"
        message = f"the file is not UTF-8 text ({byte}); save it as 'CSV UTF-8'"
        raise DictionaryError([Problem(line, None, message)]) from exc


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab that REDCap can be set to use, whichever makes the
    first line a header with the most known columns (comma on a tie)."""
    first = text.split("\n", 1)[0]

    def known(delimiter: str) -> int:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        return sum(column_key(c) is not None for c in cells)

    return max((",", ";", "\t"), key=known)


def _records(text: str) -> list[tuple[int, int, list[str]]]:
    """(row, first line, cells) of every row, header included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    records: list[tuple[int, int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((len(records) + 1, start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        problem = Problem(len(records) + 1, None, f"not a well-formed CSV row ({exc})", start)
        raise DictionaryError([problem]) from exc
    return records


def _flag(value: str) -> bool:
    return value.strip().lower() in ("y", "yes", "1", "true")


Add = Callable[[str, str], None]


def _read_field(get: Callable[[str], str], row: int, add: Add) -> DictionaryField | None:
    """One row as a field; each problem goes to ``add(column key, message)``."""
    added: list[str] = []

    def problem(key: str, message: str) -> None:
        added.append(message)
        add(key, message)

    name, form, raw_type = get("name"), get("form"), get("type")
    field_type = raw_type.lower()
    for key, value, what in (("name", name, "variable name"), ("form", form, "form name")):
        if not value:
            problem(key, f"the {what} is empty")
        elif not NAME.fullmatch(value):
            problem(key, f"{what} {value!r} is not valid in REDCap: {NAME_RULE}")
    if field_type not in FIELD_TYPES:
        problem("type", f"unknown field type {raw_type!r}; REDCap's field types are {', '.join(FIELD_TYPES)}"
                if raw_type else "the field type is empty")
    label = plain_text(get("label"))
    if not label and field_type != "descriptive":  # an empty display text shows nothing: harmless
        problem("label", "the field label is empty")
    raw_choices = get("choices")
    choices: tuple[Choice, ...] = {"yesno": YES_NO, "truefalse": TRUE_FALSE}.get(field_type, ())
    slider_labels: tuple[str, ...] = ()
    if field_type in CHOICE_TYPES:
        if not raw_choices:
            problem("choices", f"a {field_type} field needs its choices, as '1, label | 2, label'")
        else:
            try:
                choices = parse_choices(raw_choices)
            except ValueError as exc:
                problem("choices", str(exc))
    elif field_type == "calc" and not raw_choices:
        problem("choices", "a calc field needs its formula")
    elif field_type == "slider" and raw_choices:
        slider_labels = tuple(plain_text(p) for p in raw_choices.split("|"))
        if len(slider_labels) > 3:
            n = len(slider_labels)
            problem("choices", f"a slider has at most 3 labels (left | middle | right), not {n}")
    validation, low, high = get("validation").lower(), get("min"), get("max")
    numeric = validation == "integer" or (validation.startswith("number") and "comma" not in validation)
    if field_type == "slider" or numeric:
        for key, value in (("min", low), ("max", high)):
            if value and not NUMBER.fullmatch(value):
                problem(key, f"{value!r} is not a number")
        if NUMBER.fullmatch(low) and NUMBER.fullmatch(high) and float(low) > float(high):
            problem("max", f"the maximum {high} is below the minimum {low}")
    matrix_group = get("matrix_group")
    if matrix_group and field_type not in ("radio", "checkbox"):
        only = "only radio and checkbox fields can"
        problem("matrix_group", f"a {field_type or 'field'} cannot be in a matrix: {only}")
    elif matrix_group and not NAME.fullmatch(matrix_group):
        problem("matrix_group", f"matrix group name {matrix_group!r} is not valid: {NAME_RULE}")
    if added:
        return None
    return DictionaryField(
        name=name, form=form, field_type=field_type, label=label, row=row,
        section_header=plain_text(get("section")), choices=choices,
        calculation=raw_choices if field_type == "calc" else "", slider_labels=slider_labels,
        note=plain_text(get("note")), validation=validation, validation_min=low, validation_max=high,
        identifier=_flag(get("identifier")), branching_logic=get("branching"),
        required=_flag(get("required")), matrix_group=matrix_group,
        matrix_ranking=_flag(get("matrix_ranking")), annotation=get("annotation"),
    )


def _check_matrices(
    fields: list[DictionaryField], problem: Callable[[DictionaryField, str, str], None]
) -> None:
    """Each matrix group consecutive, of one field type, with one set of choices."""
    matrix_first: dict[str, DictionaryField] = {}
    previous: DictionaryField | None = None
    for f in fields:
        group = f.matrix_group
        if group and group in matrix_first:
            head = matrix_first[group]
            if previous is None or previous.matrix_group != group:
                rule = "a matrix's fields must be consecutive"
                problem(f, "matrix_group", f"matrix group {group!r} (begun in row {head.row}) resumes after other fields; {rule}")
            if f.field_type != head.field_type:
                kind = f"whose fields are {head.field_type} (row {head.row})"
                problem(f, "type", f"a {f.field_type} field in matrix group {group!r}, {kind}")
            elif f.choices != head.choices:
                rule = "the fields of a matrix share their choices"
                problem(f, "choices", f"the choices differ from those of matrix group {group!r} (row {head.row}); {rule}")
        elif group:
            matrix_first[group] = f
        previous = f


def parse_data_dictionary(source: str | bytes, *, form: str | None = None) -> list[DictionaryForm]:
    """The forms of a REDCap data dictionary (one ``DictionaryForm`` per form, in file
    order), or only ``form``. Raises ``DictionaryError`` listing every problem as
    "row N, column 'X': message". Without ``form`` nothing is returned unless the whole
    file is valid; with it, only the header and that form's rows must be (a project's
    dictionary of many forms is not refused for a problem in a form not imported; a
    variable name used twice counts when either row is of the chosen form)."""
    text = _decode(source)
    if not text.strip():
        expected = "expected a REDCap data dictionary (CSV with a header row)"
        raise DictionaryError([Problem(1, None, f"the file is empty; {expected}")])
    records = _records(text)
    header = records[0][2]
    index: dict[str, int] = {}
    shown: dict[str, str] = {}
    problems: list[Problem] = []
    for i, cell in enumerate(header):
        key = column_key(cell)
        if key is not None and key in index:
            problems.append(Problem(1, cell.strip(), f"the same column as '{shown[key]}', given twice"))
        elif key is not None:
            index[key], shown[key] = i, cell.strip()
    found = ", ".join(repr(c.strip()) for c in header if c.strip()) or "nothing"
    for n, key in enumerate(k for k in REQUIRED_COLUMNS if k not in index):
        hint = f" (the header row has {found}: is this a REDCap data dictionary?)" if n == 0 else ""
        problems.append(Problem(1, COLUMNS[key][0], f"this required column is missing{hint}"))
    if problems:
        raise DictionaryError(problems)

    def column(key: str) -> str:
        return shown.get(key, COLUMNS[key][0])

    fields: list[DictionaryField] = []
    lines: dict[int, int] = {}
    first_row: dict[str, tuple[int, str]] = {}  # variable name → the row that has it first, its form
    everywhere = form is None

    def report(problem: Problem, *forms: str) -> None:
        """A problem of rows of ``forms``: it counts without a chosen form, or for it."""
        if everywhere or form in forms:
            problems.append(problem)

    for row, line, cells in records[1:]:
        if not any(c.strip() for c in cells):
            continue
        lines[row] = line

        def get(key: str, cells: list[str] = cells) -> str:
            i = index.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        row_form = get("form")
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            message = f"{len(cells)} cells, but the header has {len(header)} columns"
            report(Problem(row, None, message, line), row_form)

        def add(key: str, message: str, row: int = row, line: int = line, row_form: str = row_form) -> None:
            report(Problem(row, column(key), message, line), row_form)

        field = _read_field(get, row, add)
        name = get("name")
        if name in first_row:
            first, first_form = first_row[name]
            message = f"variable name {name!r} is already used in row {first}; each must be unique"
            report(Problem(row, column("name"), message, line), row_form, first_form)
        elif name:
            first_row[name] = (row, row_form)
        if field is not None:
            fields.append(field)
    if not fields and not problems:
        problems.append(Problem(2, None, "the dictionary has a header row but no fields"))
    _check_matrices(
        fields, lambda f, key, message: report(Problem(f.row, column(key), message, lines[f.row]), f.form)
    )
    if problems:
        raise DictionaryError(sorted(problems, key=lambda p: p.row))
    forms: dict[str, list[DictionaryField]] = {}
    for f in fields:
        forms.setdefault(f.form, []).append(f)
    if form is not None and form not in forms:
        message = f"no form named {form!r}; the dictionary has {', '.join(forms)}"
        raise DictionaryError([Problem(1, column("form"), message)])
    sql = "its choices come from a query on the REDCap server, which Peerpath cannot run; skipped"
    return [
        DictionaryForm(
            name=name,
            fields=tuple(members),
            warnings=tuple(
                Problem(f.row, column("type"), f"sql field {f.name!r}: {sql}", lines[f.row])
                for f in members
                if f.field_type == "sql"
            ),
        )
        for name, members in forms.items()
        if form is None or name == form
    ]
