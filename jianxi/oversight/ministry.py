"""The monthly statistics report to the ministry (就业见习工作月度统计报表), one Excel file per month.

One row per district (the city's districts, or the district officer's own), the month's figures
and the year's so far: posts recruited and their headcount (R-TG-1), new interns, interns in
internship at month end, completed and retained internships (R-IN-3) and the subsidy paid (city
and district shares apart), then the total. Read from the monthly aggregates only (one query),
after refreshing the cells changed since their last refresh, so the report counts what the
dashboard counts.

The same data gives the same file: cells, styles and the zip's entries are written in a fixed
order, and the only moment in it — the generation time, in a cell, the document properties and
the zip entries' dates — is the ``generated_at`` the caller passes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import scoped
from jianxi.oversight import refresh
from jianxi.oversight.models import MonthlyDistrictStat
from jianxi.oversight.selectors import yuan
from jianxi.policy.models import City, District

# (aggregate field, column title); each counted for the month and for the year to the month's end.
FLOWS = (
    ("posts", "新募集岗位数"),
    ("headcount", "新募集岗位人数"),
    ("placements", "新增见习人数"),
    ("completed", "见习期满人数"),
    ("retained", "留用人数"),
)
PAID = ("paid_city", "paid_district")


@dataclass(frozen=True)
class ReportRow:
    code: str
    name: str
    month: dict[str, int]  # FLOWS and PAID fields, for the month
    year: dict[str, int]  # the same, January to the month
    in_internship: int

    def paid(self, which: dict[str, int]) -> Decimal:
        return yuan(which["paid_city"] + which["paid_district"])


@dataclass(frozen=True)
class Report:
    month: date
    city: str
    rows: list[ReportRow]
    total: ReportRow


def _fields() -> list[str]:
    return [f for f, _ in FLOWS] + list(PAID)


def report(user: Any, *, month: date) -> Report:
    """The figures of ``month`` (its first day) by district in the user's scope, and their total."""
    month = month.replace(day=1)
    refresh.refresh_dirty()
    districts = list(District.objects.filter(city__code=settings.JIANXI_CITY))
    if getattr(user, "role", None) == Role.DISTRICT:
        districts = [d for d in districts if d.pk == user.district_id]
    in_month = Q(month=month)
    cells = scoped(user, MonthlyDistrictStat.objects.filter(month__gte=month.replace(month=1), month__lte=month))
    sums: dict[str, Any] = {}
    for f in _fields():
        sums[f"m_{f}"] = Sum(f, filter=in_month)
        sums[f"y_{f}"] = Sum(f)
    sums["in_internship"] = Sum("in_internship", filter=in_month)
    found = {r["district_id"]: r for r in cells.values("district_id").annotate(**sums).order_by()}
    rows = []
    for d in districts:
        r = found.get(d.pk, {})
        rows.append(
            ReportRow(
                d.code,
                d.name,
                {f: r.get(f"m_{f}") or 0 for f in _fields()},
                {f: r.get(f"y_{f}") or 0 for f in _fields()},
                r.get("in_internship") or 0,
            )
        )
    total = ReportRow(
        "",
        "合计",
        {f: sum(r.month[f] for r in rows) for f in _fields()},
        {f: sum(r.year[f] for r in rows) for f in _fields()},
        sum(r.in_internship for r in rows),
    )
    city = City.objects.filter(code=settings.JIANXI_CITY).values_list("name", flat=True).first() or ""
    return Report(month, city, rows, total)


HEADERS = [
    "区划代码",
    "区",
    *[f"{title}（本月）" for _, title in FLOWS[:3]],
    *[f"{title}（本年累计）" for _, title in FLOWS[:3]],
    "月末在岗见习人数",
    *[f"{title}（本月）" for _, title in FLOWS[3:]],
    *[f"{title}（本年累计）" for _, title in FLOWS[3:]],
    "拨付见习补贴（本月，元）",
    "其中市级（本月，元）",
    "其中区级（本月，元）",
    "拨付见习补贴（本年累计，元）",
]


def _values(row: ReportRow) -> list[Any]:
    return [
        row.code,
        row.name,
        *[row.month[f] for f, _ in FLOWS[:3]],
        *[row.year[f] for f, _ in FLOWS[:3]],
        row.in_internship,
        *[row.month[f] for f, _ in FLOWS[3:]],
        *[row.year[f] for f, _ in FLOWS[3:]],
        row.paid(row.month),
        yuan(row.month["paid_city"]),
        yuan(row.month["paid_district"]),
        row.paid(row.year),
    ]


def workbook(found: Report, *, generated_at: datetime) -> bytes:
    """The report as .xlsx; the same ``found`` and ``generated_at`` give the same bytes."""
    local = timezone.localtime(generated_at).replace(tzinfo=None, microsecond=0)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{found.month:%Y年%m月}"
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([f"{found.city}就业见习工作月度统计报表（{found.month:%Y年%m月}）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([f"统计月份：{found.month:%Y-%m}", None, None, f"生成时间：{local:%Y-%m-%d %H:%M:%S}"])
    ws.append(HEADERS)
    for cell in ws[3]:
        cell.font, cell.border = Font(bold=True), box
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in [*found.rows, found.total]:
        ws.append(_values(row))
        for cell in ws[ws.max_row]:
            cell.border = box
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.append([])
    ws.append(
        [
            "口径：新募集岗位按首次发布月份计；新增见习人数按双方确认的见习协议开始月份计；月末在岗为当月最后一日"
            "仍在见习的人数；见习期满、留用按见习结束月份计；拨付按资金台账拨付日期计。"
        ]
    )
    ws.freeze_panes = "C4"
    ws.column_dimensions["B"].width = 16
    for i in range(3, len(HEADERS) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    ws.row_dimensions[3].height = 48
    wb.properties.creator = "Jianxi"
    wb.properties.title = ws["A1"].value
    # Document properties are in UTC; ``Workbook.save`` would stamp "modified" with the clock.
    wb.properties.created = wb.properties.modified = generated_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    buffer = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_dates(buffer.getvalue(), local)


def _fixed_dates(xlsx: bytes, at: datetime) -> bytes:
    """The same archive with every entry dated ``at`` (openpyxl dates them with the clock)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=at.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def filename(found: Report) -> str:
    return f"就业见习月度统计-{found.month:%Y-%m}.xlsx"
