"""The young person's "posts for you" (为你推荐) and its preferences (推荐偏好)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jianxi.accounts.models import Role
from jianxi.core.access import acting_user, roles
from jianxi.core.errors import RuleError
from jianxi.core.forms import add_rule_error
from jianxi.recommend import services
from jianxi.recommend.forms import PreferenceForm
from jianxi.recommend.models import DigestFrequency
from jianxi.recommend.selectors import chosen_of, person_of_user, recommendations_for

PAGE_LIMIT = 30  # the ranking is bounded: the best thirty, no further pages


@roles(Role.YOUTH)
def posts_for_you(request: HttpRequest) -> HttpResponse:
    person = person_of_user(acting_user(request))
    if person is None:
        messages.info(request, _("请先完成见习人员登记。"))
        return redirect("home")
    found = recommendations_for(person, today=timezone.localdate(), now=timezone.now(), limit=PAGE_LIMIT)
    return render(request, "recommend/posts.html", {"person": person, "found": found})


@require_http_methods(["GET", "POST"])
@roles(Role.YOUTH)
def preferences(request: HttpRequest) -> HttpResponse:
    person = person_of_user(acting_user(request))
    if person is None:
        messages.info(request, _("请先完成见习人员登记。"))
        return redirect("home")
    chosen = chosen_of(person)
    initial = {
        "districts": sorted(chosen.districts),
        "categories": sorted(chosen.categories),
        "digest": chosen.preference.digest if chosen.preference else DigestFrequency.OFF,
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_save(
                actor=acting_user(request),
                districts=form.cleaned_data["districts"],
                categories=form.cleaned_data["categories"],
                digest=form.cleaned_data["digest"],
                now=timezone.now(),
            )
        except RuleError as err:
            add_rule_error(form, err)
        else:
            messages.success(request, _("推荐偏好已保存。"))
            return redirect("recommend:posts")
    return render(request, "recommend/preferences.html", {"form": form, "person": person})
