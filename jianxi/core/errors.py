"""The one error type that business rules raise.

Pure Python: the policy engine and validators import it without Django. Views turn it into
a form error (pages) or the API's common error shape ``{"code", "message", "field"}``.
"""

from __future__ import annotations


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
