from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jianxi.accounts.models import Role
from jianxi.events.models import EventKind
from jianxi.events.services import EventData, featurable_posts
from jianxi.policy.models import District
from jianxi.posts.models import Post


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PostChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title}（{obj.host.name}）"


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("活动形式"), choices=EventKind.choices)
    title = forms.CharField(label=_("活动名称"), max_length=100)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput())
    place = forms.CharField(label=_("活动地点"), max_length=200, required=False)
    online_link = forms.URLField(label=_("线上链接"), max_length=300, required=False, assume_scheme="https")
    district = forms.ModelChoiceField(label=_("活动所在区"), queryset=District.objects.all(), required=False)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=100000)
    description = forms.CharField(label=_("活动介绍"), max_length=5000, required=False, widget=forms.Textarea)
    posts = PostChoiceField(
        label=_("推介岗位"),
        queryset=Post.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("只能选择本区（本部门、活动所在区）已发布的岗位"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.role == Role.DISTRICT:
            del self.fields["district"]  # a district officer's events are its district's
            district_id = user.district_id
        else:
            self.fields["district"].required = True
            raw = self.data.get("district") if self.is_bound else self.initial.get("district")
            district_id = getattr(raw, "pk", raw)
        if user.role == Role.UNIVERSITY:
            # A university features the posts of the event's district: all published ones are
            # offered, the service checks the district.
            posts = Post.objects.filter(status="published").select_related("host")
        else:
            posts = featurable_posts(user, district_id)
        field = self.fields["posts"]
        assert isinstance(field, PostChoiceField)
        field.queryset = posts.order_by("-published_at", "-pk")

    def data_object(self) -> EventData:
        d = self.cleaned_data
        district = d.get("district")
        return EventData(
            kind=d["kind"],
            title=d["title"],
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            place=d["place"],
            online_link=d["online_link"],
            capacity=d["capacity"],
            description=d["description"],
            district_id=district.pk if district is not None else None,
            post_ids=[p.pk for p in d["posts"]],
        )


class EventFilterForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("区"), queryset=District.objects.all(), to_field_name="code", required=False, empty_label=_("全部")
    )
    start = forms.DateField(label=_("开始日期（起）"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("开始日期（止）"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
