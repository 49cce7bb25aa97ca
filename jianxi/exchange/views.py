"""The city's page of the exchange with the ministry's zone: messages by state, and "retry"."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role
from jianxi.core.access import acting_user, roles
from jianxi.core.errors import RuleError
from jianxi.core.paging import paginate
from jianxi.exchange import delivery, services
from jianxi.exchange.models import MessageState, OutboxMessage

SORTS = {"id": "id", "next": "next_attempt_at", "attempts": "attempts"}


@roles(Role.CITY)
def outbox(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    rows = OutboxMessage.objects.defer("body").annotate(retry_count=Count("retries"))
    if state in MessageState.values:
        rows = rows.filter(state=state)
    else:
        state = ""
    counts = OutboxMessage.objects.aggregate(
        pending=Count("pk", filter=Q(state=MessageState.PENDING)),
        dead=Count("pk", filter=Q(state=MessageState.DEAD)),
        delivered=Count("pk", filter=Q(state=MessageState.DELIVERED)),
    )
    page = paginate(request, rows, sorts=SORTS, default="-id")
    return render(
        request,
        "exchange/outbox.html",
        {
            "page": page,
            "state": state,
            "states": MessageState.choices,
            "counts": counts,
            "configured": delivery.configured(),
            "max_attempts": settings.EXCHANGE_MAX_ATTEMPTS,
        },
    )


@roles(Role.CITY)
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (or a POST without ``confirmed=1``): the confirmation page; POST confirmed: retry."""
    message = get_object_or_404(OutboxMessage, pk=pk)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        try:
            services.retry_message(actor=acting_user(request), message_id=pk, reason=request.POST.get("reason", ""))
        except RuleError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("已重新排入发送队列：%(key)s") % {"key": message.idempotency_key})
        return redirect(f"{reverse('exchange:outbox')}?state={MessageState.DEAD}")
    history = list(message.retries.select_related("actor")[:20])
    return render(request, "exchange/retry.html", {"message": message, "history": history})
