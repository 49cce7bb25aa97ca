from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jianxi.core.errors import RuleError
from jianxi.core.forms import add_rule_error
from jianxi.policy.models import Department, District, PostCategory
from jianxi.posts.models import EducationLevel, Post
from jianxi.posts.selectors import PostQuery
from jianxi.posts.services import PostData, post_validate

if TYPE_CHECKING:
    from jianxi.hosts.models import Host

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SORT_CHOICES = [
    ("", _("默认（有关键词时按相关度）")),
    ("newest", _("最新发布")),
    ("closing", _("即将截止")),
    ("relevance", _("相关度")),
]


class PostSearchForm(forms.Form):
    """The public search's filters; every field optional, bad values ignored with a message."""

    q = forms.CharField(label=_("关键词"), max_length=50, required=False)
    district = forms.ModelChoiceField(
        label=_("工作地点"),
        queryset=District.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("不限"),
    )
    category = forms.ModelChoiceField(
        label=_("岗位类别"),
        queryset=PostCategory.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("不限"),
    )
    education = forms.TypedChoiceField(
        label=_("我的学历"),
        choices=[("", _("不限")), *EducationLevel.choices[1:]],
        coerce=int,
        required=False,
        empty_value=None,
    )
    major = forms.CharField(label=_("专业"), max_length=50, required=False)
    department = forms.ModelChoiceField(
        label=_("募集部门"),
        queryset=Department.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("不限"),
    )
    months = forms.TypedChoiceField(
        label=_("见习期限"),
        choices=[("", _("不限"))] + [(m, _("%(m)s 个月") % {"m": m}) for m in range(3, 13)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    sort = forms.ChoiceField(label=_("排序"), choices=SORT_CHOICES, required=False)

    def query(self) -> PostQuery:
        data = self.cleaned_data if self.is_valid() else {}
        return PostQuery(
            q=data.get("q") or "",
            district=data["district"].code if data.get("district") else "",
            category=data["category"].code if data.get("category") else "",
            education=data.get("education"),
            major=data.get("major") or "",
            department=data["department"].code if data.get("department") else "",
            months=data.get("months"),
            sort=data.get("sort") or ("relevance" if data.get("q") else "newest"),
        )


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = [
            "title",
            "category",
            "description",
            "education",
            "majors",
            "headcount",
            "months",
            "allowance",
            "district",
            "department",
            "recruit_start",
            "recruit_end",
            "expires_on",
        ]
        widgets = {
            "recruit_start": DATE,
            "recruit_end": DATE,
            "expires_on": DATE,
            "description": forms.Textarea(attrs={"rows": 6}),
            "months": forms.Select(choices=[(m, m) for m in range(3, 13)]),
        }

    def __init__(self, *args: Any, host: Host | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.host = host
        if host is not None:
            # A post lies in its host's district (posts.services.post_validate).
            district = self.fields["district"]
            district.queryset = District.objects.filter(pk=host.district_id)  # type: ignore[attr-defined]
            district.empty_label = None  # type: ignore[attr-defined]
            self.initial.setdefault("district", host.district_id)
        if not self.instance.pk:
            today = timezone.localdate()
            self.initial.setdefault("recruit_start", today)
            self.initial.setdefault("recruit_end", today + timedelta(days=60))
            self.initial.setdefault("expires_on", today + timedelta(days=90))
            self.initial.setdefault("months", 6)

    def clean(self) -> dict[str, Any]:
        """The service's field rules, each on its field and all in one round (issue #16).

        A field with an error is left out of the model's own constraint checks, so the same
        problem is not shown twice (once on the field, once above the form).
        """
        cleaned = super().clean() or {}
        if all(name in cleaned for name in PostData.__dataclass_fields__):
            try:
                post_validate(self.data_object(), self.host)
            except RuleError as err:
                add_rule_error(self, err)
        return cleaned

    def data_object(self) -> PostData:
        d = self.cleaned_data
        return PostData(**{name: d[name] for name in PostData.__dataclass_fields__})


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
