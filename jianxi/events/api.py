"""Matching events over the API: the public list, and a young person's sign-up."""

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jianxi.accounts.models import Role
from jianxi.core.access import acting_user, require_role
from jianxi.core.api import Id, IsoDate, Pages
from jianxi.core.errors import RuleError
from jianxi.events import selectors, services
from jianxi.events.models import Event, SignupStatus

router = Router(tags=["events"])


class EventOut(Schema):
    id: int
    kind: str
    kind_name: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_link: str
    district: str = Field(description="所在区的区划代码")
    district_name: str
    organiser: str
    capacity: int
    taken: int = Field(description="已报名（不含候补）人数")
    status: str
    post_ids: list[int] = Field(description="推介岗位编号")

    @staticmethod
    def resolve_kind_name(obj: Event) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_district(obj: Event) -> str:
        return obj.district.code

    @staticmethod
    def resolve_district_name(obj: Event) -> str:
        return obj.district.name

    @staticmethod
    def resolve_organiser(obj: Event) -> str:
        return obj.organiser_name

    @staticmethod
    def resolve_post_ids(obj: Event) -> list[int]:
        return [p.pk for p in obj.posts.all()]


class EventFilters(Schema):
    district: str = Field("", max_length=6, description="区划代码，如 110108")
    from_: IsoDate | None = Field(None, alias="from", description="开始日期（含），YYYY-MM-DD")
    to: IsoDate | None = Field(None, description="截止日期（含），YYYY-MM-DD")


class SignupOut(Schema):
    event_id: int
    status: str = Field(description="confirmed（已报名）或 waiting（名额已满，进入候补）")
    waiting: bool
    message: str


@router.get("", response=list[EventOut], auth=None, summary="就业见习专项对接活动列表（公开）")
@paginate(Pages)
def event_list(request: HttpRequest, filters: Query[EventFilters]) -> QuerySet[Event]:
    """Published events, soonest first, by district and the days they start (a fixed number of queries)."""
    if filters.from_ and filters.to and filters.to < filters.from_:
        raise RuleError("invalid.range", _("截止日期不能早于开始日期：to"), field="to")
    events = selectors.public_events(district=filters.district, start=filters.from_, end=filters.to)
    return events.prefetch_related("posts")


@router.post("/{event_id}/signup", response=SignupOut, summary="报名参加对接活动（见习人员）")
def event_signup(request: HttpRequest, event_id: Id) -> SignupOut:
    """A young person signs up. Refusals: ``event.closed`` (cancelled or over),
    ``event.already_signed_up``, ``youth.registry`` (not registered); a full event puts the
    person on the waiting list (``status: waiting``)."""
    require_role(request, Role.YOUTH)
    row = services.signup(actor=acting_user(request), event_id=event_id, now=timezone.now())
    waiting = row.status == SignupStatus.WAITING
    return SignupOut(
        event_id=event_id,
        status=row.status,
        waiting=waiting,
        message="名额已满，已进入候补名单" if waiting else "报名成功",
    )
