"""The one error type that business rules raise.

Pure Python: the policy engine and validators import it without Django. Views turn it into
a form error (pages) or the API's common error shape ``{"code", "message", "field"}``.
"""

from __future__ import annotations

from collections.abc import Callable


class RuleError(Exception):
    """A refusal with a stable machine code, a Chinese message and the field it concerns.

    ``code`` is a rule id (``R-IN-1``, ``R-SUB-5.window``) or a field-level code
    (``id_number.checksum``); ``field`` names the input that broke it, when there is one.
    """

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class RuleErrors(RuleError):
    """Several refusals found together, so that a form shows them all in one round.

    It is a ``RuleError`` (the first refusal's code, message and field), so every caller that
    handles one refusal handles this too; pages show each on its field (``core.forms``), the API
    adds them all under ``errors``.
    """

    def __init__(self, errors: list[RuleError]) -> None:
        first = errors[0]
        super().__init__(first.code, first.message, first.field)
        self.errors = list(errors)


class Refusals:
    """Collects the refusals of independent checks; ``raise_any`` raises them together.

    refusals = Refusals()
    if not title:
        refusals.add("title", "请填写岗位名称。", field="title")
    refusals.check(parse_policy_number, policy)   # a check that raises RuleError
    refusals.raise_any()
    """

    def __init__(self) -> None:
        self.errors: list[RuleError] = []

    def add(self, code: str, message: str, field: str | None = None) -> None:
        self.errors.append(RuleError(code, message, field))

    def check(self, function: Callable[..., object], *args: object, **kwargs: object) -> None:
        try:
            function(*args, **kwargs)
        except RuleErrors as several:
            self.errors.extend(several.errors)
        except RuleError as refusal:
            self.errors.append(refusal)

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise RuleErrors(self.errors)


def refusals_of(err: RuleError) -> list[RuleError]:
    """The refusals one error carries: itself, or each of a ``RuleErrors``."""
    return list(err.errors) if isinstance(err, RuleErrors) else [err]
