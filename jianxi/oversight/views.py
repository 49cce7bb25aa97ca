"""The oversight dashboard (统计看板) and its Excel downloads; the officers' homes show the same."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role
from jianxi.core.access import acting_user, roles
from jianxi.core.db_router import reads_from_replica
from jianxi.core.excel import xlsx_download, xlsx_response
from jianxi.events.selectors import events_per_district
from jianxi.oversight import ministry as ministry_report
from jianxi.oversight.selectors import MIN_YEAR, district_in_scope, overview, take_up
from jianxi.oversight.tables import Table, overview_tables, take_up_tables
from jianxi.policy.models import District

READERS = (Role.CITY, Role.DISTRICT, Role.DEPARTMENT, Role.UNIVERSITY)


def year_of(request: HttpRequest, today: date) -> int:
    """``?year=``, or this year when it is missing or not a year the programme can have."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and len(raw) == 4 and MIN_YEAR <= int(raw) <= today.year + 1:
        return int(raw)
    return today.year


def district_of(request: HttpRequest, user: Any) -> District | None:
    """``?district=CODE``: one district of the user's scope (404 outside it), or None for all."""
    if user.role == Role.UNIVERSITY:
        return None
    return district_in_scope(user, request.GET.get("district", ""))


def dashboard_context(user: Any, *, year: int, today: date, district: District | None = None) -> dict[str, Any]:
    """What the dashboard template needs, for the home pages and the dashboard page alike."""
    if user.role == Role.UNIVERSITY:
        figures: Any = take_up(user, year=year, today=today)
        tables = take_up_tables(figures)
    else:
        figures = overview(user, year=year, today=today, district=district)
        tables = overview_tables(figures)
        # R-TG-3: each district holds at least one dedicated matching event a year.
        held = events_per_district(year)
        tables.append(
            Table(
                "events",
                _("就业见习专项对接活动（R-TG-3：每区每年至少一次）"),
                [_("区"), _("本年举办活动")],
                [[d.name, held.get(d.code, 0)] for d in figures.districts],
            )
        )
    return {
        "overview": figures,
        "tables": tables,
        "years": list(range(today.year + 1, max(MIN_YEAR, today.year - 5) - 1, -1)),
        # The city (and a department) may narrow the dashboard to one district.
        "districts": list(District.objects.all()) if user.role in (Role.CITY, Role.DEPARTMENT) else [],
        "district": district,
    }


@roles(*READERS)
@reads_from_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    user = acting_user(request)
    context = dashboard_context(user, year=year_of(request, today), today=today, district=district_of(request, user))
    return render(request, "oversight/dashboard.html", context)


@roles(*READERS)
def excel(request: HttpRequest) -> HttpResponse:
    """One table of the dashboard as .xlsx: ``?table=districts&year=2024[&district=110108]``."""
    today = timezone.localdate()
    year = year_of(request, today)
    user = acting_user(request)
    tables: list[Table] = dashboard_context(user, year=year, today=today, district=district_of(request, user))["tables"]
    chosen = next((t for t in tables if t.key == request.GET.get("table")), None)
    if chosen is None:
        raise Http404
    return xlsx_response(f"统计-{year}-{chosen.key}.xlsx", [chosen.sheet()])


def _month_of(raw: str) -> date | None:
    """``YYYY-MM`` of a month the programme can have, or None."""
    try:
        chosen = datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return None
    return chosen if chosen.year >= MIN_YEAR else None


@roles(Role.CITY, Role.DISTRICT)
def ministry(request: HttpRequest) -> HttpResponse:
    """The monthly statistics report to the ministry (月度统计报表): ``?month=YYYY-MM`` downloads it."""
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    raw = request.GET.get("month")
    if raw is None:
        return render(request, "oversight/ministry.html", {"month": f"{last_month:%Y-%m}"})
    month = _month_of(raw)
    if month is None or month > today.replace(day=1):
        error = _("月份格式应为 YYYY-MM，且不晚于本月（%(min)s 年起）。") % {"min": MIN_YEAR}
        context = {"month": raw[:7], "error": error}
        return render(request, "oversight/ministry.html", context, status=400)
    found = ministry_report.report(acting_user(request), month=month)
    data = ministry_report.workbook(found, generated_at=timezone.now())
    return xlsx_download(ministry_report.filename(found), data)
