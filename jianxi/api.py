"""The JSON API at /api/v1/ (django-ninja).

Deny by default: the API's default auth is token-or-session, so an operation is public only
when it says ``auth=None``. Every failure answers one shape, ``{"code", "message", "field"}``,
with a stable machine code and a Chinese message.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import SessionAuth

from jianxi.accounts.api_auth import BearerToken, HeaderToken
from jianxi.core.api import ErrorDeclaringSchema, error_response
from jianxi.core.errors import RuleError, refusals_of

log = logging.getLogger(__name__)


def _json_method_not_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    """ninja answers a method a path does not serve with a plain-text 405; answer the error shape."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        refused = error_response(405, "method_not_allowed", f"此地址不接受该请求方法，可用的方法：{allowed}")
        refused["Allow"] = allowed
        return refused

    return wrapper


@csrf_exempt
def _unknown_path(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return error_response(404, "not_found", "没有这个接口地址")


class JianxiAPI(NinjaAPI):
    """NinjaAPI whose document declares the error responses and whose URLs never answer outside the shape."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ErrorDeclaringSchema(api=self, path_prefix=path_prefix)

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        wrapped: list[URLResolver | URLPattern] = [
            URLPattern(p.pattern, _json_method_not_allowed(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern)
            else p
            for p in patterns
        ]
        # Last: any other path under the API's prefix is a 404 in the error shape, not Django's page.
        wrapped.append(re_path(r"", _unknown_path, name="unknown"))
        return wrapped, app_name, namespace


api = JianxiAPI(
    title="见习 Jianxi API",
    version="1",
    description="就业见习管理服务接口。错误统一返回 {code, message, field}。",
    urls_namespace="api",
    auth=[BearerToken(), HeaderToken(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error(request: HttpRequest, status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    return error_response(status, code, message, field)


@api.exception_handler(RuleError)
def on_rule_error(request: HttpRequest, exc: RuleError) -> HttpResponse:
    # Several refusals found together (core.errors.RuleErrors) travel together under ``errors``.
    every = [e.as_dict() for e in refusals_of(exc)]
    return error_response(400, exc.code, exc.message, exc.field, every)


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str | None:
    # ninja locations look like ("body", "payload", "start"); drop the transport parts.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "header", "cookie")]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = _field_of(first.get("loc", ()))
    kind = str(first.get("type", "invalid"))
    code, message = _describe(kind, field or "请求内容")
    return error(request, 400, code, message, field)


def _describe(kind: str, field: str) -> tuple[str, str]:
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
    response = error(request, 429, "rate_limited", "请求过于频繁，请稍后再试")
    if exc.wait is not None:
        response["Retry-After"] = str(max(1, round(exc.wait)))
    return response


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, "forbidden", "无权执行此操作")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", "未找到该记录，或无权查看")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own HttpErrors: 400 for a body it cannot parse, 403 for a session request failing CSRF.
    if exc.status_code == 400:
        return error(request, 400, "invalid.json", "请求内容不是有效的 JSON")
    if exc.status_code == 403:
        return error(request, 403, "forbidden.csrf", "CSRF 校验失败，请刷新页面后重试")
    return error(request, exc.status_code, f"http.{exc.status_code}", "请求未能处理")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error(request, 413, "request.too_large", "请求内容过大")


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Django's own refusals of a request's form (too many fields, a malformed multipart body …).
    return error(request, 400, "invalid.request", "请求格式不正确")


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unhandled API error")
    return error(request, 500, "server_error", "服务器内部错误，请稍后重试")


# --- Django's error handlers (jianxi/urls.py): the shape under /api/, Django's pages elsewhere -------
# They answer what fails before a request reaches an operation: a middleware's refusal (a bad Host
# header, a body over DATA_UPLOAD_MAX_MEMORY_SIZE read by a middleware) or a path outside /api/v1/.

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return error_response(413, "request.too_large", "请求内容过大")
    return error_response(400, "invalid.request", "请求格式不正确")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return error_response(403, "forbidden", "无权执行此操作")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, "not_found", "没有这个接口地址")


def server_error(request: HttpRequest) -> HttpResponse:
    if not _is_api(request):
        return defaults.server_error(request)
    return error_response(500, "server_error", "服务器内部错误，请稍后重试")


def _register_routers() -> None:
    from jianxi.accounts.api import router as accounts_router
    from jianxi.demonstration.api import router as ranking_router
    from jianxi.events.api import router as events_router
    from jianxi.exchange.api import router as exchange_router
    from jianxi.hosts.api import router as hosts_router
    from jianxi.oversight.api import router as stats_router
    from jianxi.policy.api import router as policy_router
    from jianxi.posts.api import router as posts_router
    from jianxi.recommend.api import router as recommend_router
    from jianxi.registry.api import router as registry_router
    from jianxi.youth.api import router as youth_router

    api.add_router("/", accounts_router)
    api.add_router("/hosts", hosts_router)
    api.add_router("/persons", youth_router)
    api.add_router("/posts", posts_router)
    api.add_router("/me", recommend_router)
    api.add_router("/events", events_router)
    api.add_router("/registry", registry_router)
    api.add_router("/", policy_router)
    # Its own path rather than a "/stats" router: the statistics of jianxi/oversight live beside it.
    api.add_router("/stats/ranking", ranking_router)
    api.add_router("/stats", stats_router)
    api.add_router("/exchange", exchange_router)


_register_routers()
