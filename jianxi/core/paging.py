"""Paging and sorting for list pages: whitelisted sort keys, bounded page size."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

PAGE_SIZES = (20, 50, 100)


def paginate(
    request: HttpRequest, queryset: QuerySet[Any], *, sorts: dict[str, str] | None = None, default: str = ""
) -> Page:
    """One page of ``queryset`` sorted by a whitelisted key from ``?sort=`` (``-key`` descending).

    Without ``sorts`` the queryset keeps its own order (the selector sorted it already).

    An unknown sort key or page number falls back to the default rather than failing: both come
    from URLs people bookmark and edit.
    """
    requested = request.GET.get("sort", default)
    if sorts is not None:
        key = requested.lstrip("-")
        if key not in sorts:
            requested, key = default, default.lstrip("-")
        field = sorts[key]
        order = f"-{field}" if requested.startswith("-") else field
        queryset = queryset.order_by(order, "-pk")
    try:
        size = int(request.GET.get("size", PAGE_SIZES[0]))
    except ValueError:
        size = PAGE_SIZES[0]
    if size not in PAGE_SIZES:
        size = PAGE_SIZES[0]
    page: Page = Paginator(queryset, size).get_page(request.GET.get("page"))
    page.sort = requested  # type: ignore[attr-defined]
    return page


def page_request(request: HttpRequest) -> tuple[int, int]:
    """The page number (1 on anything odd) and page size (one of ``PAGE_SIZES``) asked for."""
    number = parse_id(request.GET.get("page")) or 1
    try:
        size = int(request.GET.get("size", PAGE_SIZES[0]))
    except ValueError:
        size = PAGE_SIZES[0]
    return number, size if size in PAGE_SIZES else PAGE_SIZES[0]


class KnownCountPaginator(Paginator):
    """The paginator of a page fetched already, whose total is known — exact, or an estimate
    (``count_estimated``: templates show "约 N 条"). Used where counting every match would cost
    more than the page (the public post search)."""

    def __init__(self, items: list[Any], per_page: int, *, count: int, estimated: bool = False) -> None:
        super().__init__(items, per_page)
        self._known_count = count
        self.count_estimated = estimated

    @cached_property
    def count(self) -> int:
        return self._known_count

    def page(self, number: Any) -> Page:
        return Page(self.object_list, self.validate_number(number), self)


def parse_id(value: str | None) -> int | None:
    """A database id from a query or form value, or None: never an exception from user input.

    ``str.isdigit`` accepts "²" and any length; ids here are ASCII digits that fit a bigint.
    """
    if not value or len(value) > 18 or not value.isascii() or not value.isdecimal():
        return None
    return int(value)
