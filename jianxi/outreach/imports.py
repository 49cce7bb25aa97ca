"""A university's list of graduates not yet employed (未就业毕业生名单), by Excel upload.

The shared import machinery reads the file (``jianxi.core.imports``: the bounded reader, the
Chinese headers, the upload limits) and runs it as a job (``jianxi.core.import_jobs``). Here:

* ``parse_row`` turns one row into a ``GraduateData`` or every error of the row, each naming its
  column — pure, no queries (tested with hypothesis);
* ``graduates_import`` is the one write: nothing is loaded when any row is wrong (a list is loaded
  whole or not at all, whether or not "仅导入无误的行" is ticked); otherwise each row is matched to
  the youth registry by ID number, created or — uploaded again — updated in place (one row per
  university and ID number), and those not registered are invited (once), in one transaction.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Font

from jianxi.accounts.models import Role, User
from jianxi.core.errors import RuleError
from jianxi.core.imports import (
    HELP_TITLE,
    CellError,
    ImportKind,
    ImportReport,
    RowChecker,
    RowError,
    SheetLayout,
    SheetRow,
    cell_text,
    check_rows,
    choice_cell,
    clip,
    date_cell,
    mobile_cell,
    read_xlsx,
    resident_id_cell,
    text_cell,
)
from jianxi.outreach import services
from jianxi.outreach.models import Graduate
from jianxi.outreach.selectors import stands_for
from jianxi.youth.imports import education_names
from jianxi.youth.models import Person

SHEET_TITLE = "未就业毕业生"
ID_NUMBER = "身份证号"
NAME = "姓名"
SCHOOL = "学校"
MAJOR = "专业"
EDUCATION = "学历"
GRADUATION = "毕业日期"
PHONE = "手机"
EMAIL = "电子邮箱"
HEADERS = (ID_NUMBER, NAME, SCHOOL, MAJOR, EDUCATION, GRADUATION, PHONE, EMAIL)
MAX_LENGTHS = {NAME: 50, SCHOOL: 100, MAJOR: 100}
SHEET = SheetLayout(SHEET_TITLE, HEADERS, noun="毕业生")
NOT_LOADED = "名单有误，整个文件未导入（名单不部分导入）。请按问题清单修改后重新上传。"


@dataclass(frozen=True)
class GraduateData:
    row: int
    id_number: str
    name: str
    school: str
    major: str
    education: str
    graduation_date: date
    phone: str
    email: str


@dataclass(kw_only=True)
class GraduatesReport(ImportReport):
    updated: int = 0
    registered: int = 0  # rows matched to a registered person
    invited: int = 0  # invitations made by this upload


@dataclass(frozen=True)
class Lookups:
    today: date
    education: Mapping[str, str] = field(default_factory=education_names)


def _email(value: Any) -> str:
    text = cell_text(value)
    if len(text) > 254:
        raise CellError("电子邮箱不能超过 254 个字符。")
    try:
        validate_email(text)
    except ValidationError:
        raise CellError(f"“{clip(text)}”不是有效的电子邮箱地址。") from None
    return text


_date = date_cell("2026-07-01")


def parse_row(row: SheetRow, lookups: Lookups) -> GraduateData | list[RowError]:
    """One graduate, or every problem of the row (each naming its column), in column order."""
    check = RowChecker(row)
    id_number = check.cell(ID_NUMBER, resident_id_cell(lookups.today))
    name = check.cell(NAME, text_cell(NAME, MAX_LENGTHS[NAME]))
    school = check.cell(SCHOOL, text_cell(SCHOOL, MAX_LENGTHS[SCHOOL]))
    major = check.cell(MAJOR, text_cell(MAJOR, MAX_LENGTHS[MAJOR]))
    education = check.cell(EDUCATION, choice_cell(lookups.education, "请填写如 大学本科、硕士研究生、大学专科。"))
    graduated = check.cell(GRADUATION, _date)
    if graduated is not None and graduated > date(lookups.today.year + 1, 12, 31):
        check.fail(GRADUATION, "毕业日期不能晚于一年以后。")
    phone = check.cell(PHONE, mobile_cell, required=False)
    email = check.cell(EMAIL, _email, required=False)
    if check.blank(PHONE) and check.blank(EMAIL):
        check.fail(PHONE, "手机和电子邮箱至少填写一项，否则无法推送信息。")
    if check.errors:
        return check.errors
    assert id_number and name and school and major and education and graduated
    return GraduateData(
        row=row.number,
        id_number=id_number.number,
        name=name,
        school=school,
        major=major,
        education=education,
        graduation_date=graduated,
        phone=phone or "",
        email=email or "",
    )


def check_all(rows: Sequence[SheetRow], lookups: Lookups) -> tuple[list[GraduateData], list[RowError]]:
    """Every row parsed, and a repeated ID number named on its later rows."""
    valid, errors = check_rows(rows, lambda r: parse_row(r, lookups))
    first: dict[str, int] = {}
    unique: list[GraduateData] = []
    for data in valid:
        if data.id_number in first:
            message = f"与第 {first[data.id_number]} 行的身份证号相同：同一名单中每人只能出现一次。"
            errors.append(RowError(row=data.row, column=ID_NUMBER, message=message))
        else:
            first[data.id_number] = data.row
            unique.append(data)
    errors.sort(key=lambda e: e.row)
    return unique, errors


def read_sheet(source: bytes) -> list[SheetRow]:
    return read_xlsx(source, SHEET)


def authorise(actor: User) -> None:
    """Only a university officer loads its own graduates."""
    if getattr(actor, "role", None) != Role.UNIVERSITY or not getattr(actor, "university_id", None):
        raise RuleError("import.role", gettext("只有高校账号可以导入本校未就业毕业生名单。"))


UPDATED_FIELDS = ("name", "school", "major", "education", "graduation_date", "phone", "email", "person")


def graduates_import(
    *, actor: User, rows: list[SheetRow], import_valid_rows: bool = False, today: date | None = None, **_: Any
) -> GraduatesReport:
    """Load the list: all rows or none; re-uploading updates the graduates already loaded."""
    authorise(actor)
    university_id = int(actor.university_id or 0)
    today = today or timezone.localdate()
    valid, errors = check_all(rows, Lookups(today=today))
    if errors:
        return GraduatesReport(total_rows=len(rows), errors=errors)
    ids = [d.id_number for d in valid]
    with transaction.atomic():
        existing = {
            g.id_number: g
            for g in Graduate.objects.select_for_update().filter(university_id=university_id, id_number__in=ids)
        }
        # Only the university's own graduates, or those who registered after its invitation
        # (outreach.selectors.ours): nobody else's registration is revealed by a list.
        persons = {
            id_number: pk
            for id_number, pk, uni, registered_at in Person.objects.filter(id_number__in=ids).values_list(
                "id_number", "pk", "university_id", "created_at"
            )
            if stands_for(
                person_university=uni,
                registered_at=registered_at,
                university_id=university_id,
                invited_at=existing[id_number].invited_at if id_number in existing else None,
            )
        }
        created: list[Graduate] = []
        changed: list[Graduate] = []
        for d in valid:
            values = {
                "name": d.name,
                "school": d.school,
                "major": d.major,
                "education": d.education,
                "graduation_date": d.graduation_date,
                "phone": d.phone,
                "email": d.email,
                "person_id": persons.get(d.id_number),
            }
            found = existing.get(d.id_number)
            if found is None:
                created.append(Graduate(university_id=university_id, id_number=d.id_number, **values))
            elif any(getattr(found, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(found, k, v)
                changed.append(found)
        Graduate.objects.bulk_create(created, batch_size=1000)
        if changed:
            Graduate.objects.bulk_update(changed, [*UPDATED_FIELDS, "updated_at"], batch_size=1000)
        invited = services.invite_unregistered(actor=actor, id_numbers=ids)
    return GraduatesReport(
        total_rows=len(rows),
        created=len(created),
        updated=len(changed),
        registered=sum(1 for d in valid if d.id_number in persons),
        invited=invited,
    )


KIND = ImportKind(
    name="graduates",
    layout=SHEET,
    authorise=authorise,
    read=read_sheet,
    run=lambda **kwargs: graduates_import(**kwargs),
    report_type=GraduatesReport,
    page="outreach:import",
)

EXAMPLE = ["11010519491231002X", "张三", "北京大学", "计算机科学与技术", "大学本科", "2026-07-01", "13800000000",
           "zhangsan@example.com"]  # fmt: skip


def template_workbook() -> bytes:
    """The list's sheet (header only; ID and mobile columns as text) and an instruction sheet."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLE
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGH", (22, 10, 20, 24, 12, 12, 14, 26), strict=True):
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["A"].number_format = "@"
    ws.column_dimensions["G"].number_format = "@"
    help_ws = wb.create_sheet(HELP_TITLE)
    help_ws.append(["说明"])
    help_ws.append(["第 1 行为表头，请勿修改列名；每行一名尚未就业的本校毕业生。身份证号须为 18 位有效号码。"])
    help_ws.append(["学历填写如 大学本科、硕士研究生、大学专科；手机和电子邮箱至少填写一项。"])
    help_ws.append(
        ["任何一行有误时整个文件都不导入，问题清单列出每一处问题。再次上传同一名单会更新已导入的记录，不会重复。"]
    )
    help_ws.append(["未在见习人员库登记的毕业生会收到注册邀请（每人一次）。"])
    help_ws.append(["示例（不会被导入）"])
    help_ws.append(list(HEADERS))
    help_ws.append(EXAMPLE)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
