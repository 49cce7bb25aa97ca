from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.core.access import require_role
from jianxi.core.api import Id, Pages
from jianxi.hosts.models import Host, HostChange, HostChangeStatus, HostStatus

router = Router(tags=["hosts"])
READERS = (Role.DISTRICT, Role.DEPARTMENT, Role.CITY, Role.HOST)


class HostOut(Schema):
    id: int
    credit_code: str
    name: str
    host_type: str
    district: str
    district_name: str
    department: str | None
    status: str
    grassroots_base: bool
    created_at: datetime
    # The privileged fields whose change awaits the district's review (待审核); the values
    # above are the reviewed ones in force.
    pending_change: list[str]

    @staticmethod
    def resolve_district(obj: Host) -> str:
        return obj.district.code

    @staticmethod
    def resolve_district_name(obj: Host) -> str:
        return obj.district.name

    @staticmethod
    def resolve_department(obj: Host) -> str | None:
        return obj.department.code if obj.department else None

    @staticmethod
    def resolve_pending_change(obj: Host) -> list[str]:
        return [name for change in obj.pending_changes for name in change.after]  # type: ignore[attr-defined]


def _hosts() -> QuerySet[Host]:
    pending = HostChange.objects.filter(status=HostChangeStatus.PENDING)
    return (
        Host.objects.select_related("district", "department")
        .prefetch_related(Prefetch("changes", queryset=pending, to_attr="pending_changes"))
        .order_by("-created_at", "-id")
    )


@router.get("", response=list[HostOut], summary="见习单位列表（按权限范围）")
@paginate(Pages)
def host_list(request: HttpRequest, status: HostStatus | None = None) -> QuerySet[Host]:
    """District, department and city officers, and host staff (their own unit only)."""
    require_role(request, *READERS)
    hosts = scoped(request.user, _hosts())
    if status:
        hosts = hosts.filter(status=status)
    return hosts


@router.get("/{host_id}", response=HostOut, summary="见习单位详情")
def host_detail(request: HttpRequest, host_id: Id) -> Host:
    require_role(request, *READERS)
    return get_scoped(request.user, _hosts(), pk=host_id)
