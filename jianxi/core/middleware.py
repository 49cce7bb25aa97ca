"""One guard for every request's input, before any view sees it (issue #11: no input reaches a 500).

PostgreSQL refuses a NUL character in text, so a NUL anywhere in a query string, a path or a
form field used to surface as a server error deep inside a query. Other control characters are
never part of what a person types into Jianxi either. Rather than patching views one by one, this
middleware refuses such a request as a whole, with 400 and a message naming the field: the API
in its ``{code, message, field}`` shape, pages with the 400 page. It also bounds the length of
query parameters, the only input no form declares a length for.

What it lets through: tabs and line breaks in form fields (a description has paragraphs); file
uploads (their contents are the import readers' business); JSON bodies other than a NUL escape
(``\\u0000``), which pydantic would otherwise hand to the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
MAX_QUERY_VALUE = 1000  # characters in one query-string value (a search, an id, a code)
MAX_QUERY_PARAMS = 50

# C0 controls and DEL; form fields may hold tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_JSON_NUL = re.compile(rb"\\u0000", re.IGNORECASE)


class InputRefused(Exception):
    def __init__(self, code: str, message: str, field: str | None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def _check_text(items: Iterable[tuple[str, str]], pattern: re.Pattern[str], *, bounded: bool) -> None:
    for key, value in items:
        if pattern.search(key) or pattern.search(value):
            raise InputRefused(
                "invalid.control_character",
                _("“%(field)s”含有不允许的控制字符（如空字符），请删除后重新提交。") % {"field": key[:50]},
                key[:50],
            )
        if bounded and len(value) > MAX_QUERY_VALUE:
            raise InputRefused(
                "invalid.too_long",
                _("“%(field)s”过长（最多 %(limit)d 个字符）。") % {"field": key[:50], "limit": MAX_QUERY_VALUE},
                key[:50],
            )


def check_request(request: HttpRequest) -> None:
    """Raise ``InputRefused`` for a request whose path, query or form fields cannot be taken in."""
    if _CONTROL.search(request.path_info):
        raise InputRefused("invalid.control_character", _("网址中含有不允许的控制字符。"), "path")
    query = list(request.GET.lists())
    if len(query) > MAX_QUERY_PARAMS:
        raise InputRefused("invalid.too_many_parameters", _("查询参数过多。"), None)
    _check_text(((key, value) for key, values in query for value in values), _CONTROL, bounded=True)
    if request.method in ("POST", "PUT", "PATCH"):
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            _check_text(
                ((key, value) for key, values in request.POST.lists() for value in values),
                _CONTROL_IN_TEXT,
                bounded=False,
            )
        elif content_type == "application/json" and _JSON_NUL.search(request.body):
            raise InputRefused("invalid.control_character", _("请求内容含有空字符（\\u0000）。"), None)


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except InputRefused as refused:
            return self.refuse(request, refused)
        except MultiPartParserError:
            # A body that is not the multipart it claims to be: the client's fault, not ours.
            return self.refuse(request, InputRefused("invalid.body", _("请求内容格式不正确。"), None))
        except RequestDataTooBig:
            too_large = InputRefused("request.too_large", _("提交的内容过大。"), None)
            return self.refuse(request, too_large, status=413)
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, refused: InputRefused, status: int = 400) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            body = {"code": refused.code, "message": refused.message, "field": refused.field}
            return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        html = render_to_string("400.html", {"message": refused.message}, request=request)
        return HttpResponse(html, status=status)
