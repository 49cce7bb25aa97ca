"""Validators: GB 11643-1999 resident ID, GB 32100-2015 credit code, mobile numbers.

Pure tests, no database and no Django settings:
``pytest -p no:django -p no:cacheprovider tests/core``.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jianxi.core.errors import RuleError
from jianxi.core.validators import (
    CREDIT_CODE_CHARSET,
    ResidentId,
    age_on,
    credit_code_check_char,
    mask_phone,
    mask_resident_id,
    parse_credit_code,
    parse_mobile,
    parse_resident_id,
    resident_id_check_char,
    validate_credit_code,
    validate_mobile,
    validate_resident_id,
)

# Modest and side-effect free: no .hypothesis/ example database written into the repo.
FAST = settings(max_examples=40, deadline=None, database=None)

ID_ALPHABET = "0123456789X"  # every character a resident ID may hold (X only in position 18)

# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, str, date, int]:
    """(number, region, birth date, sequence) for a valid GB 11643 number."""
    region = draw(st.integers(0, 999_999).map(lambda n: f"{n:06d}"))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)))
    seq = draw(st.integers(0, 999))
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17), region, birth, seq


credit_codes = st.text(alphabet=CREDIT_CODE_CHARSET, min_size=17, max_size=17).map(
    lambda first17: first17 + credit_code_check_char(first17)
)


def _code(fn: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(RuleError) as info:
        fn(*args, **kwargs)  # type: ignore[operator]
    return info.value.code


# --------------------------------------------------------------------------------------------
# Resident ID — known examples
# --------------------------------------------------------------------------------------------


def test_standard_example_passes() -> None:
    # GB 11643-1999's own example. Hand check, digits x weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
    # 1*7 + 1*9 + 0 + 1*5 + 0 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9 + 3*10 + 1*5 + 0 + 0
    # + 2*2 = 167; 167 mod 11 = 2; "10X98765432"[2] = "X".
    rid = parse_resident_id("11010519491231002X")
    assert rid == ResidentId(
        number="11010519491231002X",
        region_code="110105",
        birth_date=date(1949, 12, 31),
        sex="F",  # 17th digit 2 is even
    )
    assert resident_id_check_char("11010519491231002") == "X"


def test_lower_case_x_and_whitespace_are_normalised() -> None:
    assert parse_resident_id("  11010519491231002x\n").number == "11010519491231002X"
    assert parse_resident_id("\u300011010519491231002x\u3000").number == "11010519491231002X"


def test_male_example() -> None:
    # 11010519800101001?: 1*7+1*9+0+1*5+0+5*4+1*2+9*1+8*6+0+0+1*9+0+1*5+0+0+1*2 = 116;
    # 116 mod 11 = 6; "10X98765432"[6] = "6". 17th digit 1 is odd -> male.
    rid = parse_resident_id("110105198001010016")
    assert (rid.birth_date, rid.sex) == (date(1980, 1, 1), "M")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_number.length"),
        ("11010519491231002", "id_number.length"),  # 17
        ("11010519491231002XX", "id_number.length"),  # 19
        ("110105491231002", "id_number.length"),  # legacy 15-digit number
        ("1101051949123100XX", "id_number.format"),  # X before position 18
        ("11010519491231002Y", "id_number.format"),
        ("１１0105194912310024", "id_number.format"),  # full-width digits are not folded
        ("١1010519491231002X", "id_number.format"),  # Arabic-Indic digit passes isdigit()
        ("11010519490230002X", "id_number.birth_date"),  # 30 February
        ("11010519491301002X", "id_number.birth_date"),  # month 13
        ("11010519490100002X", "id_number.birth_date"),  # day 0
        ("11010520010229002X", "id_number.birth_date"),  # 2001 is not a leap year
        ("11010518991231002X", "id_number.birth_date"),  # before 1900-01-01
        ("110105194912310021", "id_number.checksum"),
        ("110105194912310020", "id_number.checksum"),
    ],
)
def test_rejections(value: str, code: str) -> None:
    assert _code(parse_resident_id, value) == code


def test_boundary_birth_dates() -> None:
    first17 = "11010519000101001"
    assert parse_resident_id(first17 + resident_id_check_char(first17)).birth_date == date(1900, 1, 1)
    leap = "11010520000229001"
    assert parse_resident_id(leap + resident_id_check_char(leap)).birth_date == date(2000, 2, 29)


def test_future_birth_date_relative_to_today() -> None:
    first17 = "11010520240615001"
    number = first17 + resident_id_check_char(first17)
    assert parse_resident_id(number, today=date(2024, 6, 15)).birth_date == date(2024, 6, 15)
    assert _code(parse_resident_id, number, today=date(2024, 6, 14)) == "id_number.birth_date"
    future = date.today() + timedelta(days=1)
    first17 = f"110105{future:%Y%m%d}001"
    assert _code(parse_resident_id, first17 + resident_id_check_char(first17)) == ("id_number.birth_date")


def test_messages_are_chinese_name_field_and_standard() -> None:
    for value in ["123", "1101051949123100XX", "11010519490230002X", "110105194912310021"]:
        with pytest.raises(RuleError) as info:
            parse_resident_id(value, field="trainee_id")
        err = info.value
        assert err.field == "trainee_id"
        assert "身份证号" in err.message and "GB 11643-1999" in err.message
    with pytest.raises(RuleError) as info:
        parse_resident_id("110105194912310021")
    assert info.value.field == "id_number"
    assert "不匹配" in info.value.message
    assert "X" not in info.value.message  # the expected check character is not revealed


def test_check_char_rejects_bad_input() -> None:
    for bad in ["", "1101051949123100", "110105194912310021", "1101051949123100X"]:
        with pytest.raises(ValueError):
            resident_id_check_char(bad)


# --------------------------------------------------------------------------------------------
# Resident ID — properties
# --------------------------------------------------------------------------------------------


@FAST
@given(resident_ids())
def test_generated_ids_round_trip(drawn: tuple[str, str, date, int]) -> None:
    number, region, birth, seq = drawn
    rid = parse_resident_id(number)
    assert rid.number == number
    assert rid.region_code == region
    assert rid.birth_date == birth
    assert rid.sex == ("M" if seq % 2 else "F")
    assert parse_resident_id(f" {number.lower()} ") == rid


@FAST
@given(resident_ids())
def test_every_single_character_corruption_of_an_id_is_rejected(
    drawn: tuple[str, str, date, int],
) -> None:
    number = drawn[0]
    tried = 0
    for pos in range(18):
        for ch in ID_ALPHABET:
            if ch == number[pos]:
                continue
            corrupted = number[:pos] + ch + number[pos + 1 :]
            code = _code(parse_resident_id, corrupted)
            if ch == "X" and pos < 17:
                assert code == "id_number.format"
            elif 6 <= pos < 14:  # birth-date digits: an impossible date is a rejection too
                assert code in {"id_number.birth_date", "id_number.checksum"}
            else:
                assert code == "id_number.checksum"
            tried += 1
    assert tried == 18 * 10  # the whole corruption space was walked


@FAST
@given(resident_ids())
def test_mask_never_reveals_birth_date(drawn: tuple[str, str, date, int]) -> None:
    number, region, birth, _ = drawn
    masked = mask_resident_id(number)
    assert len(masked) == 18
    assert masked == region + "*" * 8 + number[14:]
    assert f"{birth:%Y%m%d}" not in masked
    assert mask_resident_id(number.lower()) == masked


def test_mask_examples() -> None:
    assert mask_resident_id("11010519491231002x") == "110105********002X"
    assert mask_resident_id(" 110105198001010016 ") == "110105********0016"
    # Malformed input is masked entirely rather than partially leaked.
    assert mask_resident_id("110105491231002") == "*" * 15
    assert mask_resident_id("") == ""


# --------------------------------------------------------------------------------------------
# age_on
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 6, 15), date(2000, 6, 15), 0),
        (date(2000, 6, 15), date(2018, 6, 14), 17),  # the day before the 18th birthday
        (date(2000, 6, 15), date(2018, 6, 15), 18),  # on the birthday
        (date(2000, 6, 15), date(2018, 6, 16), 18),
        (date(2000, 12, 31), date(2001, 1, 1), 0),
        (date(2004, 2, 29), date(2020, 2, 28), 15),
        (date(2004, 2, 29), date(2020, 2, 29), 16),  # leap-year birthday
        (date(2004, 2, 29), date(2021, 2, 28), 16),  # common year: not yet completed
        (date(2004, 2, 29), date(2021, 3, 1), 17),
        (date(2004, 2, 29), date(2022, 3, 1), 18),
        (date(2003, 3, 1), date(2004, 2, 29), 0),
        (date(2003, 3, 1), date(2004, 3, 1), 1),
    ],
)
def test_age_on_edges(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


def test_age_on_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


def _anniversary(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year counts from 1 March
        return date(born.year + years, 3, 1)


@FAST
@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(0, 40_000),
)
def test_age_on_counts_anniversaries(born: date, days: int) -> None:
    on = born + timedelta(days=days)
    age = age_on(born, on)
    assert _anniversary(born, age) <= on < _anniversary(born, age + 1)


# --------------------------------------------------------------------------------------------
# Unified social credit code
# --------------------------------------------------------------------------------------------


def test_credit_code_known_examples() -> None:
    # 91350100M000100Y43, the usual published example. Values (M=21, Y=30) x weights
    # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9 + 3 + 27 + 135 + 0 + 26 + 0 + 0 + 420 + 0 + 0 + 0 + 8 + 0 + 0 + 900 + 112 = 1640;
    # 1640 mod 31 = 28; (31 - 28) mod 31 = 3 -> "3".
    assert parse_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    # 91110000100000000?: 9*1 + 1*3 + 1*9 + 1*27 + 1*20 = 68; 68 mod 31 = 6; 31 - 6 = 25 -> "R".
    assert credit_code_check_char("91110000100000000") == "R"
    assert parse_credit_code(" 91110000100000000r\t") == "91110000100000000R"
    assert parse_credit_code("91350100m000100y43") == "91350100M000100Y43"


def test_charset_is_the_standards() -> None:
    assert len(CREDIT_CODE_CHARSET) == len(set(CREDIT_CODE_CHARSET)) == 31
    assert not set("IOSVZ") & set(CREDIT_CODE_CHARSET)
    # The weights are 3**i mod 31, which is what makes single substitutions detectable.
    zeros = "0" * 17
    for i in range(17):
        probe = zeros[:i] + "1" + zeros[i + 1 :]
        expected = CREDIT_CODE_CHARSET[(31 - pow(3, i, 31)) % 31]
        assert credit_code_check_char(probe) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "credit_code.length"),
        ("91350100M000100Y4", "credit_code.length"),
        ("91350100M000100Y433", "credit_code.length"),
        ("91350100I000100Y43", "credit_code.charset"),
        ("91350100O000100Y43", "credit_code.charset"),
        ("91350100S000100Y43", "credit_code.charset"),
        ("91350100V000100Y43", "credit_code.charset"),
        ("91350100z000100Y43", "credit_code.charset"),
        ("91350100-000100Y43", "credit_code.charset"),
        ("９1350100M000100Y43", "credit_code.charset"),  # full-width digit
        ("91350100M000100Y44", "credit_code.checksum"),
        ("91350100M000100Y4R", "credit_code.checksum"),
    ],
)
def test_credit_code_rejections(value: str, code: str) -> None:
    assert _code(parse_credit_code, value) == code


def test_credit_code_messages() -> None:
    for value in ["123", "91350100I000100Y43", "91350100M000100Y44"]:
        with pytest.raises(RuleError) as info:
            parse_credit_code(value, field="employer_code")
        assert info.value.field == "employer_code"
        assert "统一社会信用代码" in info.value.message
        assert "GB 32100-2015" in info.value.message
    with pytest.raises(ValueError):
        credit_code_check_char("91350100I000100Y4")


@FAST
@given(credit_codes)
def test_generated_credit_codes_pass(code: str) -> None:
    assert parse_credit_code(code) == code
    assert parse_credit_code(code.lower()) == code


@FAST
@given(credit_codes)
def test_every_single_character_corruption_of_a_credit_code_is_rejected(code: str) -> None:
    tried = 0
    for pos in range(18):
        for ch in CREDIT_CODE_CHARSET:
            if ch == code[pos]:
                continue
            corrupted = code[:pos] + ch + code[pos + 1 :]
            assert _code(parse_credit_code, corrupted) == "credit_code.checksum"
            tried += 1
        for ch in "IOSVZiosvz":
            corrupted = code[:pos] + ch + code[pos + 1 :]
            assert _code(parse_credit_code, corrupted) == "credit_code.charset"
    assert tried == 18 * 30  # the whole corruption space was walked


# --------------------------------------------------------------------------------------------
# Why the corruption properties hold for *every* value, not just the drawn ones
# --------------------------------------------------------------------------------------------


def test_single_substitutions_are_always_detectable() -> None:
    # GB 11643: weights 2**(17-i) mod 11 as listed in the standard; a substitution changes the
    # weighted sum by w*(a-b) with 0 < |a-b| <= 9, never 0 mod 11 (11 is prime, w != 0).
    id_weights = [pow(2, 17 - i, 11) for i in range(17)]
    assert id_weights == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for w in id_weights:
        for a in range(10):
            for b in range(10):
                assert a == b or (w * (a - b)) % 11 != 0
    # ...and the check character is a bijection of the residue, so only one value fits.
    assert len(set("10X98765432")) == 11
    # GB 32100: weights 3**i mod 31; character values 0..30; 31 is prime.
    cc_weights = [pow(3, i, 31) for i in range(17)]
    assert cc_weights == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    for w in cc_weights:
        for a in range(31):
            for b in range(31):
                assert a == b or (w * (a - b)) % 31 != 0


# --------------------------------------------------------------------------------------------
# Mobile numbers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["13812345678", "19912345678", "15000000000", " 17712345678 "])
def test_mobile_valid(value: str) -> None:
    assert parse_mobile(value) == value.strip()


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12812345678",  # 12x is not a mobile prefix
        "10012345678",
        "23812345678",
        "1381234567",
        "138123456789",
        "+8613812345678",
        "138 1234 5678",
        "138-1234-5678",
        "１3812345678",  # full-width digit
    ],
)
def test_mobile_invalid(value: str) -> None:
    with pytest.raises(RuleError) as info:
        parse_mobile(value, field="contact_phone")
    assert info.value.code == "phone.format"
    assert info.value.field == "contact_phone"
    assert "手机号码" in info.value.message


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(" 13812345678 ") == "138****5678"
    assert mask_phone("1381234") == "*******"


# --------------------------------------------------------------------------------------------
# Django adapters (ValidationError needs no settings)
# --------------------------------------------------------------------------------------------


def test_django_wrappers() -> None:
    from django.core.exceptions import ValidationError

    validate_resident_id("11010519491231002X")
    validate_credit_code("91350100M000100Y43")
    validate_mobile("13812345678")
    cases = [
        (validate_resident_id, "110105194912310021", "id_number.checksum"),
        (validate_resident_id, "1101", "id_number.length"),
        (validate_credit_code, "91350100M000100Y44", "credit_code.checksum"),
        (validate_credit_code, "91350100I000100Y43", "credit_code.charset"),
        (validate_mobile, "12812345678", "phone.format"),
    ]
    for validator, value, code in cases:
        with pytest.raises(ValidationError) as info:
            validator(value)
        assert info.value.code == code
        assert info.value.messages and info.value.messages[0]
