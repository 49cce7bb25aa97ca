"""``GET /api/v1/stats/ranking``: the demonstration-unit ranking (R-TG-4), scoped like its page.

The city officer reads the whole city or one district; a district officer reads its own district
(naming another answers 404, as if it did not exist). Every other role is refused (403). Scores,
normalised values and points are strings holding the exact decimal.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from jianxi.accounts.models import Role
from jianxi.core.access import acting_user, require_role
from jianxi.demonstration.ranking import Entry, host_ranking
from jianxi.policy.models import District

router = Router(tags=["stats"])


class RankingQuery(Schema):
    year: int = Field(ge=2000, le=2100, description="评选年度，2000 至 2100")
    district: str | None = Field(
        None, pattern=r"^[0-9A-Z]{1,6}$", description="区划代码（如 110108，或 BDA）；区人社局只能查询本区"
    )


class FactorOut(Schema):
    label: str = Field(description="项目名称")
    value: str = Field(description="数据：个数，或“分子/分母”")
    normalised: str = Field(description="折算值，0 至 1，4 位小数")
    weight: int = Field(description="权重（各项合计 100）")
    points: str = Field(description="得分 = 权重 × 折算值，2 位小数")
    explanation: str = Field(description="中文说明")


class RankedOut(Schema):
    host_id: int
    host_name: str
    district: str = Field(description="区划代码")
    district_name: str
    interns: int = Field(description="年内见习人数")
    score: str = Field(description="总分，满分 100，2 位小数（各项得分之和）")
    rank: int = Field(description="在所返回名单中的名次；同分同名次，其后名次顺延")
    factors: dict[str, FactorOut] = Field(
        description="posts、headcount、fill_rate、completion、retention、attendance、claim_lines、no_recovery、no_fraud"
    )


class NotEligibleOut(Schema):
    host_id: int
    host_name: str
    district: str
    district_name: str
    interns: int
    reason: str = Field(description="不符合参评条件的原因")


class RankingOut(Schema):
    year: int
    district: str | None = Field(description="名单所属的区；全市名单为 null")
    min_interns: int = Field(description="参评最少见习人数")
    items: list[RankedOut] = Field(description="参评单位，按名次、再按单位名称和编号排列")
    not_eligible: list[NotEligibleOut] = Field(description="年内有岗位或见习人员、但不符合参评条件的单位")


def _ranked(entry: Entry) -> dict[str, Any]:
    return {
        "host_id": entry.host_id,
        "host_name": entry.host_name,
        "district": entry.district_code,
        "district_name": entry.district_name,
        "interns": entry.interns,
        "score": str(entry.score),
        "rank": entry.rank,
        "factors": {
            f.code: {
                "label": f.label,
                "value": f.value,
                "normalised": str(f.normalised),
                "weight": f.weight,
                "points": str(f.points),
                "explanation": f.explanation,
            }
            for f in entry.factors
        },
    }


@router.get("", response=RankingOut, summary="见习示范单位候选排名（R-TG-4）")
def ranking(request: HttpRequest, params: Query[RankingQuery]) -> dict[str, Any]:
    """City officer: the city, or one district with ``district``; district officer: its own district."""
    require_role(request, Role.DISTRICT, Role.CITY)
    user = acting_user(request)
    district = params.district
    if user.role == Role.DISTRICT:
        own = user.district.code if user.district else ""
        if district not in (None, own):
            raise Http404
        district = own
    elif district is not None and not District.objects.filter(code=district, city__code=settings.JIANXI_CITY).exists():
        raise Http404
    result = host_ranking(year=params.year)
    if district is not None:
        result = result.in_district(district)
    return {
        "year": result.year,
        "district": district,
        "min_interns": result.policy.min_interns,
        "items": [_ranked(e) for e in result.ranked],
        "not_eligible": [
            {
                "host_id": e.host_id,
                "host_name": e.host_name,
                "district": e.district_code,
                "district_name": e.district_name,
                "interns": e.interns,
                "reason": e.reason,
            }
            for e in result.not_eligible
        ],
    }
