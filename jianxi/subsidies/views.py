# Placeholder view list; replaced by the subsidy pages work.
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import scoped
from jianxi.core.access import roles
from jianxi.core.paging import paginate
from jianxi.subsidies.models import Claim


@roles(Role.HOST, Role.DISTRICT, Role.CITY)
def claims(request: HttpRequest) -> HttpResponse:
    page = paginate(request, scoped(request.user, Claim.objects.select_related("host")))
    return render(request, "subsidies/claims.html", {"page": page})
