"""Public policy endpoints: reference lists and the two quotes (补贴测算, 资格自测).

The quotes need no login and store nothing; they are throttled per client address.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.throttling import SimpleRateThrottle
from pydantic import ConfigDict

from jianxi.core.api import IsoDate, StrictIn
from jianxi.core.money import fmt
from jianxi.core.network import client_address
from jianxi.core.validators import parse_resident_id
from jianxi.policy import engine, services
from jianxi.policy.models import District

router = Router(tags=["policy"])


class ClientAddressThrottle(SimpleRateThrottle):
    """Requests per minute per client address, signed in or not (settings.QUOTE_RATE_PER_MINUTE)."""

    scope = "quote"

    def __init__(self) -> None:
        super().__init__(rate="1/m")

    def allow_request(self, request: HttpRequest) -> bool:
        # Read at request time so that an operator (or a test) can change the rate.
        self.rate = f"{settings.QUOTE_RATE_PER_MINUTE}/m"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_ident(self, request: HttpRequest) -> str | None:
        return client_address(request)  # X-Forwarded-For only from settings.TRUSTED_PROXIES

    def get_cache_key(self, request: HttpRequest) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


# --- reference data ------------------------------------------------------------------------------


class DistrictOut(Schema):
    code: str
    name: str


@router.get("/districts", response=list[DistrictOut], auth=None, summary="区划列表（公开）")
def district_list(request: HttpRequest) -> list[District]:
    return list(District.objects.all())


# --- subsidy quote -------------------------------------------------------------------------------


class ContractIn(StrictIn):
    start: IsoDate
    months: int = Field(ge=0, le=600)
    insured_months: list[str] = []
    employed_through: IsoDate | None = None
    signed: IsoDate | None = Field(
        default=None,
        description="劳动合同签订日期（R-SUB-5，政策实施期限按政策数据核对此日期；不填时以合同起始日期代替）",
    )


class EndedEarlyIn(StrictIn):
    last_day: IsoDate = Field(alias="date")
    reason: Literal["hired", "other"]
    contract: ContractIn | None = None


SUBSIDY_QUOTE_EXAMPLE: dict[str, Any] = {
    "district": "110108",
    "start": "2023-03-15",
    "end": "2023-09-14",
    "attendance": {"2023-03": 12},
    "as_of": "2023-10-10",
    "ended_early": {
        "date": "2023-07-31",
        "reason": "hired",
        "contract": {
            "start": "2023-08-01",
            "signed": "2023-07-28",
            "months": 12,
            "insured_months": ["2023-08", "2023-09"],
            "employed_through": "2023-09-30",
        },
    },
}


class SubsidyQuoteIn(StrictIn):
    model_config = ConfigDict(json_schema_extra={"examples": [SUBSIDY_QUOTE_EXAMPLE]})

    district: str = Field(description="区划代码 110101…110119，或 BDA（北京经济技术开发区）")
    start: IsoDate
    end: IsoDate
    attendance: dict[str, int] = Field(default_factory=dict, description="月份 → 实际出勤工作日；未列出的月份视为全勤")
    as_of: IsoDate | None = Field(default=None, description="测算日期，默认今天")
    ended_early: EndedEarlyIn | None = None


class MonthOut(Schema):
    month: str
    working_days: int
    scheduled_days: int
    attended_days: int
    rate: str
    city: str
    addons: str
    district: str
    amount: str
    rules: list[str]


class ReasonOut(Schema):
    code: str
    message: str


class RemainingPeriodOut(Schema):
    eligible: bool
    months: list[MonthOut]
    total: str
    reasons: list[ReasonOut]
    binding: str = Field(description="与政策实施期限比对的日期种类：signed、contract_start 或 early_end")
    binding_date: date | None


class SubsidyQuoteOut(Schema):
    months: list[MonthOut]
    internship_total: str
    remaining_period: RemainingPeriodOut | None
    total: str


def _month(line: engine.MonthLine) -> MonthOut:
    return MonthOut(
        month=line.month,
        working_days=line.working_days,
        scheduled_days=line.scheduled_days,
        attended_days=line.attended_days,
        rate=fmt(line.rate),
        city=fmt(line.city),
        addons=fmt(line.addons),
        district=fmt(line.district),
        amount=fmt(line.amount),
        rules=list(line.rules),
    )


def quote_out(quote: engine.Quote) -> SubsidyQuoteOut:
    rp = quote.remaining_period
    return SubsidyQuoteOut(
        months=[_month(m) for m in quote.months],
        internship_total=fmt(quote.internship_total),
        remaining_period=None
        if rp is None
        else RemainingPeriodOut(
            eligible=rp.eligible,
            months=[_month(m) for m in rp.months],
            total=fmt(rp.total),
            reasons=[ReasonOut(code=r.code, message=r.message) for r in rp.reasons],
            binding=rp.binding,
            binding_date=rp.binding_date,
        ),
        total=fmt(quote.total),
    )


@router.post(
    "/quotes/subsidy",
    response=SubsidyQuoteOut,
    auth=None,
    throttle=[ClientAddressThrottle()],
    summary="见习补贴测算（公开，不保存）",
)
def quote_subsidy(request: HttpRequest, payload: SubsidyQuoteIn) -> SubsidyQuoteOut:
    """R-SUB-1…5: the subsidy month by month, each figure with the rules that produced it."""
    ended = payload.ended_early
    ended_early = None
    if ended is not None:
        contract = ended.contract
        ended_early = engine.early_end(
            ended.last_day,
            ended.reason,
            contract_start=contract.start if contract else None,
            contract_months=contract.months if contract else None,
            insured_months=contract.insured_months if contract else (),
            employed_through=contract.employed_through if contract else None,
            contract_signed=contract.signed if contract else None,
        )
    quote = services.subsidy_quote(
        district_code=payload.district,
        start=payload.start,
        end=payload.end,
        attendance=payload.attendance,
        as_of=payload.as_of or timezone.localdate(),
        ended_early=ended_early,
    )
    return quote_out(quote)


# --- eligibility quote ---------------------------------------------------------------------------


class EligibilityIn(StrictIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id_number": "110108200105201238",
                    "group": "college_graduate",
                    "beijing_origin": True,
                    "graduation_date": "2023-07-01",
                    "on": "2024-03-01",
                }
            ]
        }
    )

    id_number: str = Field(description="公民身份号码（仅用于推算年龄，不保存）")
    group: Literal[
        "college_graduate", "secondary_vocational_graduate", "technician_graduate", "unemployed_youth", "rural_labour"
    ]
    beijing_origin: bool = False
    beijing_hukou: bool = False
    graduation_date: IsoDate | None = None
    employed: bool = False
    registered_unemployed: bool = False
    transfer_registered: bool = False
    on: IsoDate


class EligibilityOut(Schema):
    eligible: bool
    rule: str
    age: int
    reasons: list[ReasonOut]


@router.post(
    "/quotes/eligibility",
    response=EligibilityOut,
    auth=None,
    throttle=[ClientAddressThrottle()],
    summary="见习资格自测（公开，不保存）",
)
def quote_eligibility(request: HttpRequest, payload: EligibilityIn) -> EligibilityOut:
    """R-EL-1…4 on the date ``on``; age comes from the ID number."""
    rid = parse_resident_id(payload.id_number, today=timezone.localdate())
    facts = engine.PersonFacts(
        birth_date=rid.birth_date,
        group=payload.group,
        beijing_origin=payload.beijing_origin,
        beijing_hukou=payload.beijing_hukou,
        graduation_date=payload.graduation_date,
        employed=payload.employed,
        registered_unemployed=payload.registered_unemployed,
        transfer_registered=payload.transfer_registered,
    )
    result = services.eligibility_check(facts=facts, on=payload.on)
    return EligibilityOut(
        eligible=result.eligible,
        rule=result.rule,
        age=engine.age_on(rid.birth_date, payload.on),
        reasons=[ReasonOut(code=r.code, message=r.message) for r in result.reasons],
    )
