"""Registry extracts for systems: ``POST /registry/{source}`` (a batch, idempotent by its id),
``GET /registry/loads/{id}`` (a load with its rejected rows) and
``GET /registry/persons/{id}/eligibility`` (eligibility with each fact's verdict, R-EL-7)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from jianxi.accounts.models import OFFICER_ROLES, Role
from jianxi.accounts.scoping import get_scoped
from jianxi.core.access import acting_user, require_role
from jianxi.core.api import ErrorOut, Id, StrictIn, error_response
from jianxi.core.errors import RuleError
from jianxi.core.imports import MAX_ROWS
from jianxi.registry import services
from jianxi.registry.adapters import adapter_for, rows_from_json
from jianxi.registry.models import Channel, Load, LoadStatus
from jianxi.registry.verdicts import person_verdicts
from jianxi.youth.models import Person
from jianxi.youth.selectors import person_eligibility

router = Router(tags=["registry"])

SourceName = Literal["insurance", "graduate", "hukou", "unemployment", "transfer"]
Cell = str | int | bool | None
ERRORS_IN_MESSAGE = 5


class BatchIn(StrictIn):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "batch_id": "SI-110108-2024-03-001",
                    "rows": [
                        {
                            "id_number": "110108200105201238",
                            "employer_code": "91110108MA0123456G",
                            "start": "2024-01-01",
                            "end": None,
                        }
                    ],
                }
            ]
        },
    )

    batch_id: str = Field(
        min_length=1, max_length=services.MAX_BATCH_ID, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="批次号：同一批次号再次提交返回首次载入的结果，不重复载入",
    )  # fmt: skip
    rows: list[dict[str, Cell]] = Field(min_length=1, max_length=MAX_ROWS, description="记录，字段见 docs/api.md")


class RejectedRow(Schema):
    row: int
    column: str
    message: str


class LoadOut(Schema):
    load: int
    source: str
    batch_id: str
    status: str
    rows: int
    accepted: int
    rejected: list[RejectedRow]
    changed_verdicts: int
    loaded_at: datetime
    replayed: bool = False


def _out(load: Load, *, replayed: bool = False) -> LoadOut:
    return LoadOut(
        load=load.pk,
        source=load.source,
        batch_id=load.batch_id,
        status=load.status,
        rows=load.rows,
        accepted=load.accepted,
        rejected=[RejectedRow(row=r, column=c, message=m) for r, c, m in load.rejected],
        changed_verdicts=load.changed_verdicts,
        loaded_at=load.loaded_at,
        replayed=replayed,
    )


@router.post(
    "/{source}",
    response={200: LoadOut, 409: ErrorOut},
    summary="载入比对数据批次（区人社局、市人社局；按批次号幂等）",
)
def load_batch(request: HttpRequest, source: SourceName, payload: BatchIn) -> Any:
    """One batch, loaded whole or refused whole (400 ``registry.rejected``, every row error kept on
    the load ``GET /registry/loads/{id}``). The same batch id again answers the first load
    (``replayed``); the same id with other rows is 409 ``registry.batch_conflict``."""
    require_role(request, Role.DISTRICT, Role.CITY)
    adapter = adapter_for(source)
    try:
        rows = rows_from_json(adapter, payload.rows)
    except RuleError as err:  # a key the source does not have: refused whole, and recorded
        services.refuse_whole(
            actor=acting_user(request),
            adapter=adapter,
            channel=Channel.API,
            rows=len(payload.rows),
            message=err.message,
            batch_id=payload.batch_id,
        )
        raise
    try:
        outcome = services.load_extract(
            actor=acting_user(request), adapter=adapter, rows=rows, channel=Channel.API, batch_id=payload.batch_id
        )
    except RuleError as err:
        if err.code == "registry.batch_conflict":
            return error_response(409, err.code, err.message, err.field)
        raise
    load = outcome.load
    if load.status == LoadStatus.REFUSED:
        return _refused(load, adapter.keys())
    return _out(load, replayed=outcome.replayed)


def _refused(load: Load, keys: dict[str, str]) -> HttpResponse:
    by_header = {header: key for key, header in keys.items()}
    shown = "；".join(f"第 {r} 条 {c}：{m}" for r, c, m in load.rejected[:ERRORS_IN_MESSAGE])
    more = f"（共 {len(load.rejected)} 处）" if len(load.rejected) > ERRORS_IN_MESSAGE else ""
    row, column, _ = load.rejected[0]
    message = f"比对数据有误，整批未载入（LD-{load.pk}）：{shown}{more}"
    return error_response(400, "registry.rejected", message, f"rows.{row - 1}.{by_header.get(column, column)}")


@router.get("/loads/{load_id}", response=LoadOut, summary="比对数据载入记录（含拒收的行）")
def load_detail(request: HttpRequest, load_id: Id) -> LoadOut:
    require_role(request, Role.DISTRICT, Role.CITY)
    return _out(get_scoped(request.user, Load.objects.all(), pk=load_id))


class ReasonOut(Schema):
    code: str
    message: str


class FactOut(Schema):
    fact: str
    label: str
    relied: bool
    verdict: Literal["verified", "contradicted", "declared"]
    declared: str
    found: str
    source: str
    load: int | None
    loaded_on: date | None


class PersonEligibilityOut(Schema):
    eligible: bool
    rule: str
    on: date
    reasons: list[ReasonOut]
    facts: list[FactOut]


@router.get(
    "/persons/{person_id}/eligibility",
    response=PersonEligibilityOut,
    summary="见习人员资格及各事项核验结论（R-EL-1…4、R-EL-7）",
)
def person_eligibility_out(request: HttpRequest, person_id: Id) -> PersonEligibilityOut:
    require_role(request, *OFFICER_ROLES)
    person = get_scoped(request.user, Person.objects.select_related("district"), pk=person_id)
    today = timezone.localdate()
    result = person_eligibility(person, today)
    verdicts = person_verdicts(person, today)
    return PersonEligibilityOut(
        eligible=result.eligible,
        rule=result.rule,
        on=today,
        reasons=[ReasonOut(code=r.code, message=r.message) for r in result.reasons],
        facts=[
            FactOut(
                fact=v.fact,
                label=v.label,
                relied=v.relied,
                verdict=v.verdict,  # type: ignore[arg-type]
                declared=v.declared,
                found=v.found,
                source=v.source,
                load=v.load_id,
                loaded_on=v.loaded_on,
            )
            for v in verdicts
        ],
    )
