"""The dashboard's tables and charts, from one overview: the page, the Excel file and the chart draw
the same numbers.

A table is a title, headers and rows of cells; a cell the page should mark (an R-TG-2 shortfall)
is a ``Short``. A chart is plain data for ``static/jianxi/dashboard.js`` (rendered into the page
with ``json_script``, never as script): its kind, the x-axis labels and named series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from jianxi.core.excel import Sheet
from jianxi.oversight.models import MONEY
from jianxi.oversight.selectors import Money, Overview, TakeUp


@dataclass(frozen=True)
class Short:
    """A figure below the same period of last year (R-TG-2)."""

    value: int
    short = True

    def __str__(self) -> str:
        return str(self.value)


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"

    def body(self) -> SafeString:
        """The rows as HTML, escaped: built here rather than cell by cell in the template (speed)."""
        short = _("低于上年同期（R-TG-2）")

        def cell(value: Any) -> SafeString:
            if isinstance(value, Short):
                return format_html('<td class="short" title="{}">{}</td>', short, value.value)
            return format_html("<td>{}</td>", "—" if value is None else value)

        return format_html_join(
            "", "<tr>{}</tr>", ((format_html_join("", "{}", ((cell(v),) for v in row)),) for row in self.rows)
        )

    def sheet(self) -> Sheet:
        def plain(cell: Any) -> Any:
            return cell.value if isinstance(cell, Short) else cell

        return (self.title, self.headers, [[plain(c) for c in row] for row in self.rows])


def _months() -> list[str]:
    return [_("%(n)s月") % {"n": n} for n in range(1, 13)]


def _series(name: str, data: list[Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "data": data, **extra}


def _money_row(label: str, money: Money) -> list[Any]:
    return [label, *(getattr(money, m) for m in MONEY)]


def _flag(value: int, below: bool) -> Any:
    return Short(value) if below else value


def overview_tables(ov: Overview) -> list[Table]:
    measure = _("招募人数") if ov.definition.counts_headcount else _("岗位个数")
    months = _months()
    projection: list[Any] = [None] * 12
    current = ov.as_of.month if ov.as_of else 0
    if ov.projected is not None and current:
        start = ov.months[current - 1].cumulative or 0
        for n in range(current, 13):
            projection[n - 1] = round(start + (ov.projected - start) * (n - current) / max(12 - current, 1))
    progress = Table(
        "progress",
        _("年度募集进度（R-TG-1，按%(measure)s计）") % {"measure": measure},
        [
            _("月份"),
            _("当月募集岗位"),
            _("累计"),
            _("进度线应达"),
            _("上年累计"),
            _("新增见习人数"),
            _("月末在岗见习人数"),
        ],
        [
            [
                months[m.month - 1],
                m.posts,
                m.cumulative,
                m.expected,
                m.last_year_cumulative,
                m.placements,
                m.in_internship,
            ]
            for m in ov.months
        ],
        chart={
            "type": "line",
            "x": months,
            "series": [
                _series(_("累计募集"), [m.cumulative for m in ov.months]),
                _series(_("进度线"), [m.expected for m in ov.months], dashed=True),
                _series(_("上年累计"), [m.last_year_cumulative for m in ov.months], dashed=True),
                _series(_("预计全年"), projection, dashed=True),
                *([_series(_("年度目标"), [ov.target] * 12, dashed=True)] if ov.target is not None else []),
            ],
        },
    )
    districts = Table(
        "districts",
        _("各区募集岗位和见习人数与上年同期比较（R-TG-2）"),
        [
            _("区"),
            _("本年岗位"),
            _("上年同期岗位"),
            _("上年全年岗位"),
            _("本年见习人数"),
            _("上年同期见习人数"),
            _("上年全年见习人数"),
            _("低于上年同期"),
        ],
        [
            [
                d.name,
                _flag(d.posts, d.posts_below),
                d.posts_last_year_same_period,
                d.posts_last_year,
                _flag(d.placements, d.placements_below),
                d.placements_last_year_same_period,
                d.placements_last_year,
                _("是") if d.below_last_year else _("否"),
            ]
            for d in ov.districts
        ],
        chart={
            "type": "bar",
            "x": [d.name for d in ov.districts],
            "series": [
                _series(_("本年岗位"), [d.posts for d in ov.districts]),
                _series(_("上年同期岗位"), [d.posts_last_year_same_period for d in ov.districts]),
                _series(_("本年见习人数"), [d.placements for d in ov.districts]),
                _series(_("上年同期见习人数"), [d.placements_last_year_same_period for d in ov.districts]),
            ],
        },
    )
    departments = Table(
        "departments",
        _("募集部门完成情况"),
        [_("募集部门"), _("岗位目标"), _("募集岗位"), _("完成比例（%）"), _("见习人数目标"), _("见习人数")],
        [[d.name, d.target, d.posts, d.share, d.target_placements, d.placements] for d in ov.departments],
        chart={
            "type": "bar",
            "x": [d.name for d in ov.departments],
            "series": [
                _series(_("募集岗位"), [d.posts for d in ov.departments]),
                _series(_("岗位目标"), [d.target for d in ov.departments]),
            ],
        },
    )
    categories = Table(
        "categories",
        _("岗位类别结构"),
        [_("岗位类别"), _("募集岗位（按口径）"), _("岗位个数"), _("招募人数"), _("见习人数")],
        [[c.name, c.posts, c.post_count, c.headcount, c.placements] for c in ov.categories],
        chart={
            "type": "pie",
            "x": [c.name for c in ov.categories],
            "series": [_series(measure, [c.posts for c in ov.categories])],
        },
    )
    host_types = Table(
        "host_types",
        _("见习单位类型"),
        [_("单位类型"), _("募集岗位（按口径）"), _("岗位个数"), _("招募人数"), _("见习人数")],
        [[c.name, c.posts, c.post_count, c.headcount, c.placements] for c in ov.host_types],
    )
    reached = [m for m in ov.months if m.cumulative is not None]
    money = Table(
        "money",
        _("见习补贴资金（元）：市级、区级分列"),
        [_("区"), _("核准·市级"), _("核准·区级"), _("拨付·市级"), _("拨付·区级"), _("追回·市级"), _("追回·区级")],
        [_money_row(r.label, r.money) for r in ov.money_by_district],
        chart={
            "type": "bar",
            "x": [months[m.month - 1] for m in reached],
            "series": [
                _series(_("拨付·市级"), [str(m.money.paid_city) for m in reached], stack="paid"),
                _series(_("拨付·区级"), [str(m.money.paid_district) for m in reached], stack="paid"),
                _series(_("核准合计"), [str(m.money.approved) for m in reached], line=True),
                _series(_("追回合计"), [str(m.money.recovered) for m in reached]),
            ],
        },
    )
    money_months = Table(
        "money_months",
        _("见习补贴资金按月（元）"),
        [_("月份"), _("核准·市级"), _("核准·区级"), _("拨付·市级"), _("拨付·区级"), _("追回·市级"), _("追回·区级")],
        [_money_row(months[m.month - 1], m.money) for m in reached],
    )
    return [progress, districts, departments, categories, host_types, money, money_months]


def take_up_tables(tu: TakeUp) -> list[Table]:
    months = _months()
    progress = Table(
        "progress",
        _("本校毕业生参加见习（按月）"),
        [_("月份"), _("新增见习人数"), _("累计"), _("上年累计"), _("月末在岗见习人数")],
        [[months[m.month - 1], m.placements, m.cumulative, m.last_year_cumulative, m.in_internship] for m in tu.months],
        chart={
            "type": "line",
            "x": months,
            "series": [
                _series(_("累计见习人数"), [m.cumulative for m in tu.months]),
                _series(_("上年累计"), [m.last_year_cumulative for m in tu.months], dashed=True),
            ],
        },
    )
    districts = Table(
        "districts",
        _("按见习单位所在区"),
        [_("区"), _("见习人数"), _("月末在岗"), _("期满结束"), _("留用")],
        [[r.name, r.placements, r.in_internship, r.completed, r.retained] for r in tu.districts],
        chart={
            "type": "bar",
            "x": [r.name for r in tu.districts],
            "series": [_series(_("见习人数"), [r.placements for r in tu.districts])],
        },
    )
    categories = Table(
        "categories",
        _("按岗位类别"),
        [_("岗位类别"), _("见习人数"), _("月末在岗"), _("期满结束"), _("留用")],
        [[r.name, r.placements, r.in_internship, r.completed, r.retained] for r in tu.categories],
        chart={
            "type": "pie",
            "x": [r.name for r in tu.categories],
            "series": [_series(_("见习人数"), [r.placements for r in tu.categories])],
        },
    )
    return [progress, districts, categories]
