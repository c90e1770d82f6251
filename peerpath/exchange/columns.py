"""The columns each kind of import reads, the header names recognised for each (English
and Traditional Chinese), and the mapping suggested from a file's header. Pure Python.

A mapping is {column index: field key}; a column mapped to nothing is ignored. Item
columns of questionnaire responses map to ``item:<instrument id>:<item id>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from peerpath.exchange.tabular import normal

MEMBERS = "members"
RESPONSES = "responses"
REDCAP = "redcap"
JOBS = "jobs"

# field key → header names recognised (besides the key itself), English then 中文.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    MEMBERS: {
        "code": ("member code", "member id", "member no", "code", "id", "會員編號", "成員編號", "個案編號", "編號", "代號"),
        "name": ("name", "full name", "member name", "姓名", "名字", "會員姓名"),
        "birth_year": ("birth year", "year of birth", "born", "出生年", "出生年份", "出生年次", "出生年度"),
        "gender": ("gender", "sex", "性別"),
        "enrolment_date": ("enrolment date", "enrollment date", "enrolled on", "date enrolled", "收案日期",
                           "收案日", "入會日期", "加入日期"),
        "referral_source": ("referral source", "referred by", "referral", "轉介來源", "轉介單位"),
        "phone": ("phone", "telephone", "mobile", "tel", "phone number", "電話", "手機", "聯絡電話", "行動電話"),
        "email": ("email", "e-mail", "email address", "電子郵件", "電子信箱", "信箱"),
        "preferred_language": ("preferred language", "language", "偏好語言", "語言", "使用語言"),
        "stage": ("stage", "recovery stage", "stage at enrolment", "復元階段", "階段"),
        "consent_version": ("service consent version", "consent version", "consent form version",
                            "服務同意書版本", "同意書版本"),
        "consent_date": ("service consent date", "consent date", "consent given on", "date consent given",
                         "服務同意日期", "同意日期", "同意書簽署日期", "簽署日期"),
    },
    RESPONSES: {
        "member_code": ("member code", "member id", "code", "member", "record id", "會員編號", "成員編號",
                        "個案編號", "編號"),
        "instrument": ("instrument", "instrument id", "questionnaire", "scale", "measure", "問卷", "量表"),
        "taken_on": ("date", "date taken", "taken on", "date answered", "date completed", "填答日期", "施測日期",
                     "日期", "評估日期"),
        "mode": ("mode", "how answered", "填答方式", "施測方式"),
        "reason": ("reason", "occasion", "施測時機", "時機", "評估時機"),
    },
    JOBS: {
        "member_code": ("member code", "member id", "code", "member", "會員編號", "成員編號", "個案編號", "編號"),
        "employer": ("employer", "employer name", "company", "workplace", "雇主", "雇主名稱", "公司", "公司名稱",
                     "工作單位"),
        "title": ("title", "job title", "position", "job", "職稱", "職務", "工作職稱"),
        "start_date": ("start", "start date", "started on", "job start", "到職日", "到職日期", "開始日期"),
        "end_date": ("end", "end date", "ended on", "last day", "job end", "離職日", "離職日期", "結束日期"),
        "hours_per_week": ("hours", "hours per week", "weekly hours", "每週工時", "週工時", "工時"),
        "hourly_wage": ("wage", "hourly wage", "pay per hour", "時薪", "薪資"),
        "in_community": ("in the community", "community", "in community", "社區職場", "位於社區"),
        "open_to_anyone": ("open to anyone", "open to all", "competitive", "公開招募", "開放應徵"),
        "minimum_wage_or_more": ("minimum wage or more", "at least minimum wage", "minimum wage", "基本工資以上",
                                 "達基本工資"),
        "ending_reason": ("ending reason", "reason for leaving", "reason ended", "離職原因"),
        "disclosure": ("disclosure", "disclosure at work", "disclosed", "揭露", "病情揭露", "職場揭露"),
    },
    REDCAP: {},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    MEMBERS: ("code", "name", "enrolment_date"),
    RESPONSES: ("member_code", "taken_on"),
    JOBS: ("member_code", "employer", "title", "start_date", "hours_per_week"),
    REDCAP: (),
}
ITEM = "item"


def item_key(instrument_id: str, item_id: str) -> str:
    return f"{ITEM}:{instrument_id}:{item_id}"


def split_item_key(key: str) -> tuple[str, str] | None:
    """(instrument id, item id) of an item key, else None."""
    parts = key.split(":", 2)
    return (parts[1], parts[2]) if len(parts) == 3 and parts[0] == ITEM else None


def item_names(instrument_id: str, item_id: str) -> tuple[str, ...]:
    """Header names taken as an item's column, most specific first: as REDCap names it,
    ``<instrument id>_<item id>``, or the item id alone; also q1 / item1 style names."""
    return (f"{instrument_id}_{item_id}", f"{instrument_id}_q{item_id}", f"{instrument_id}{item_id}", item_id,
            f"q{item_id}", f"item{item_id}")


def suggest(
    kind: str, header: Sequence[str], items: Mapping[str, Iterable[str]] | None = None
) -> dict[int, str]:
    """The mapping suggested for a header: each column whose name is a known name of a
    field (the first such column wins); item columns by their names for each instrument
    in ``items`` (instrument id → item ids)."""
    aliases: dict[str, str] = {}
    for field_key, names in FIELDS[kind].items():
        for name in (field_key, *names):
            aliases.setdefault(normal(name), field_key)
    for instrument_id, item_ids in (items or {}).items():
        for item_id in item_ids:
            for name in item_names(instrument_id, item_id):
                aliases.setdefault(normal(name), item_key(instrument_id, item_id))
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, name in enumerate(header):
        found = aliases.get(normal(name)) if name else None
        if found is not None and found not in taken:
            mapping[index] = found
            taken.add(found)
    return mapping


def missing_required(kind: str, mapping: Mapping[int, str]) -> list[str]:
    """The required fields no column is mapped to."""
    mapped = set(mapping.values())
    return [key for key in REQUIRED[kind] if key not in mapped]
