"""Bulk import of monthly attendance from Excel (考勤批量导入).

The same three steps as the posts import (``jianxi.posts.imports``), with the file-level guards
and cell parsers every import shares (``jianxi.core.imports``):

* ``read_sheet`` turns an upload into ``SheetRow``s under the four Chinese headers, or refuses
  the whole file with an ``ImportFileError``;
* ``parse_row`` turns one row into a ``ParsedRow`` (an agreement, a month of its grid and the
  attended days) or the list of *all* that row's errors — pure, given ``Lookups``;
* ``attendance_import`` is the one write: for the agreements named in the file it takes the same
  locks as ``attendance_record``, reads each agreement's month grid once (``attendance_grid``, so
  the official calendar is the grid page's own), checks every row with the grid page's checks
  (``month_to_record``, ``figures_problems``: R-SUB-3, R-SUB-8, locks) and, unless a row is wrong
  and the user did not ask to import the valid rows, writes with the grid page's writer
  (``attendance_write``: set-based, each change with its history row).

Queries: a constant number for the file, plus one per agreement named in it (its grid reads that
agreement's recorded months; the calendar is memoised) — never one per row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import scoped
from jianxi.core import imports as core
from jianxi.core.errors import RuleError
from jianxi.core.excel import Sheet
from jianxi.core.imports import (
    BATCH_SIZE,
    CHANGE_REASON,
    HELP_TITLE,
    MAX_ROWS,
    CellError,
    ImportFileError,
    ImportKind,
    RowChecker,
    RowError,
    SheetLayout,
    SheetRow,
    cell_text,
    check_rows,
    clip,
    fold,
    integer_cell,
    is_blank,
    money_cell,
    read_xlsx,
)
from jianxi.hosts.models import Host, HostStatus
from jianxi.placements.attendance import (
    MAX_ALLOWANCE,
    MonthEntry,
    MonthRow,
    attendance_grid,
    attendance_write,
    figures_problems,
    month_to_record,
)
from jianxi.placements.models import Agreement, AgreementStatus, Attendance

__all__ = [
    "KIND",
    "ImportFileError",
    "ImportReport",
    "Lookups",
    "ParsedRow",
    "RowError",
    "SheetRow",
    "attendance_import",
    "authorise",
    "parse_row",
    "read_sheet",
    "template_sheets",
]

SHEET_TITLE = "考勤"
IMPORTERS = (Role.HOST,)
TAKES_ATTENDANCE = (AgreementStatus.ACTIVE, AgreementStatus.ENDED)

AGREEMENT = "协议编号"
NAME = "姓名"
MONTH = "月份"
ATTENDED = "出勤天数"
PAID = "实发生活费（元）"  # where the policy caps the subsidy by it (R-SUB-8); older files lack it
HEADERS = (AGREEMENT, NAME, MONTH, ATTENDED, PAID)
SHEET = SheetLayout(SHEET_TITLE, HEADERS, noun="考勤", optional=frozenset({PAID}))
# The same words for an id that does not exist and for another host's agreement: no leak.
UNKNOWN_AGREEMENT = "未找到该编号对应的本单位见习协议，请核对协议编号（见协议页面的“编号 JX-…”）。"

_AGREEMENT_ID = re.compile(r"(?:JX\s*[-－—_]?\s*)?(\d{1,18})", re.ASCII)
_MONTH = re.compile(
    r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*(\d{1,2}))?|年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日?)?)", re.ASCII
)
_MAX_ID = 2**63 - 1  # BigAutoField


@dataclass(frozen=True)
class ParsedRow:
    row: int
    agreement: Agreement
    month: MonthRow  # the grid's row: working and scheduled days of that month
    attended: int
    paid: Decimal | None  # None: the cell was empty, the recorded allowance stays


@dataclass(kw_only=True)
class ImportReport(core.ImportReport):
    skipped_rows: list[int] = field(default_factory=list)  # 出勤天数 left empty: nothing to import
    updated: int = 0
    unchanged: int = 0

    @property
    def imported(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class Lookups:
    """What ``parse_row`` needs from the database, fetched once per import."""

    agreements: Mapping[int, Agreement]  # the actor's agreements named in the file, person loaded
    grids: Mapping[int, Mapping[date, MonthRow]]  # per agreement that takes attendance, by month


def read_sheet(source: IO[bytes] | bytes) -> list[SheetRow]:
    """The non-blank data rows of the attendance sheet (named 考勤, else the first sheet)."""
    return read_xlsx(source, SHEET, max_rows=MAX_ROWS)


# --- checking one row (pure) ---------------------------------------------------------------------


def agreement_id(value: Any) -> int | None:
    """The agreement id of a cell: "JX-12" as on the agreement page, or just 12; else None."""
    if isinstance(value, bool) or is_blank(value):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float | Decimal):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite or value != int(value):
            return None
        number = int(value)
    else:
        match = _AGREEMENT_ID.fullmatch(cell_text(value).upper())
        if match is None:
            return None
        number = int(match.group(1))
    return number if 1 <= number <= _MAX_ID else None


def _month(value: Any) -> date:
    """The first day of the month a cell names: text YYYY-MM (or a full date), or an Excel date."""
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    if isinstance(value, bool | int | float | Decimal):
        raise CellError(
            f"月份应为文本 YYYY-MM（如 2026-12）或 Excel 日期，当前为数字 {clip(cell_text(value))}；"
            "请将该列设置为文本格式后填写。"
        )
    text = cell_text(value)
    match = _MONTH.fullmatch(text)
    if match is None:
        raise CellError(f"月份应为 YYYY-MM（如 2026-12）或 Excel 日期，当前为“{clip(text)}”。")
    year, month = int(match.group(1)), int(match.group(2) or match.group(4))
    day = match.group(3) or match.group(5)
    try:
        date(year, month, int(day or 1))  # a full date must exist, though only its month counts
        return date(year, month, 1)
    except ValueError as exc:
        raise CellError(f"“{clip(text)}”不是有效的月份。") from exc


_attended = integer_cell(0, 31, "出勤天数应为 0 至 31 之间的整数。")
_paid = money_cell("实发生活费", MAX_ALLOWANCE)


def _agreement(check: RowChecker, lookups: Lookups) -> Agreement | None:
    value = check.row.values.get(AGREEMENT)
    if is_blank(value):
        check.fail(AGREEMENT, "请填写协议编号（如 JX-12）。")
        return None
    pk = agreement_id(value)
    if pk is None:
        check.fail(AGREEMENT, f"协议编号应为 JX- 加数字（如 JX-12）或数字 12，当前为“{clip(cell_text(value))}”。")
        return None
    agreement = lookups.agreements.get(pk)
    if agreement is None:
        check.fail(AGREEMENT, UNKNOWN_AGREEMENT)
        return None
    if pk not in lookups.grids:
        check.fail(
            AGREEMENT,
            f"协议 JX-{pk} 当前状态为“{agreement.get_status_display()}”，经双方确认后才能填报考勤。",
        )
        return None
    return agreement


def _name(check: RowChecker, agreement: Agreement | None) -> None:
    """The name is there for the clerk's eyes and guards against a mistyped agreement id."""
    text = cell_text(check.row.values.get(NAME))
    if not text:
        check.fail(NAME, "请填写姓名（用于核对协议编号）。")
    elif agreement is not None and fold(text) != fold(agreement.person.name):
        check.fail(
            NAME,
            f"与协议 JX-{agreement.pk} 的见习人员“{agreement.person.name}”不符，请核对协议编号和姓名。",
        )


def parse_row(
    row: SheetRow, lookups: Lookups, seen: MutableMapping[tuple[int, date], int] | None = None
) -> ParsedRow | list[RowError]:
    """One row as a month of attendance to record, or every problem of the row (in column order).

    ``seen`` maps (agreement, month) to the first row that named it: a later row naming the same
    month again is an error, whatever the first one said.
    """
    check = RowChecker(row)
    agreement = _agreement(check, lookups)
    _name(check, agreement)
    month = check.cell(MONTH, _month)
    grid_row: MonthRow | None = None
    if agreement is not None and month is not None:
        first = row.number if seen is None else seen.setdefault((agreement.pk, month), row.number)
        if first != row.number:
            check.fail(MONTH, f"与第 {first} 行重复：同一协议的同一月份只能填写一行。")
        try:  # the grid page's own checks (placements/attendance.py)
            grid_row = month_to_record(lookups.grids[agreement.pk], month, agreement)
        except RuleError as err:
            check.fail(MONTH, err.message)
    attended = check.cell(ATTENDED, _attended)
    paid = None if is_blank(row.values.get(PAID)) else check.cell(PAID, _paid)
    if grid_row is not None and attended is not None:
        recorded = paid if paid is not None else grid_row.allowance_paid
        for problem in figures_problems(grid_row, attended=attended, paid=recorded):
            check.fail(ATTENDED if problem.field == "attendance" else PAID, problem.message)
    check.errors.sort(key=lambda e: HEADERS.index(e.column))  # stable: in column order, as the clerk reads
    if check.errors:
        return check.errors
    assert agreement is not None and grid_row is not None and attended is not None
    return ParsedRow(row=row.number, agreement=agreement, month=grid_row, attended=attended, paid=paid)


# --- the write -----------------------------------------------------------------------------------


def authorise(actor: User) -> None:
    """Refuse (RuleError) an actor who may not import attendance: another role, or a host's
    staff whose host is not approved."""
    if getattr(actor, "role", None) not in IMPORTERS:
        raise RuleError("attendance.recorder", _("考勤由见习单位填报，只有见习单位可以批量导入考勤。"))
    host = Host.objects.filter(pk=actor.host_id).first() if actor.host_id is not None else None
    if host is None:
        raise RuleError("import.host", _("账号尚未关联见习单位，不能导入考勤。"))
    if host.status != HostStatus.APPROVED:
        raise RuleError(
            "import.host_not_approved",
            _("本单位当前状态为“%(status)s”，审核通过后才能批量导入考勤。") % {"status": host.get_status_display()},
        )


def attendance_import(
    *, actor: User, rows: Sequence[SheetRow], import_valid_rows: bool, today: date | None = None
) -> ImportReport:
    """Check every row; record the valid ones in one transaction unless a row is wrong and
    ``import_valid_rows`` is False, in which case nothing is written.

    A row whose 出勤天数 is empty is skipped (the template lists every month still to fill in);
    a file without any 出勤天数 is refused as having no data rows.
    """
    today = today or timezone.localdate()
    authorise(actor)
    report = ImportReport(total_rows=len(rows), errors=[])
    filled: list[SheetRow] = []
    for row in rows:
        if is_blank(row.values.get(ATTENDED)):
            report.skipped_rows.append(row.number)
        else:
            filled.append(row)
    if not filled:  # the template as downloaded: its rows name the months, the days are to fill in
        raise ImportFileError(
            _(
                "文件中没有填写出勤天数的行（共 %(count)s 行，出勤天数均为空），未导入任何考勤。"
                "请在模板中填写出勤天数后再上传。"
            )
            % {"count": len(rows)}
        )
    ids = {pk for pk in (agreement_id(row.values.get(AGREEMENT)) for row in filled) if pk is not None}
    with transaction.atomic():
        # The same locks as attendance_record, in a fixed order: the agreements, then their months
        # (a subsidy claim locks months by updating these rows, so it waits for us or we for it).
        agreements = {
            a.pk: a
            for a in scoped(actor, Agreement.objects.select_related("person"))
            .filter(pk__in=ids)
            .select_for_update(of=("self",))
            .order_by("pk")
        }
        taking = [a for a in agreements.values() if a.status in TAKES_ATTENDANCE]
        existing = {
            (record.agreement_id, record.month): record
            for record in Attendance.objects.select_for_update().filter(agreement__in=taking).order_by("pk")
        }
        lookups = Lookups(
            agreements=agreements,
            grids={a.pk: {r.month: r for r in attendance_grid(agreement=a, today=today)} for a in taking},
        )
        seen: dict[tuple[int, date], int] = {}
        valid, report.errors = check_rows(filled, lambda row: parse_row(row, lookups, seen))
        if not valid or (report.errors and not import_valid_rows):
            return report
        entries = [
            MonthEntry(
                parsed.agreement,
                parsed.month,
                parsed.attended,
                parsed.paid if parsed.paid is not None else parsed.month.allowance_paid,
            )
            for parsed in valid
        ]
        written = attendance_write(entries, existing, actor=actor, reason=CHANGE_REASON, batch_size=BATCH_SIZE)
    report.created, report.updated, report.unchanged = written.created, written.updated, written.unchanged
    return report


# --- the template --------------------------------------------------------------------------------


def _status(row: MonthRow) -> str:
    if row.locked:
        return "已锁定"
    if not row.open:
        return "未开始"
    return "未填报" if row.attended_days is None else "已填报"


def template_sheets(*, actor: User, today: date) -> list[Sheet]:
    """The template: one row per active agreement and begun month without attendance yet, and the
    instructions with every month's working and scheduled days (one grid query per agreement)."""
    agreements = (
        scoped(actor, Agreement.objects.select_related("person")).filter(status=AgreementStatus.ACTIVE).order_by("pk")
    )
    to_fill: list[list[Any]] = []
    calendar: list[list[Any]] = []
    for agreement in agreements:
        number, name = f"JX-{agreement.pk}", agreement.person.name
        for row in attendance_grid(agreement=agreement, today=today):
            if row.open and row.attended_days is None:
                to_fill.append([number, name, row.key, None, None])
            calendar.append(
                [number, name, row.key, row.working_days, row.scheduled_days, row.attended_days, _status(row)]
            )
    help_rows: list[list[Any]] = [
        [AGREEMENT, "必填", "协议页面上的编号，如 JX-12（也可只填数字 12）。只能填写本单位已生效或已结束的协议。"],
        [NAME, "必填", "见习人员姓名，须与协议一致，用于核对协议编号。"],
        [MONTH, "必填", "YYYY-MM 格式的文本（如 2026-12），或 Excel 日期（取其所在月份）。须在见习期内且已开始。"],
        [
            ATTENDED,
            "必填",
            "该月实际出勤的工作日天数，整数，不能超过下表的“见习期内应出勤”（R-SUB-3）；"
            "本月尚未结束的，只能填到今天为止已过去的工作日。",
        ],
        [
            PAID,
            "选填",
            "该月单位实际发放的生活费（元，精确到分）。本地政策以实发生活费为补贴上限时（R-SUB-8），"
            "申报补贴的月份必填；留空则保留已登记的金额。",
        ],
        [],
        ["说明", "", "第 1 行为表头，请勿修改列名；每行填写一名见习人员一个月的出勤天数。"],
        ["", "", "模板已列出在岗见习人员已开始、尚未填报考勤的月份；未填写出勤天数的行不导入。"],
        ["", "", "同一协议的同一月份只能出现一次；已填报的月份再次导入即为修改，已锁定（已申报补贴）的月份不能修改。"],
        ["", "", f"每个文件最多 {MAX_ROWS} 行，文件不超过 5 MB。空行会被忽略。"],
        ["", "", "任何一行有误时默认整个文件都不导入；上传时可勾选“仅导入无误的行”。"],
        ["", "", "工作日依据国务院办公厅节假日安排（含调休）及人社部门的更正。"],
        ["", "", "超过 500 行的文件在后台导入，页面显示进度和结果；同一账号同一时间只能进行一个导入。"],
        [],
        ["示例", "", "（仅为格式示例，在本工作表中不会被导入；请在“考勤”工作表中填写）"],
        [AGREEMENT, NAME, MONTH, ATTENDED, PAID],
        ["JX-12", "张三", "2026-11", 20, "3000.00"],
        [],
        ["各协议各月工作日（供核对）"],
        [AGREEMENT, NAME, MONTH, "当月工作日", "见习期内应出勤", "已填报出勤", "状态"],
        *calendar,
    ]
    return [
        (SHEET_TITLE, list(HEADERS), to_fill),
        (HELP_TITLE, ["列", "是否必填", "说明"], help_rows),
    ]


KIND = ImportKind(
    name="attendance",
    layout=SHEET,
    authorise=authorise,
    read=lambda data: read_sheet(data),
    run=lambda **kwargs: attendance_import(**kwargs),
    report_type=ImportReport,
    page="placements:attendance_import",
)
