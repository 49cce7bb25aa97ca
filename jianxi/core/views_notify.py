"""The signed-in user's notification settings (通知设置) and the unsubscribe link of pushed e-mail (退订)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from jianxi.core.access import acting_user, public, signed_in
from jianxi.core.models import NotificationPreference
from jianxi.core.notify import opt_out, read_unsubscribe_token


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["push_inapp", "push_email", "push_sms"]
        help_texts = {
            "push_inapp": gettext_lazy("高校、人社部门推送的见习岗位和活动信息。"),
            "push_sms": gettext_lazy("业务通知（如录用、审核结果）不受这些设置影响，始终在站内送达。"),
        }


@require_http_methods(["GET", "POST"])
@signed_in
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    instance = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
    form = PreferenceForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("通知设置已保存。"))
        return redirect("core:notification_settings")
    return render(request, "core/notification_settings.html", {"form": form})


@require_http_methods(["GET", "POST"])
@public
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """A link in each pushed e-mail: GET asks, POST refuses further pushes to that address."""
    found = read_unsubscribe_token(token)
    if found is None:
        return render(request, "core/unsubscribe.html", {"invalid": True}, status=404)
    channel, address = found
    done = False
    if request.method == "POST":
        opt_out(channel, address)
        done = True
    return render(request, "core/unsubscribe.html", {"done": done, "channel": channel})
