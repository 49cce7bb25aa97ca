"""Who may be an intern (见习对象, R-EL-1..4) and who may draw the subsidy again (R-EL-6)."""

from __future__ import annotations

from datetime import date

from jianxi.core.errors import RuleError
from jianxi.core.i18n import gettext as _

from .dates import add_years, age_on
from .values import GROUPS, Eligibility, PersonFacts, Policy, Reason

_GROUP_RULE = {
    "college_graduate": "R-EL-1",
    "secondary_vocational_graduate": "R-EL-2",
    "technician_graduate": "R-EL-2",
    "unemployed_youth": "R-EL-3",
    "rural_labour": "R-EL-4",
}
GROUP_LABELS = {
    "college_graduate": "高校毕业生",
    "secondary_vocational_graduate": "中专毕业生",
    "technician_graduate": "技工院校毕业生",
    "unemployed_youth": "登记失业青年",
    "rural_labour": "农村转移就业劳动力",
}


def eligibility(*, facts: PersonFacts, on: date, policy: Policy) -> Eligibility:
    """Whether ``facts`` make an eligible intern on ``on`` (the agreement's start date).

    Every failed condition is named, not just the first, so a clerk can fix them all at once.
    """
    if facts.group not in GROUPS:
        raise RuleError("eligibility.group", _("未知的见习对象类别：%(group)s") % {"group": facts.group}, field="group")
    rule = _GROUP_RULE[facts.group]
    if rule in ("R-EL-1", "R-EL-2"):
        requires_origin = rule == "R-EL-1" or policy.vocational_requires_origin
        reasons = _graduate_reasons(rule, facts, on, policy, requires_origin=requires_origin)
    elif rule == "R-EL-3":
        reasons = _youth_reasons(rule, facts, on, policy)
        if not facts.registered_unemployed:
            reasons.append(Reason(f"{rule}.registered", _("未办理失业登记（%(rule)s）") % {"rule": rule}))
        reasons.extend(_employed_reasons(rule, facts))
    else:
        reasons = []
        if not facts.transfer_registered:
            reasons.append(Reason(f"{rule}.transfer", _("未办理转移就业登记（%(rule)s）") % {"rule": rule}))
        if policy.rural_requires_hukou_and_age:
            reasons.extend(_youth_reasons(rule, facts, on, policy))
        reasons.extend(_employed_reasons(rule, facts))
    return Eligibility(eligible=not reasons, rule=rule, reasons=tuple(reasons))


def _graduate_reasons(
    rule: str, facts: PersonFacts, on: date, policy: Policy, *, requires_origin: bool
) -> list[Reason]:
    label = GROUP_LABELS[facts.group]
    years = policy.graduation_window_years
    reasons: list[Reason] = []
    if requires_origin and not facts.beijing_origin:
        reasons.append(
            Reason(
                f"{rule}.origin", _("不是北京生源，%(label)s须为北京生源（%(rule)s）") % {"label": label, "rule": rule}
            )
        )
    graduated = facts.graduation_date
    if graduated is None:
        reasons.append(
            Reason(
                f"{rule}.graduation_date",
                _("未填写毕业日期，无法判断是否在毕业 %(years)s 年内（%(rule)s）") % {"years": years, "rule": rule},
            )
        )
    elif graduated > on:
        reasons.append(
            Reason(
                f"{rule}.graduation_date",
                _("毕业日期 %(graduated)s 晚于见习开始日 %(on)s，尚未毕业（%(rule)s）")
                % {"graduated": graduated, "on": on, "rule": rule},
            )
        )
    elif on > add_years(graduated, years):
        reasons.append(
            Reason(
                f"{rule}.graduation_window",
                _("毕业日期 %(graduated)s 距见习开始日 %(on)s 已超过 %(years)s 年（%(rule)s）")
                % {"graduated": graduated, "on": on, "years": years, "rule": rule},
            )
        )
    reasons.extend(_employed_reasons(rule, facts))
    return reasons


def _youth_reasons(rule: str, facts: PersonFacts, on: date, policy: Policy) -> list[Reason]:
    reasons: list[Reason] = []
    if not facts.beijing_hukou:
        reasons.append(Reason(f"{rule}.hukou", _("不是本市户籍（%(rule)s）") % {"rule": rule}))
    age = age_on(facts.birth_date, on)
    if not policy.youth_min_age <= age <= policy.youth_max_age:
        reasons.append(
            Reason(
                f"{rule}.age",
                _(
                    "出生日期 %(birth_date)s，见习开始日 %(on)s 时 %(age)s 周岁，"
                    "不在 %(youth_min_age)s 至 %(youth_max_age)s 周岁之间（%(rule)s）"
                )
                % {
                    "birth_date": facts.birth_date,
                    "on": on,
                    "age": age,
                    "youth_min_age": policy.youth_min_age,
                    "youth_max_age": policy.youth_max_age,
                    "rule": rule,
                },
            )
        )
    return reasons


def _employed_reasons(rule: str, facts: PersonFacts) -> list[Reason]:
    if facts.employed:
        return [Reason(f"{rule}.employed", _("已就业，见习对象须为未就业人员（%(rule)s）") % {"rule": rule})]
    return []


def subsidy_once_check(*, policy: Policy, subsidised_before: bool) -> None:
    """R-EL-6: under a once-in-a-lifetime policy a second internship is recorded but unpaid."""
    if policy.subsidy_once and subsidised_before:
        raise RuleError(
            "R-EL-6",
            _("该人员已享受过一次见习补贴，本次见习可以登记，但不再发放见习补贴（R-EL-6）"),
            field=None,
        )
