"""The oversight dashboard (统计看板) and its Excel downloads; the officers' homes show the same."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jianxi.accounts.models import Role
from jianxi.core.access import acting_user, roles
from jianxi.core.db_router import reads_from_replica
from jianxi.core.excel import xlsx_response
from jianxi.oversight.selectors import MIN_YEAR, overview, take_up
from jianxi.oversight.tables import Table, overview_tables, take_up_tables

READERS = (Role.CITY, Role.DISTRICT, Role.DEPARTMENT, Role.UNIVERSITY)


def year_of(request: HttpRequest, today: date) -> int:
    """``?year=``, or this year when it is missing or not a year the programme can have."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and len(raw) == 4 and MIN_YEAR <= int(raw) <= today.year + 1:
        return int(raw)
    return today.year


def dashboard_context(user: Any, *, year: int, today: date) -> dict[str, Any]:
    """What the dashboard template needs, for the home pages and the dashboard page alike."""
    if user.role == Role.UNIVERSITY:
        figures: Any = take_up(user, year=year, today=today)
        tables = take_up_tables(figures)
    else:
        figures = overview(user, year=year, today=today)
        tables = overview_tables(figures)
    return {
        "overview": figures,
        "tables": tables,
        "years": list(range(today.year + 1, max(MIN_YEAR, today.year - 5) - 1, -1)),
    }


@roles(*READERS)
@reads_from_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    context = dashboard_context(acting_user(request), year=year_of(request, today), today=today)
    return render(request, "oversight/dashboard.html", context)


@roles(*READERS)
def excel(request: HttpRequest) -> HttpResponse:
    """One table of the dashboard as .xlsx: ``?table=districts&year=2024``."""
    today = timezone.localdate()
    year = year_of(request, today)
    tables: list[Table] = dashboard_context(acting_user(request), year=year, today=today)["tables"]
    chosen = next((t for t in tables if t.key == request.GET.get("table")), None)
    if chosen is None:
        raise Http404
    return xlsx_response(f"统计-{year}-{chosen.key}.xlsx", [chosen.sheet()])
