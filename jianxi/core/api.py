"""What every API operation shares: the error shape and its declaration, bounded ids and pages.

Every failure answers ``{"code", "message", "field"}``; the OpenAPI document declares it on every
operation (``ErrorDeclaringSchema``), so a client and a fuzzer read the same contract the server
keeps. Integers a client sends are bounded in their schemas: a value no database column can hold
is a 400 ``invalid.range``, never a database error.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from django.http import HttpResponse, JsonResponse
from ninja import Field, Path, Schema
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.pagination import PageNumberPagination
from pydantic import BeforeValidator, ConfigDict, Strict
from pydantic_core import PydanticCustomError

# BigAutoField's largest key: a larger id can name no row.
MAX_ID = 2**63 - 1
MAX_PAGE_SIZE = 100
# page × page_size stays far inside what OFFSET accepts on both databases.
MAX_PAGE = 1_000_000

Id = Annotated[int, Path(ge=1, le=MAX_ID, description=f"记录编号，1 至 {MAX_ID}")]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_string(value: object) -> object:
    # pydantic would also read 0 as 1970-01-01 and "2023-07-01T00:00:00" as a date: the document says
    # YYYY-MM-DD, so only that is a date.
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_type", "date must be a YYYY-MM-DD string")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_string), Strict(False)]


class StrictIn(Schema):
    """A JSON request body taken as declared: no "12" for 12, no "true" for true, no 0 for a date."""

    model_config = ConfigDict(strict=True)


class ErrorItem(Schema):
    """One refusal."""

    code: str = Field(description="稳定的机器代码：规则编号（R-IN-1…）、字段代码（id_number.checksum…）、invalid.* 等")
    message: str = Field(description="中文说明，指明字段和规则")
    field: str | None = Field(description="出错的输入（点号路径，如 ended_early.date）；与具体字段无关时为 null")


class ErrorOut(ErrorItem):
    """The one error shape: the first refusal, and all of them when several were found together."""

    errors: list[ErrorItem] | None = Field(
        default=None, description="同时发现的全部问题（多于一项时才有；第一项即 code/message/field）"
    )


ERROR_SCHEMA_NAME = "Error"

# Declared on every operation: what any request can meet, whatever the operation.
ERROR_RESPONSES: dict[int, str] = {
    400: "请求不符合规则或无法解析（code 为规则编号、字段代码或 invalid.*）",
    401: "需要登录或有效的接口令牌（auth.required）",
    403: "当前角色无权执行此操作（forbidden）",
    404: "记录不存在或不在权限范围内（not_found）",
    405: "此地址不接受该请求方法（method_not_allowed）",
    429: "请求过于频繁（rate_limited）",
}
# Declared on operations that read a request body.
BODY_ERROR_RESPONSES: dict[int, str] = {413: "请求内容过大（request.too_large）"}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
CONTENT_TYPE = "application/json; charset=utf-8"


def error_response(
    status: int, code: str, message: str, field: str | None = None, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    """The error shape, for operations' exception handlers and for what answers outside an operation."""
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    if errors and len(errors) > 1:
        body["errors"] = errors
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False}, content_type=CONTENT_TYPE)


class ErrorDeclaringSchema(OpenAPISchema):
    """ninja's OpenAPI document, with the error responses declared on every operation."""

    def responses(self, operation: Operation) -> dict[int, Any]:
        result: dict[int, Any] = super().responses(operation)
        if ERROR_SCHEMA_NAME not in self.schemas:
            self.add_schema_definitions(
                {ERROR_SCHEMA_NAME: ErrorOut.model_json_schema(ref_template=REF_TEMPLATE, mode="serialization")}
            )
        declared = dict(ERROR_RESPONSES)
        if BODY_METHODS & set(operation.methods):
            declared.update(BODY_ERROR_RESPONSES)
        content = {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=ERROR_SCHEMA_NAME)}}}
        for status, description in sorted(declared.items()):
            result.setdefault(status, {"description": description, "content": content})
        return result


class Pages(PageNumberPagination):
    """``?page=&page_size=``, both bounded: 20 a page by default, at most 100."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，1 至 {MAX_PAGE}")
        page_size: int | None = Field(
            None, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，默认 20，至多 {MAX_PAGE_SIZE}"
        )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=20, max_page_size=MAX_PAGE_SIZE, **kwargs)
