"""``GET /api/v1/me/recommendations``: the signed-in young person's recommended posts."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jianxi.accounts.models import Role
from jianxi.core.access import require_role
from jianxi.core.errors import RuleError
from jianxi.recommend.selectors import person_of_user, recommendations_for

router = Router(tags=["recommend"])
MAX_LIMIT = 30


class RecommendationOut(Schema):
    post_id: int = Field(description="岗位编号（/api/v1/posts/{post_id}）")
    title: str
    score: float = Field(description="匹配度，0 至 100")
    reasons: list[str] = Field(description="推荐理由（中文）")
    eligible: bool = Field(description="在此见习是否可享受见习补贴（见习对象条件与 R-EL-6，与申请页一致）")


class RecommendationsOut(Schema):
    items: list[RecommendationOut]


class RecommendationsQuery(Schema):
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT, description=f"条数，1 至 {MAX_LIMIT}")


@router.get("/recommendations", response=RecommendationsOut, summary="为你推荐（见习人员本人）")
def my_recommendations(request: HttpRequest, query: Query[RecommendationsQuery]) -> dict[str, object]:
    """Open posts with places left, ranked for the signed-in young person; others get 403."""
    require_role(request, Role.YOUTH)
    person = person_of_user(request.user)
    if person is None:
        raise RuleError("youth.registry", _("请先完成见习人员登记。"))
    found = recommendations_for(person, today=timezone.localdate(), now=timezone.now(), limit=query.limit)
    items = [
        {"post_id": r.post.pk, "title": r.post.title, "score": r.score, "reasons": list(r.reasons),
         "eligible": r.eligible}
        for r in found.items
    ]  # fmt: skip
    return {"items": items}
