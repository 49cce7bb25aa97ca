"""Each source's adapter: what one row must hold, checked without a database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jianxi.core.errors import RuleError
from jianxi.core.imports import SheetRow
from jianxi.core.validators import resident_id_check_char
from jianxi.registry.adapters import ADAPTERS, Checked, Graduate, Hukou, Insurance, Unemployment, rows_from_json
from tests.factories import make_credit_code, make_id_number

TODAY = date(2024, 4, 10)
ID = make_id_number(1)
CODE = make_credit_code(7)


def check(adapter, **values):
    keys = adapter.keys()
    return adapter.check(SheetRow(number=2, values={keys[k]: v for k, v in values.items()}), TODAY)


def test_an_insurance_row_holds_the_id_the_employer_and_the_period():
    result = check(Insurance, id_number=ID, employer_code=CODE, start="2024-01-01", end=None)
    assert isinstance(result, Checked)
    assert result.fields == {"id_number": ID, "employer_code": CODE, "start": date(2024, 1, 1), "end": None}


def test_a_bad_id_number_checksum_is_a_row_error_naming_the_column():
    bad = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    result = check(Insurance, id_number=bad, employer_code=CODE, start="2024-01-01", end=None)
    assert [(e.row, e.column) for e in result] == [(2, "公民身份号码")]
    assert "校验码" in result[0].message


def test_every_error_of_a_row_is_listed_bad_credit_code_missing_start_end_before_start():
    result = check(Insurance, id_number=ID, employer_code="91110108000000001X", start=None, end="2024-01-01")
    assert [e.column for e in result] == ["单位统一社会信用代码", "参保开始日期"]
    result = check(Insurance, id_number=ID, employer_code=CODE, start="2024-02-01", end="2024-01-31")
    assert [e.column for e in result] == ["参保终止日期"]


def test_end_on_the_start_day_is_a_one_day_period():
    assert isinstance(check(Insurance, id_number=ID, employer_code=CODE, start="2024-02-01", end="2024-02-01"), Checked)


def test_graduate_and_hukou_rows():
    result = check(
        Graduate, id_number=ID, school="北京大学", education="本科", graduation_date="2023-07-01", beijing_origin="是"
    )
    assert result.fields["education"] == "bachelor" and result.fields["flag"] is True
    assert check(Hukou, id_number=ID, beijing_hukou=False).fields == {"id_number": ID, "flag": False}
    assert [e.column for e in check(Hukou, id_number=ID, beijing_hukou="也许")] == ["本市户籍"]


def test_a_batch_key_the_source_does_not_know_refuses_the_batch():
    with pytest.raises(RuleError) as err:
        rows_from_json(Unemployment, [{"id_number": ID, "start": "2024-01-01"}, {"id_number": ID, "employer": "x"}])
    assert err.value.code == "registry.columns" and err.value.field == "rows.1.employer"


def test_every_source_has_an_adapter():
    assert set(ADAPTERS) == {"insurance", "graduate", "hukou", "unemployment", "transfer"}


@given(
    body=st.integers(min_value=0, max_value=999),
    birth=st.dates(min_value=date(1960, 1, 1), max_value=date(2008, 12, 31)),
    wrong=st.sampled_from("0123456789X"),
)
def test_only_the_right_check_character_passes(body, birth, wrong):
    first17 = f"110108{birth:%Y%m%d}{body:03d}"
    right = resident_id_check_char(first17)
    ok = check(Hukou, id_number=first17 + right, beijing_hukou="是")
    assert isinstance(ok, Checked)
    result = check(Hukou, id_number=first17 + wrong, beijing_hukou="是")
    assert isinstance(result, Checked) == (wrong == right)
