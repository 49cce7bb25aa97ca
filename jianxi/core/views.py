"""The home page: a landing page for visitors, and for each role what it can do next."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import scoped
from jianxi.core.access import public
from jianxi.hosts.models import Host, HostStatus
from jianxi.policy.selectors import calendar_gaps
from jianxi.youth.models import Person


@public
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "home/visitor.html")
    role = user.role
    context: dict[str, Any] = {}
    if role in (Role.DISTRICT, Role.DEPARTMENT, Role.CITY):
        hosts = scoped(user, Host.objects.all())
        context["hosts_total"] = hosts.count()
        context["hosts_pending"] = hosts.filter(status=HostStatus.PENDING).count()
        context["persons_total"] = scoped(user, Person.objects.all()).count()
    if role == Role.UNIVERSITY:
        context["persons_total"] = scoped(user, Person.objects.all()).count()
    if role == Role.CITY:
        context["calendar_gaps"] = calendar_gaps()
    if role == Role.YOUTH:
        context["person"] = Person.objects.filter(user=user).first()
    if role == Role.HOST:
        context["host"] = user.host
    return render(request, f"home/{role}.html", context)
