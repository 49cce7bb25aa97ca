"""A URLconf with one view that forgot its access declaration (deny-by-default test)."""

from django.http import HttpResponse
from django.urls import path

from jianxi.core.access import public


def undeclared(request):
    return HttpResponse("should never be served")


@public
def declared(request):
    return HttpResponse("ok")


urlpatterns = [path("undeclared/", undeclared), path("declared/", declared)]
