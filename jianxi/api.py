"""The JSON API at /api/v1/ (django-ninja).

Deny by default: the API's default auth is token-or-session, so an operation is public only
when it says ``auth=None``. Every failure answers one shape, ``{"code", "message", "field"}``,
with a stable machine code and a Chinese message.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from jianxi.accounts.models import ApiToken
from jianxi.core.errors import RuleError

log = logging.getLogger(__name__)


def _token_user(request: HttpRequest, key: str | None) -> Any:
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    request.user = token.user
    return token.user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _token_user(request, token)


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _token_user(request, key)


api = NinjaAPI(
    title="见习 Jianxi API",
    version="1",
    description="就业见习管理服务接口。错误统一返回 {code, message, field}。",
    urls_namespace="api",
    auth=[BearerToken(), HeaderToken(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error(request: HttpRequest, status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "field": field}, status=status)


@api.exception_handler(RuleError)
def on_rule_error(request: HttpRequest, exc: RuleError) -> HttpResponse:
    return error(request, 400, exc.code, exc.message, exc.field)


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str | None:
    # ninja locations look like ("body", "payload", "start"); drop the transport parts.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "header", "cookie")]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = _field_of(first.get("loc", ()))
    kind = str(first.get("type", "invalid"))
    code, message = _describe(kind, field)
    return error(request, 400, code, message, field)


def _describe(kind: str, field: str | None) -> tuple[str, str]:
    """pydantic's error type → a stable code and a Chinese message naming the field."""
    if kind == "missing":
        return "invalid.missing", f"缺少必填字段：{field}"
    if kind.startswith("date"):
        return "invalid.date", f"日期格式不正确（应为 YYYY-MM-DD）：{field}"
    if kind.startswith("int"):
        return "invalid.integer", f"应为整数：{field}"
    if kind.startswith(("greater_than", "less_than")):
        return "invalid.range", f"数值超出允许范围：{field}"
    if kind.startswith(("json", "model_attributes", "dict", "model_type")):
        return "invalid.json", "请求内容不是有效的 JSON 对象"
    if kind in ("literal_error", "enum"):
        return "invalid.choice", f"取值不在允许范围内：{field}"
    if kind.startswith("bool"):
        return "invalid.boolean", f"应为 true 或 false：{field}"
    return f"invalid.{kind}", f"字段取值不正确：{field}"


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "auth.required", "需要登录或有效的接口令牌")


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return error(request, 429, "rate_limited", "请求过于频繁，请稍后再试")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, "forbidden", "无权执行此操作")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", "未找到该记录，或无权查看")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # ninja's only 400 of its own: a body it cannot parse
        return error(request, 400, "invalid.json", "请求内容不是有效的 JSON")
    return error(request, exc.status_code, f"http.{exc.status_code}", str(exc.message))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unhandled API error")
    return error(request, 500, "server_error", "服务器内部错误，请稍后重试")


def _register_routers() -> None:
    from jianxi.accounts.api import router as accounts_router
    from jianxi.hosts.api import router as hosts_router
    from jianxi.policy.api import router as policy_router
    from jianxi.posts.api import router as posts_router
    from jianxi.youth.api import router as youth_router

    api.add_router("/", accounts_router)
    api.add_router("/hosts", hosts_router)
    api.add_router("/persons", youth_router)
    api.add_router("/posts", posts_router)
    api.add_router("/", policy_router)


_register_routers()
