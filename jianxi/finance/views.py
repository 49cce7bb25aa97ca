"""The finance bureau's page (财政局, read-only): budget against money, by district and month."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jianxi.accounts.models import Role
from jianxi.core.access import roles
from jianxi.core.excel import xlsx_response
from jianxi.core.paging import parse_id
from jianxi.finance.selectors import FinanceView, finance_view

READERS = (Role.FINANCE, Role.CITY)


def _year(request: HttpRequest) -> int:
    year = parse_id(request.GET.get("year"))
    today = timezone.localdate()
    return year if year is not None and 2000 <= year <= today.year + 1 else today.year


@roles(*READERS)
def overview(request: HttpRequest) -> HttpResponse:
    view = finance_view(year=_year(request), today=timezone.localdate())
    if request.GET.get("format") == "xlsx":
        return _excel(view)
    return render(request, "finance/overview.html", {"view": view, "years": _years()})


def _years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, this - 5, -1))


def _excel(view: FinanceView) -> HttpResponse:
    money = ["核准", "核准·市级", "核准·区级", "拨付", "拨付·市级", "拨付·区级", "追回", "净拨付"]
    districts = (
        (
            d.name,
            d.budget,
            *_money(d.money),
            d.forecast,
            d.left,
        )
        for d in view.districts
    )
    months = ((f"{month:%Y-%m}", *_money(m)) for month, m in view.months)
    return xlsx_response(
        f"见习补贴预算执行-{view.year}.xlsx",
        [
            ("分区", ["区", "预算", *money, "年底前预计", "预算结余"], districts),
            ("分月", ["月份", *money], months),
        ],
    )


def _money(m: object) -> tuple[object, ...]:
    names = ("approved", "approved_city", "approved_district", "paid", "paid_city", "paid_district", "recovered")
    return (*(getattr(m, n) for n in names), m.net_paid)  # type: ignore[attr-defined]
