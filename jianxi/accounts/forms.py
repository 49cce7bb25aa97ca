"""The account fields every sign-up form shares."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _


class AccountFields(forms.Form):
    """The account part of a sign-up form (youth/forms.py, hosts/forms.py): name and password."""

    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[A-Za-z0-9_.@+-]{3,50}$",
        error_messages={"invalid": _("用户名为3至50位字母、数字或 _ . @ + -。")},
    )
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1:
            try:
                validate_password(str(p1))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
