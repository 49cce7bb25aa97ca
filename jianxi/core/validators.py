"""Identity-number validators: resident ID (GB 11643-1999), credit code (GB 32100-2015), mobile.

The parsers are pure Python and raise :class:`~jianxi.core.errors.RuleError` with a stable
field-level code and a Simplified Chinese message; they work without Django settings. The
``validate_*`` wrappers at the bottom adapt them to Django's validator protocol.

Input policy, shared by all parsers: surrounding whitespace (``str.strip``, so the full-width
space U+3000 too) is removed; inside the value only ASCII characters are accepted, lower-case
letters are upper-cased. Full-width digits (``１``) and other Unicode digits are rejected, never
silently folded: ``str.isdigit`` / ``str.upper`` are deliberately not used on raw input.

Both check-character schemes detect every single-character substitution, which is what the
project's acceptance test relies on:

* GB 11643 uses ISO 7064 MOD 11-2. The weights are ``2**(17-i) mod 11`` (never 0 mod 11) and a
  digit change is a non-zero difference of at most 9 (10 for the check character X), so the
  weighted sum always moves modulo the prime 11.
* GB 32100 uses weights ``3**i mod 31`` (never 0 mod 31) over character values 0..30, so a
  substitution changes the sum by ``w * d`` with ``0 < |d| <= 30``, never a multiple of the
  prime 31.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from jianxi.core.errors import RuleError
from jianxi.core.i18n import gettext as _

__all__ = [
    "CREDIT_CODE_CHARSET",
    "ResidentId",
    "age_on",
    "credit_code_check_char",
    "mask_phone",
    "mask_resident_id",
    "parse_credit_code",
    "parse_mobile",
    "parse_resident_id",
    "resident_id_check_char",
    "validate_credit_code",
    "validate_mobile",
    "validate_resident_id",
]

_DIGITS = frozenset("0123456789")

# --------------------------------------------------------------------------------------------
# Resident identity number — GB 11643-1999 公民身份号码
# --------------------------------------------------------------------------------------------

_ID_STD = "GB 11643-1999"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_MAP = "10X98765432"  # indexed by (weighted sum mod 11)
_ID_MIN_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A resident identity number that passed every check of GB 11643-1999."""

    number: str  # 18 characters, check character upper-case
    region_code: str  # 地址码, positions 1-6 (not checked against the GB/T 2260 list)
    birth_date: date  # 出生日期码, positions 7-14
    sex: Literal["M", "F"]  # 顺序码 position 17: odd = male, even = female


def resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character (``0``-``9`` or ``X``) for 17 ASCII digits."""
    if len(first17) != 17 or not all(c in _DIGITS for c in first17):
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_MAP[total % 11]


def parse_resident_id(value: str, *, field: str = "id_number", today: date | None = None) -> ResidentId:
    """Validate and decompose an 18-character resident identity number.

    ``today`` bounds the birth date from above (default: ``date.today()``, the server's local
    date). Checks run in this order, the first failure wins: length, format, birth date,
    check character. Legacy 15-digit numbers are refused as a length error.
    """
    if not isinstance(value, str):
        raise RuleError(
            "id_number.format",
            _("身份证号格式不正确（%(standard)s）：应为文本。") % {"standard": _ID_STD},
            field,
        )
    s = value.strip()
    if len(s) != 18:
        raise RuleError(
            "id_number.length",
            _("身份证号应为18位（%(standard)s），当前为%(count)s位。") % {"standard": _ID_STD, "count": len(s)},
            field,
        )
    if not all(c in _DIGITS for c in s[:17]) or s[17] not in "0123456789Xx":
        raise RuleError(
            "id_number.format",
            _("身份证号格式不正确（%(standard)s）：前17位须为数字，第18位须为数字或字母X。") % {"standard": _ID_STD},
            field,
        )
    s = s.upper()  # ASCII only at this point: only the x can change

    try:
        birth = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise RuleError(
            "id_number.birth_date",
            _("身份证号中的出生日期（第7至14位）不是有效日期（%(standard)s）。") % {"standard": _ID_STD},
            field,
        ) from None
    if birth < _ID_MIN_BIRTH:
        raise RuleError(
            "id_number.birth_date",
            _("身份证号中的出生日期（第7至14位）早于1900年1月1日（%(standard)s）。") % {"standard": _ID_STD},
            field,
        )
    if birth > (today if today is not None else date.today()):
        raise RuleError(
            "id_number.birth_date",
            _("身份证号中的出生日期（第7至14位）晚于今天（%(standard)s）。") % {"standard": _ID_STD},
            field,
        )

    if resident_id_check_char(s[:17]) != s[17]:
        raise RuleError(
            "id_number.checksum",
            _("身份证号校验码（第18位）不匹配（%(standard)s），请核对号码。") % {"standard": _ID_STD},
            field,
        )
    return ResidentId(
        number=s,
        region_code=s[:6],
        birth_date=birth,
        sex="M" if int(s[16]) % 2 == 1 else "F",
    )


def age_on(birth_date: date, on: date) -> int:
    """Completed years (周岁) on ``on``.

    The age goes up on the birthday itself; someone born on 29 February gains a year on
    1 March in common years (on 28 February they have not yet completed it).
    """
    if on < birth_date:
        raise ValueError("'on' is before the birth date")
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def mask_resident_id(number: str) -> str:
    """Display form: region code and last 4 kept, birth date and sequence masked.

    ``"11010519491231002X"`` → ``"110105********002X"``. Anything that is not 18 characters
    after stripping is masked entirely, so a malformed value never leaks digits.
    """
    s = number.strip().upper()
    if len(s) != 18:
        return "*" * len(s)
    return s[:6] + "*" * 8 + s[14:]


# --------------------------------------------------------------------------------------------
# Unified social credit code — GB 32100-2015 法人和其他组织统一社会信用代码编码规则
# --------------------------------------------------------------------------------------------

_CC_STD = "GB 32100-2015"
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I O S V Z
_CC_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}
_CC_INPUT = frozenset(CREDIT_CODE_CHARSET + CREDIT_CODE_CHARSET.lower())
_CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters (upper-case charset only)."""
    if len(first17) != 17 or not all(c in _CC_VALUE for c in first17):
        raise ValueError(f"first17 must be 17 characters from {CREDIT_CODE_CHARSET!r}")
    total = sum(_CC_VALUE[c] * w for c, w in zip(first17, _CC_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def parse_credit_code(value: str, *, field: str = "credit_code") -> str:
    """Validate an 18-character unified social credit code and return it upper-cased.

    Only GB 32100's own rules are enforced: length, charset, check character. Deliberately
    *not* checked:

    * the registration-authority / organisation-type codes (positions 1-2): the standard's
      tables have been extended since 2015 and a stale whitelist would refuse real employers;
    * the region code (positions 3-8): same reason, GB/T 2260 changes every year;
    * the GB 11714 check of the embedded organisation code (positions 9-17): codes issued
      without a legacy organisation code do not always satisfy it, and GB 32100's own check
      character already covers all 17 positions.
    """
    if not isinstance(value, str):
        raise RuleError(
            "credit_code.charset",
            _("统一社会信用代码格式不正确（%(standard)s）：应为文本。") % {"standard": _CC_STD},
            field,
        )
    s = value.strip()
    if len(s) != 18:
        raise RuleError(
            "credit_code.length",
            _("统一社会信用代码应为18位（%(standard)s），当前为%(count)s位。") % {"standard": _CC_STD, "count": len(s)},
            field,
        )
    if not all(c in _CC_INPUT for c in s):
        raise RuleError(
            "credit_code.charset",
            _("统一社会信用代码含有不允许的字符（%(standard)s）：只能由数字和英文字母组成，且不使用字母I、O、S、V、Z。")
            % {"standard": _CC_STD},
            field,
        )
    s = s.upper()  # ASCII only at this point
    if credit_code_check_char(s[:17]) != s[17]:
        raise RuleError(
            "credit_code.checksum",
            _("统一社会信用代码校验码（第18位）不匹配（%(standard)s），请核对代码。") % {"standard": _CC_STD},
            field,
        )
    return s


# --------------------------------------------------------------------------------------------
# Mainland mobile number
# --------------------------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)


def parse_mobile(value: str, *, field: str = "phone") -> str:
    """A mainland China mobile number: 11 ASCII digits starting with 13-19.

    Only surrounding whitespace is tolerated; ``+86``, inner spaces or hyphens are refused
    rather than guessed at.
    """
    s = value.strip() if isinstance(value, str) else ""
    if not _MOBILE_RE.fullmatch(s):
        raise RuleError(
            "phone.format",
            _("手机号码格式不正确：应为以13至19开头的11位数字。"),
            field,
        )
    return s


def mask_phone(number: str) -> str:
    """``"13812345678"`` → ``"138****5678"``; anything not 11 characters is masked entirely."""
    s = number.strip()
    if len(s) != 11:
        return "*" * len(s)
    return s[:3] + "****" + s[7:]


# --------------------------------------------------------------------------------------------
# Django adapters (Django is imported lazily so the module works without settings)
# --------------------------------------------------------------------------------------------


def _as_validation_error(err: RuleError) -> Exception:
    from django.core.exceptions import ValidationError

    return ValidationError(err.message, code=err.code)


def validate_resident_id(value: str) -> None:
    """Django validator for a resident identity number (GB 11643-1999)."""
    try:
        parse_resident_id(value)
    except RuleError as err:
        raise _as_validation_error(err) from None


def validate_credit_code(value: str) -> None:
    """Django validator for a unified social credit code (GB 32100-2015)."""
    try:
        parse_credit_code(value)
    except RuleError as err:
        raise _as_validation_error(err) from None


def validate_mobile(value: str) -> None:
    """Django validator for a mainland mobile number."""
    try:
        parse_mobile(value)
    except RuleError as err:
        raise _as_validation_error(err) from None


# --- uploaded PDFs (a young person's résumé) -------------------------------------------------------

PDF_MAGIC = b"%PDF-"
RESUME_MAX_BYTES = 2 * 1024 * 1024


def check_pdf(upload: object, *, max_bytes: int = RESUME_MAX_BYTES, field: str = "file") -> None:
    """Refuse an upload that is not a PDF by its name and its first bytes, or is larger than ``max_bytes``."""
    name = str(getattr(upload, "name", "") or "")
    size = int(getattr(upload, "size", 0) or 0)
    if size > max_bytes:
        raise RuleError(
            "upload.size",
            _("文件超过 %(max_bytes)s MB，请压缩后再上传。") % {"max_bytes": max_bytes // (1024 * 1024)},
            field=field,
        )
    if size == 0:
        raise RuleError("upload.empty", _("文件是空的。"), field=field)
    seek, read = getattr(upload, "seek"), getattr(upload, "read")  # noqa: B009
    seek(0)
    head = read(len(PDF_MAGIC))
    seek(0)
    if not name.lower().endswith(".pdf") or head != PDF_MAGIC:
        raise RuleError("upload.type", _("只能上传 PDF 文件，且文件内容须为 PDF。"), field=field)


# --- insurance policy numbers (意外伤害保险保单号, R-IN-2) -------------------------------------------

# Insurers' policy numbers are letters and digits, sometimes grouped by - or /; never words, never
# a promise ("N/A - will buy later"). At least 6 characters, at least 4 of them digits.
POLICY_NUMBER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|[-/](?=[A-Za-z0-9])){5,49}")


def parse_policy_number(value: str, *, field: str = "insurance_policy") -> str:
    """The policy number, trimmed and upper-cased; refused unless it looks like an insurer's number."""
    text = value.strip().upper()
    if not text:
        raise RuleError(field, _("请填写意外伤害保险保单号。"), field=field)
    if not POLICY_NUMBER.fullmatch(text) or sum(c.isdigit() for c in text) < 4:
        raise RuleError(
            f"{field}.format",
            _(
                "保单号格式不正确：应为保险公司出具的保单号（字母和数字，可含 - 或 /，至少 6 位、含 4 位以上数字）；"
                "须先投保再签订协议。"
            ),
            field=field,
        )
    return text


def validate_policy_number(value: str) -> None:
    try:
        parse_policy_number(value)
    except RuleError as err:
        raise _as_validation_error(err) from err
