"""Reference and policy data of Beijing (docs/rules.md, "Data standards"; 京人社毕发〔2023〕21号)."""

from datetime import date
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

DISTRICTS = [
    ("110101", "东城区"), ("110102", "西城区"), ("110105", "朝阳区"), ("110106", "丰台区"),
    ("110107", "石景山区"), ("110108", "海淀区"), ("110109", "门头沟区"), ("110111", "房山区"),
    ("110112", "通州区"), ("110113", "顺义区"), ("110114", "昌平区"), ("110115", "大兴区"),
    ("110116", "怀柔区"), ("110117", "平谷区"), ("110118", "密云区"), ("110119", "延庆区"),
    # Not an administrative district, but addressed by the notice like one.
    ("BDA", "北京经济技术开发区"),
]

DEPARTMENTS = [
    ("hrss", "人力资源社会保障部门", "事业单位、技工院校、小微企业"),
    ("education", "教育部门", "高校"),
    ("science", "科技部门", "科研院所、科技型企业"),
    ("economy", "经济和信息化部门", "制造业龙头企业、单项冠军企业、专精特新“小巨人”企业"),
    ("civil_affairs", "民政部门", "城乡社区组织、社区服务机构、各类社会组织"),
    ("commerce", "商务部门", "头部优质电商平台"),
    ("sasac", "国资部门", "国有企业"),
    ("youth_league", "共青团部门", "企业"),
    ("federation", "工商联部门", "民营企业"),
]

CATEGORIES = [
    ("research", "科研类"), ("technical", "技术技能类"), ("management", "管理类"),
    ("social_service", "社会服务类"), ("ecommerce", "电商平台类"),
]

UNIVERSITIES = [
    ("10001", "北京大学"), ("10002", "中国人民大学"), ("10003", "清华大学"),
    ("10004", "北京交通大学"), ("10005", "北京工业大学"), ("10006", "北京航空航天大学"),
    ("10007", "北京理工大学"), ("10013", "北京邮电大学"), ("10027", "北京师范大学"),
    ("11417", "北京联合大学"),
]

MINIMUM_WAGES = [
    (date(2019, 7, 1), Decimal("2200.00"), "北京市人力资源和社会保障局 2019 年最低工资标准调整通知"),
    (date(2021, 8, 1), Decimal("2320.00"), "北京市人力资源和社会保障局 2021 年最低工资标准调整通知"),
    (date(2023, 9, 1), Decimal("2420.00"), "北京市人力资源和社会保障局 2023 年最低工资标准调整通知"),
    (date(2025, 9, 1), Decimal("2540.00"), "京人社劳发〔2025〕7号"),
]

NOTICE = "京人社毕发〔2023〕21号"


def _with_history(apps, model_name, obj, created):
    """Migrations use frozen models without history signals: write the first history row here."""
    if not created:
        return
    historical = apps.get_model("policy", f"Historical{model_name}")
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.fields}
    historical.objects.create(
        history_date=timezone.now(), history_type="+", history_change_reason="初始数据（数据迁移）", **values
    )


def load(apps, schema_editor):
    City = apps.get_model("policy", "City")
    District = apps.get_model("policy", "District")
    Department = apps.get_model("policy", "Department")
    PostCategory = apps.get_model("policy", "PostCategory")
    University = apps.get_model("policy", "University")
    MinimumWage = apps.get_model("policy", "MinimumWage")
    CityPolicy = apps.get_model("policy", "CityPolicy")
    YearlyTarget = apps.get_model("policy", "YearlyTarget")

    beijing, _ = City.objects.get_or_create(code="110000", defaults={"name": "北京市"})
    for order, (code, name) in enumerate(DISTRICTS):
        District.objects.get_or_create(code=code, defaults={"city": beijing, "name": name, "sort_order": order})
    for order, (code, name, directions) in enumerate(DEPARTMENTS):
        Department.objects.get_or_create(
            code=code, defaults={"name": name, "directions": directions, "sort_order": order}
        )
    for order, (code, name) in enumerate(CATEGORIES):
        PostCategory.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    for code, name in UNIVERSITIES:
        University.objects.get_or_create(code=code, defaults={"name": name})
    for effective, amount, source in MINIMUM_WAGES:
        wage, created = MinimumWage.objects.get_or_create(
            city=beijing, effective_from=effective, defaults={"amount": amount, "source": source}
        )
        _with_history(apps, "MinimumWage", wage, created)
    policy, created = CityPolicy.objects.get_or_create(
        city=beijing,
        effective_from=date(2023, 1, 1),
        defaults={"source": NOTICE, "remaining_window_end": date(2023, 12, 31)},
    )
    _with_history(apps, "CityPolicy", policy, created)
    target, created = YearlyTarget.objects.get_or_create(
        city=beijing, year=2023, defaults={"posts": 6000, "source": NOTICE}
    )
    _with_history(apps, "YearlyTarget", target, created)


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
