"""``GET /api/v1/stats/overview``: the dashboard's year in figures (R-TG-1, R-TG-2), scoped like the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from jianxi.accounts.models import Role
from jianxi.core.access import require_role
from jianxi.core.db_router import replica_reads
from jianxi.oversight.selectors import MIN_YEAR, district_in_scope, overview

router = Router(tags=["stats"])
MAX_YEAR = 2100
READERS = (Role.CITY, Role.DISTRICT, Role.DEPARTMENT)


class OverviewQuery(Schema):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR, description=f"统计年度，{MIN_YEAR} 至 {MAX_YEAR}")
    district: str | None = Field(
        None, pattern=r"^[0-9A-Za-z]{1,6}$", description="区划代码（如 110108）；区人社局只能查本区"
    )


class DistrictStatOut(Schema):
    code: str
    name: str
    posts: int = Field(description="本年至今募集岗位（按统计口径）")
    posts_last_year_same_period: int
    posts_last_year: int
    placements: int = Field(description="本年至今开始见习的人数（双方确认的协议）")
    placements_last_year_same_period: int
    placements_last_year: int
    below_last_year: bool = Field(description="岗位或见习人数低于上年同期（R-TG-2）")


class DepartmentStatOut(Schema):
    code: str
    name: str
    target: int | None
    posts: int
    placements: int


class OverviewOut(Schema):
    year: int
    target: int | None = Field(description="年度募集目标（市、区或部门；未设为 null）")
    posts_recruited: int = Field(description="本年至今募集岗位（按统计口径：招募人数或岗位个数）")
    headcount: int = Field(description="本年至今首次发布岗位的招募人数")
    placements: int
    pace_expected: int | None = Field(description="进度线：按上年同期进度（或时间进度）今天应达到的岗位数")
    projected: int | None = Field(description="按目前进度预计全年募集岗位数")
    districts: list[DistrictStatOut]
    departments: list[DepartmentStatOut]


@router.get("/overview", response=OverviewOut, summary="年度统计概览（R-TG-1、R-TG-2，按权限范围）")
def stats_overview(request: HttpRequest, query: Query[OverviewQuery]) -> dict[str, Any]:
    """City, district and department officers; a district officer only for its own district (404 otherwise)."""
    require_role(request, *READERS)
    user: Any = request.user
    chosen = district_in_scope(user, query.district or "")
    with replica_reads():  # statistics may come from a read replica (core/db_router.py)
        ov = overview(user, year=query.year, today=timezone.localdate(), district=chosen)
    return {
        "year": ov.year,
        "target": ov.target,
        "posts_recruited": ov.posts_recruited,
        "headcount": ov.headcount,
        "placements": ov.placements,
        "pace_expected": ov.pace_expected,
        "projected": ov.projected,
        "districts": [{**d.__dict__, "below_last_year": d.below_last_year} for d in ov.districts],
        "departments": [
            {"code": d.code, "name": d.name, "target": d.target, "posts": d.posts, "placements": d.placements}
            for d in ov.departments
        ],
    }
