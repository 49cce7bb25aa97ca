"""R-EL-1..4 (who is a 见习对象) and R-EL-6 (subsidised once). Checked on 2023-03-15."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from jianxi.core.errors import RuleError
from jianxi.policy.engine import (
    BEIJING_2023,
    PersonFacts,
    Policy,
    eligibility,
    subsidy_once_check,
)

ON = date(2023, 3, 15)

GRADUATE = PersonFacts(
    birth_date=date(2000, 5, 1),
    group="college_graduate",
    beijing_origin=True,
    graduation_date=date(2022, 6, 30),
)
YOUTH = PersonFacts(
    birth_date=date(2003, 1, 1),
    group="unemployed_youth",
    beijing_hukou=True,
    registered_unemployed=True,
)
RURAL = PersonFacts(
    birth_date=date(2003, 1, 1),
    group="rural_labour",
    beijing_hukou=True,
    transfer_registered=True,
)


def codes(facts: PersonFacts, policy: Policy = BEIJING_2023) -> list[str]:
    return [reason.code for reason in eligibility(facts=facts, on=ON, policy=policy).reasons]


def test_R_EL_1_beijing_graduate_within_2_years_not_employed_is_eligible() -> None:
    result = eligibility(facts=GRADUATE, on=ON, policy=BEIJING_2023)
    assert result.eligible
    assert result.rule == "R-EL-1"
    assert result.reasons == ()


def test_R_EL_1_refused_when_not_beijing_origin() -> None:
    assert codes(replace(GRADUATE, beijing_origin=False)) == ["R-EL-1.origin"]


def test_R_EL_1_graduation_exactly_2_years_before_passes_a_day_more_fails() -> None:
    # 2021-03-15 + 2 years = 2023-03-15: still "within 2 years"; 2021-03-14 is one day over.
    assert codes(replace(GRADUATE, graduation_date=date(2021, 3, 15))) == []
    result = eligibility(facts=replace(GRADUATE, graduation_date=date(2021, 3, 14)), on=ON, policy=BEIJING_2023)
    assert not result.eligible
    assert [r.code for r in result.reasons] == ["R-EL-1.graduation_window"]
    assert "毕业日期 2021-03-14" in result.reasons[0].message
    assert "已超过 2 年" in result.reasons[0].message


def test_R_EL_1_refused_when_not_yet_graduated() -> None:
    result = eligibility(facts=replace(GRADUATE, graduation_date=date(2023, 6, 30)), on=ON, policy=BEIJING_2023)
    assert [r.code for r in result.reasons] == ["R-EL-1.graduation_date"]
    assert "2023-06-30" in result.reasons[0].message


def test_R_EL_1_refused_when_graduation_date_missing() -> None:
    assert codes(replace(GRADUATE, graduation_date=None)) == ["R-EL-1.graduation_date"]


def test_R_EL_1_refused_when_employed() -> None:
    assert codes(replace(GRADUATE, employed=True)) == ["R-EL-1.employed"]


def test_R_EL_1_names_every_failed_condition() -> None:
    facts = replace(GRADUATE, beijing_origin=False, graduation_date=date(2019, 6, 30), employed=True)
    assert codes(facts) == ["R-EL-1.origin", "R-EL-1.graduation_window", "R-EL-1.employed"]


def test_R_EL_2_vocational_graduate_needs_beijing_origin_by_default() -> None:
    vocational = replace(GRADUATE, group="secondary_vocational_graduate", beijing_origin=False)
    result = eligibility(facts=vocational, on=ON, policy=BEIJING_2023)
    assert result.rule == "R-EL-2"
    assert [r.code for r in result.reasons] == ["R-EL-2.origin"]
    assert "中专毕业生" in result.reasons[0].message


def test_R_EL_2_origin_switch_off_admits_non_beijing_technician_graduates() -> None:
    open_policy = replace(BEIJING_2023, vocational_requires_origin=False)
    technician = replace(GRADUATE, group="technician_graduate", beijing_origin=False)
    assert eligibility(facts=technician, on=ON, policy=open_policy).eligible


def test_R_EL_2_window_and_employment_still_bind() -> None:
    technician = replace(GRADUATE, group="technician_graduate", graduation_date=date(2020, 6, 30), employed=True)
    assert codes(technician) == ["R-EL-2.graduation_window", "R-EL-2.employed"]


def test_R_EL_3_registered_unemployed_beijing_youth_is_eligible() -> None:
    result = eligibility(facts=YOUTH, on=ON, policy=BEIJING_2023)
    assert result.eligible
    assert result.rule == "R-EL-3"


def test_R_EL_3_age_16_and_24_are_inside_the_range() -> None:
    assert codes(replace(YOUTH, birth_date=date(2007, 3, 15))) == []  # 16 today
    assert codes(replace(YOUTH, birth_date=date(1998, 3, 16))) == []  # 24, turns 25 tomorrow


def test_R_EL_3_refused_at_25_and_at_15_naming_the_age() -> None:
    result = eligibility(facts=replace(YOUTH, birth_date=date(1998, 3, 15)), on=ON, policy=BEIJING_2023)
    assert [r.code for r in result.reasons] == ["R-EL-3.age"]
    assert "25 周岁" in result.reasons[0].message
    assert "1998-03-15" in result.reasons[0].message
    assert codes(replace(YOUTH, birth_date=date(2007, 3, 16))) == ["R-EL-3.age"]


def test_R_EL_3_refused_without_beijing_hukou() -> None:
    assert codes(replace(YOUTH, beijing_hukou=False)) == ["R-EL-3.hukou"]


def test_R_EL_3_refused_when_not_registered_unemployed() -> None:
    assert codes(replace(YOUTH, registered_unemployed=False)) == ["R-EL-3.registered"]


def test_R_EL_3_refused_when_employed() -> None:
    assert codes(replace(YOUTH, employed=True)) == ["R-EL-3.employed"]


def test_R_EL_3_names_every_failed_condition() -> None:
    facts = PersonFacts(birth_date=date(1990, 1, 1), group="unemployed_youth", employed=True)
    assert codes(facts) == ["R-EL-3.hukou", "R-EL-3.age", "R-EL-3.registered", "R-EL-3.employed"]


def test_R_EL_4_transfer_registered_rural_youth_is_eligible() -> None:
    result = eligibility(facts=RURAL, on=ON, policy=BEIJING_2023)
    assert result.eligible
    assert result.rule == "R-EL-4"


def test_R_EL_4_refused_without_transfer_registration() -> None:
    assert codes(replace(RURAL, transfer_registered=False)) == ["R-EL-4.transfer"]


def test_R_EL_4_refused_when_employed() -> None:
    assert codes(replace(RURAL, employed=True)) == ["R-EL-4.employed"]


def test_R_EL_4_hukou_and_age_bind_by_default() -> None:
    older_outsider = replace(RURAL, beijing_hukou=False, birth_date=date(1983, 5, 1))
    assert codes(older_outsider) == ["R-EL-4.hukou", "R-EL-4.age"]


def test_R_EL_4_hukou_and_age_switch_off_admits_older_non_beijing_workers() -> None:
    open_policy = replace(BEIJING_2023, rural_requires_hukou_and_age=False)
    older_outsider = replace(RURAL, beijing_hukou=False, birth_date=date(1983, 5, 1))
    assert eligibility(facts=older_outsider, on=ON, policy=open_policy).eligible


def test_R_EL_unknown_group_is_refused() -> None:
    facts = replace(GRADUATE, group="retiree")  # type: ignore[arg-type]
    with pytest.raises(RuleError) as refused:
        eligibility(facts=facts, on=ON, policy=BEIJING_2023)
    assert refused.value.code == "eligibility.group"


def test_R_EL_6_second_internship_draws_no_subsidy() -> None:
    with pytest.raises(RuleError) as refused:
        subsidy_once_check(policy=BEIJING_2023, subsidised_before=True)
    assert refused.value.code == "R-EL-6"
    subsidy_once_check(policy=BEIJING_2023, subsidised_before=False)


def test_R_EL_6_once_is_a_policy_switch() -> None:
    subsidy_once_check(policy=replace(BEIJING_2023, subsidy_once=False), subsidised_before=True)
