"""Bulk import of the youth registry from Excel (实名制信息数据库导入).

District officers load an export of the real-name database (实名制信息数据库) into the registry;
the city officer may too, naming each row's district. The same three steps as the posts import
(``jianxi.posts.imports``), with the file guards, row types and cell parsers every import shares
(``jianxi.core.imports``), so that the checking can be read and tested without a database:

* ``read_sheet`` turns an uploaded file into ``SheetRow``s or refuses the whole file with an
  ``ImportFileError``;
* ``parse_row`` turns one ``SheetRow`` into a ``ParsedRow`` or the list of *all* that row's
  errors, given ``Lookups`` — pure, no queries;
* ``persons_import`` is the one write: lookups in a constant number of queries, every row
  checked, then — unless a row is wrong and the user did not ask to import the valid rows — the
  persons created in one transaction, set-based, each with its history row.

One ID number, one person (一人一号): a number already in the registry, or met on an earlier row
of the same file, is a row error — never a merge or an overwrite of what is registered. The
unique constraint on ``Person.id_number`` keeps that true against a registration made while the
file is being checked. Imported persons have no account (``user`` is empty).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jianxi.accounts.models import Role, User
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.core.imports import (
    CHANGE_REASON,
    HELP_TITLE,
    LIMITS,
    NO,
    YES,
    ImportKind,
    ImportReport,
    RowChecker,
    RowError,
    SheetLayout,
    SheetRow,
    by_name_and_code,
    cell_text,
    choice_cell,
    date_cell,
    fold,
    mobile_cell,
    read_xlsx,
    resident_id_cell,
    text_cell,
    yes_no_cell,
)
from jianxi.core.imports import ImportFileError as ImportFileError  # re-exported: the tests know it here
from jianxi.core.imports import check_rows as check_all
from jianxi.policy.models import District, University
from jianxi.youth.models import Education, Group, Person

SHEET_TITLE = "见习人员"
IMPORTERS = (Role.DISTRICT, Role.CITY)

NAME = "姓名"
ID_NUMBER = "公民身份号码"
PHONE = "手机号码"
GROUP = "人员类别"
EDUCATION = "学历"
SCHOOL = "毕业院校"
MAJOR = "专业"
GRADUATION = "毕业日期"
ORIGIN = "北京生源"
HUKOU = "本市户籍"
EMPLOYED = "已就业"
UNEMPLOYED = "已登记失业"
TRANSFER = "已办理转移就业登记"
DISTRICT = "登记区"
HEADERS = (
    NAME, ID_NUMBER, PHONE, GROUP, EDUCATION, SCHOOL, MAJOR, GRADUATION, ORIGIN, HUKOU, EMPLOYED, UNEMPLOYED,
    TRANSFER, DISTRICT,
)  # fmt: skip
# A district's own export may lack 登记区: its rows are then registered in that district. Every
# other column must be there, so that a misspelt 已就业 header cannot silently mean "否".
OPTIONAL_HEADERS = frozenset({DISTRICT})
MAX_LENGTHS = {NAME: 50, SCHOOL: 100, MAJOR: 100}
# The groups whose eligibility counts from graduation (R-EL-1, R-EL-2): the date is required.
GRADUATE_RULES: dict[str, str] = {
    Group.COLLEGE_GRADUATE: "R-EL-1",
    Group.SECONDARY_VOCATIONAL_GRADUATE: "R-EL-2",
    Group.TECHNICIAN_GRADUATE: "R-EL-2",
}
# Words clerks write for an education besides its label.
EDUCATION_ALIASES = {
    "博士": Education.DOCTORATE, "硕士": Education.MASTER, "研究生": Education.MASTER, "本科": Education.BACHELOR,
    "大专": Education.JUNIOR_COLLEGE, "专科": Education.JUNIOR_COLLEGE, "技校": Education.TECHNICIAN,
    "高中": Education.HIGH_SCHOOL, "初中": Education.HIGH_SCHOOL,
}  # fmt: skip
ALREADY_REGISTERED = "该身份证号已登记，不会重复导入或合并。"
ID_TAKEN_MEANWHILE = gettext_noop(
    "导入期间有身份证号被登记（如本人注册），本次未导入任何人员。请重新上传文件，系统会指出已登记的行。"
)
# The example of GB 11643-1999 itself: shown in the instructions only, never imported.
EXAMPLE_ID_NUMBER = "11010519491231002X"

# A registry export is national in size: up to 100,000 persons a file (the other imports keep
# 5,000). The limits of every upload (jianxi.core.imports) scale with it — 12 MB as sent, 120 MB
# unpacked, 500,000 distinct texts — and the hostile-file checks are the same; the file is
# parsed by python-calamine once they pass. docs/operations.md explains the figures.
MAX_ROWS = 100_000
MAX_UPLOAD_BYTES = 12 * 1024 * 1024
REGISTRY_LIMITS = replace(
    LIMITS,
    unpacked_bytes=120 * 1024 * 1024,
    sheet_rows=150_000,
    shared_strings=500_000,
)
SHEET = SheetLayout(
    SHEET_TITLE,
    HEADERS,
    noun="人员",
    optional=OPTIONAL_HEADERS,
    limits=REGISTRY_LIMITS,
    max_upload_bytes=MAX_UPLOAD_BYTES,
    max_rows=MAX_ROWS,
    fast=True,
)
CHECKED_PER_STEP = 10_000  # rows checked between two progress reports


@dataclass(frozen=True)
class PersonData:
    """A registry record read from one row: the ``Person`` fields, nothing else."""

    id_number: str
    name: str
    birth_date: date
    phone: str
    group: str
    district: District
    education: str = ""
    school: str = ""
    university: University | None = None
    major: str = ""
    graduation_date: date | None = None
    beijing_origin: bool = False
    beijing_hukou: bool = False
    employed: bool = False
    registered_unemployed: bool = False
    transfer_registered: bool = False


@dataclass(frozen=True)
class ParsedRow:
    row: int
    data: PersonData


@functools.cache
def _labels(choices: type[TextChoices]) -> Mapping[str, str]:
    """Chinese label by value, whatever the page's language (read-only: cached)."""
    with translation.override("zh-hans"):
        return {str(value): str(label) for value, label in choices.choices}


def group_names() -> dict[str, str]:
    """Groups by folded Chinese label and by code."""
    names = {fold(label): value for value, label in _labels(Group).items()}
    names.update({fold(value): value for value in Group.values})
    return names


def education_names() -> dict[str, str]:
    """Education levels by folded Chinese label, code and common short names."""
    names = {fold(label): value for value, label in _labels(Education).items()}
    names.update({fold(value): value for value in Education.values})
    names.update({fold(alias): str(value) for alias, value in EDUCATION_ALIASES.items()})
    return names


@dataclass(frozen=True)
class Lookups:
    """What ``parse_row`` needs from the database and from the rest of the file, fetched once."""

    districts: Mapping[str, District]  # by folded name and code
    universities: Mapping[str, University]  # by exact name: the ones the file names
    registered: frozenset[str]  # ID numbers of the file that the registry already holds
    first_rows: Mapping[str, int]  # ID number → the first row of the file that carries it
    today: date
    own_district: District | None = None  # a district officer imports into its own district only
    groups: Mapping[str, str] = field(default_factory=group_names)
    education: Mapping[str, str] = field(default_factory=education_names)


def read_sheet(source: IO[bytes] | bytes) -> list[SheetRow]:
    """The non-blank data rows of the persons sheet (named 见习人员, else the first sheet)."""
    return read_xlsx(source, SHEET, max_rows=MAX_ROWS)


# --- checking one row (pure) ---------------------------------------------------------------------

_date = date_cell("2024-07-01")


def _limited(column: str) -> Callable[[Any], str]:
    return text_cell(column, MAX_LENGTHS[column])


def _district(check: RowChecker, lookups: Lookups) -> District | None:
    own = lookups.own_district
    if check.blank(DISTRICT):
        if own is None:
            check.fail(DISTRICT, "市人社局导入时请填写登记区（区名或区划代码）。")
        return own
    found = check.cell(DISTRICT, choice_cell(lookups.districts, "请填写区名（如 海淀区）或区划代码（如 110108）。"))
    if found is None:
        return None
    if own is not None and found.code != own.code:
        check.fail(DISTRICT, f"只能导入本区（{own.name}）登记的人员：登记区请留空或填写“{own.name}”。")
        return None
    return found


def parse_row(row: SheetRow, lookups: Lookups) -> ParsedRow | list[RowError]:
    """One row as a person to register, or every problem of the row (in column order)."""
    check = RowChecker(row)
    name = check.cell(NAME, _limited(NAME))
    rid = check.cell(ID_NUMBER, resident_id_cell(lookups.today))
    if rid is not None:
        if rid.number in lookups.registered:
            check.fail(ID_NUMBER, ALREADY_REGISTERED)
        first = lookups.first_rows.get(rid.number, row.number)
        if first < row.number:
            check.fail(ID_NUMBER, f"与第 {first} 行的身份证号相同：同一身份证号只能导入一次，本行不会导入。")
    phone = check.cell(PHONE, mobile_cell)
    group = check.cell(GROUP, choice_cell(lookups.groups, f"请填写{'、'.join(_labels(Group).values())}之一。"))
    education = check.cell(
        EDUCATION, choice_cell(lookups.education, "请填写如 大学本科、硕士研究生，或留空。"), required=False
    )
    school = check.cell(SCHOOL, _limited(SCHOOL), required=False)
    major = check.cell(MAJOR, _limited(MAJOR), required=False)
    graduated = check.cell(GRADUATION, _date, required=False)
    if group in GRADUATE_RULES and check.blank(GRADUATION):
        label = _labels(Group)[group]
        check.fail(GRADUATION, f"人员类别为“{label}”时请填写毕业日期（{GRADUATE_RULES[group]}：毕业 2 年内）。")
    if graduated is not None and rid is not None and graduated <= rid.birth_date:
        check.fail(GRADUATION, "毕业日期应晚于身份证号中的出生日期。")
    origin = check.cell(ORIGIN, yes_no_cell)
    hukou = check.cell(HUKOU, yes_no_cell)
    employed = check.cell(EMPLOYED, yes_no_cell, required=False)
    unemployed = check.cell(UNEMPLOYED, yes_no_cell, required=False)
    transfer = check.cell(TRANSFER, yes_no_cell, required=False)
    district = _district(check, lookups)
    if check.errors:
        return check.errors
    assert name is not None and rid is not None and phone is not None and group is not None
    assert origin is not None and hukou is not None and district is not None
    university = lookups.universities.get(school or "")
    data = PersonData(
        id_number=rid.number,
        name=name,
        birth_date=rid.birth_date,
        phone=phone,
        group=group,
        district=district,
        education=education or "",
        school=university.name if university else school or "",
        university=university,
        major=major or "",
        graduation_date=graduated,
        beijing_origin=origin,
        beijing_hukou=hukou,
        employed=bool(employed),
        registered_unemployed=bool(unemployed),
        transfer_registered=bool(transfer),
    )
    return ParsedRow(row=row.number, data=data)


def id_key(row: SheetRow) -> str:
    """The row's ID number as ``parse_resident_id`` would return it ("" when blank)."""
    return cell_text(row.values.get(ID_NUMBER)).upper()


def first_rows_by_id(rows: Iterable[SheetRow]) -> dict[str, int]:
    """For each ID number of the file, the first row carrying it (later ones are duplicates)."""
    first: dict[str, int] = {}
    for row in rows:
        key = id_key(row)
        if len(key) == 18:  # anything else is refused by the ID check itself
            first[key] = min(first.get(key, row.number), row.number)
    return first


def check_rows(rows: Sequence[SheetRow], lookups: Lookups) -> tuple[list[ParsedRow], list[RowError]]:
    """Every row checked: the valid ones, and the errors sorted by row (then column order)."""
    return check_all(rows, lambda row: parse_row(row, lookups))


# --- the write -----------------------------------------------------------------------------------


def authorise(actor: User) -> None:
    """Refuse (RuleError) an actor who may not import the registry."""
    role = getattr(actor, "role", None)
    if role not in IMPORTERS:
        raise RuleError("import.role", _("只有区人社局和市人社局可以批量导入见习人员。"))
    if role == Role.DISTRICT and not actor.district_id:
        raise RuleError("import.district", _("账号尚未关联所在区，不能导入见习人员。"))


def import_lookups(*, actor: User, rows: Sequence[SheetRow], today: date) -> Lookups:
    """Reference data, and which of the file's ID numbers are registered, in three queries.

    Refuses (RuleError) what ``authorise`` refuses.
    """
    authorise(actor)
    districts = list(District.objects.all())
    own = next((d for d in districts if d.pk == actor.district_id), None) if actor.role == Role.DISTRICT else None
    first_rows = first_rows_by_id(rows)
    registered = (
        frozenset(Person.objects.filter(id_number__in=first_rows).values_list("id_number", flat=True))
        if first_rows
        else frozenset()
    )
    schools = {cell_text(row.values.get(SCHOOL)) for row in rows} - {""}
    universities = {u.name: u for u in University.objects.filter(name__in=schools)} if schools else {}
    return Lookups(
        districts=by_name_and_code(districts),
        universities=universities,
        registered=registered,
        first_rows=first_rows,
        today=today,
        own_district=own,
    )


def persons_import(
    *,
    actor: User,
    rows: Sequence[SheetRow],
    import_valid_rows: bool,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row; register the valid ones in one transaction unless a row is wrong and
    ``import_valid_rows`` is False, in which case nothing is registered. ``progress(n)``: the
    rows checked so far, every ``CHECKED_PER_STEP`` rows (a background job's page shows it).

    The write is set-based: on PostgreSQL one COPY of the persons and one of their history rows
    (``audit.copy_many``), elsewhere ``bulk_create`` in large batches."""
    today = today or timezone.localdate()
    lookups = import_lookups(actor=actor, rows=rows, today=today)
    valid: list[ParsedRow] = []
    errors: list[RowError] = []
    for start in range(0, len(rows), CHECKED_PER_STEP):
        step_valid, step_errors = check_rows(rows[start : start + CHECKED_PER_STEP], lookups)
        valid += step_valid
        errors += step_errors  # each step's errors sorted by row, the steps in order
        if progress is not None:
            progress(min(start + CHECKED_PER_STEP, len(rows)))
    report = ImportReport(created=0, errors=errors, total_rows=len(rows))
    if not valid or (errors and not import_valid_rows):
        return report
    persons = [Person(**vars(parsed.data)) for parsed in valid]
    try:
        with transaction.atomic():
            audit.copy_many(persons, actor=actor, reason=CHANGE_REASON)
    except IntegrityError as exc:
        # Only the unique ID number can clash: someone registered one of these numbers meanwhile.
        raise RuleError("import.id_number_taken", _(ID_TAKEN_MEANWHILE), field="file") from exc
    report.created = len(persons)
    return report


# --- the template --------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F0F4F8")
_TEXT_COLUMNS = (NAME, ID_NUMBER, PHONE, SCHOOL, MAJOR, DISTRICT)  # typed digits must stay text
_WIDTHS = {ID_NUMBER: 22, PHONE: 14, GROUP: 18, SCHOOL: 24, MAJOR: 20, GRADUATION: 12, TRANSFER: 18}


def template_workbook(*, actor: User, today: date) -> bytes:
    """The downloadable template: the persons sheet (header only) and the instructions.

    The example lives in the instructions, not as a data row: a template uploaded unchanged must
    not register a made-up person. The ID and phone columns are formatted as text, so that Excel
    keeps all 18 digits of what a clerk types or pastes.
    """
    districts = list(District.objects.all())
    universities = list(University.objects.order_by("code").values_list("name", flat=True)[:60])
    own = actor.district if getattr(actor, "role", None) == Role.DISTRICT else None
    groups, levels = _labels(Group), _labels(Education)

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLE
    ws.append(list(HEADERS))
    for index, header in enumerate(HEADERS, start=1):
        letter = get_column_letter(index)
        ws.cell(row=1, column=index).font = _HEADER_FONT
        ws.cell(row=1, column=index).fill = _HEADER_FILL
        ws.column_dimensions[letter].width = _WIDTHS.get(header, 10)
        if header in _TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    choices = {
        GROUP: list(groups.values()),
        EDUCATION: list(levels.values()),
        **{h: [YES, NO] for h in (ORIGIN, HUKOU, EMPLOYED, UNEMPLOYED, TRANSFER)},
    }
    for header, options in choices.items():
        letter = get_column_letter(HEADERS.index(header) + 1)
        # A warning, not a stop: the file is checked on upload anyway, and pasting bypasses it.
        rule = DataValidation(type="list", formula1=f'"{",".join(options)}"', allow_blank=True, errorStyle="warning")
        rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        ws.add_data_validation(rule)

    help_ws = wb.create_sheet(HELP_TITLE)
    district_note = (
        f"区人社局导入时可留空，即登记在本区（{own.name}）；填写时须为本区。市人社局导入时必填。"
        if own
        else "市人社局导入时必填；区人社局导入时可留空（即登记在本区），填写时须为本区。"
    )
    yes_no, uni_names = f"{YES}、{NO}", "、".join(universities)
    id_note = (
        "18 位（GB 11643），末位可为 X，出生日期由号码得出。一人一号：已登记的不会重复导入或合并，文件内也不能重复。"
    )
    help_rows: list[list[Any]] = [
        ["列", "是否必填", "说明", "可填写的值"],
        [NAME, "必填", "与身份证件一致，最多 50 个字。", ""],
        [ID_NUMBER, "必填", id_note, "该列已设置为文本格式，请勿改为数字"],
        [PHONE, "必填", "本人 11 位手机号码。", "以 13 至 19 开头的 11 位数字"],
        [GROUP, "必填", "见习对象类别（R-EL-1…4）。", "、".join(groups.values())],
        [EDUCATION, "选填", "最高学历。", "、".join(levels.values())],
        [SCHOOL, "选填", "与本市高校名称完全一致时同时关联该高校（高校可查看本校毕业生的见习情况）。", uni_names],
        [MAJOR, "选填", "最多 100 个字。", ""],
        [GRADUATION, "视情况", "三类毕业生必填（R-EL-1、R-EL-2）。Excel 日期，或文本 YYYY-MM-DD。", ""],
        [ORIGIN, "必填", "是否北京生源（R-EL-1、R-EL-2）。", yes_no],
        [HUKOU, "必填", "是否本市户籍（R-EL-3、R-EL-4）。", yes_no],
        [EMPLOYED, "选填", "留空即“否”。", yes_no],
        [UNEMPLOYED, "选填", "是否已办理失业登记（R-EL-3）；留空即“否”。", yes_no],
        [TRANSFER, "选填", "是否已办理转移就业登记（R-EL-4）；留空即“否”。", yes_no],
        [DISTRICT, "视情况", district_note, "、".join(f"{d.name}（{d.code}）" for d in districts)],
        [],
        ["说明", "", "第 1 行为表头，请勿修改列名；从第 2 行起每行一人。列的顺序不限，多余的列会被忽略。"],
        ["", "", f"每个文件最多 {MAX_ROWS} 行，文件不超过 5 MB。空行会被忽略。"],
        ["", "", "任何一行有误时默认整个文件都不导入；上传时可勾选“仅导入无误的行”。"],
        ["", "", "导入的人员暂无登录账号；见习资格在签订见习协议时按上述信息审核。"],
        ["", "", "超过 500 行的文件在后台导入，页面显示进度和结果；同一账号同一时间只能进行一个导入。"],
        [],
        ["示例", "", "（仅为格式示例，在本工作表中不会被导入，请勿照抄；身份证号为 GB 11643 标准中的示例号码）"],
        list(HEADERS),
        ["张三", EXAMPLE_ID_NUMBER, "13800000000", groups[Group.COLLEGE_GRADUATE], levels[Education.BACHELOR]]
        + ["北京大学", "统计学", today.replace(month=7, day=1).isoformat(), YES, YES, NO, NO, NO]
        + [own.name if own else (districts[0].name if districts else "")],
    ]
    for line in help_rows:
        help_ws.append(line)
    for letter, width in zip("ABCD", (18, 18, 70, 60), strict=True):
        help_ws.column_dimensions[letter].width = width
    for cell in help_ws[1]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    for line in help_ws.iter_rows(min_row=2, max_col=4):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


KIND = ImportKind(
    name="youth",
    layout=SHEET,
    authorise=authorise,
    read=lambda data: read_sheet(data),
    run=lambda **kwargs: persons_import(**kwargs),
    report_type=ImportReport,
    page="youth:import",
    reports_progress=True,
)
