"""Beijing's demonstration-unit scoring parameters from 2023 (R-TG-4; docs/policy.md, "Demonstration units").

The notice names the qualities (岗位多、质量好、管理规范、效果好) but no figures: the weights, the
minimum of five interns and the quota of three nominations per district are Jianxi's defaults,
for the city officer to change in the admin.
"""

from django.db import migrations
from django.utils import timezone

NOTICE = "京人社毕发〔2023〕21号 §二(三)；权重为见习系统默认值"
DEFAULTS = {
    "source": NOTICE,
    "min_interns": 5,
    "attendance_due_day": 10,
    "nomination_quota": 3,
    "weight_posts": 10,
    "weight_headcount": 10,
    "weight_fill_rate": 15,
    "weight_completion": 15,
    "weight_retention": 20,
    "weight_attendance": 10,
    "weight_claim_lines": 10,
    "weight_no_recovery": 5,
    "weight_no_fraud": 5,
}


def load(apps, schema_editor):
    City = apps.get_model("policy", "City")
    RankingPolicy = apps.get_model("demonstration", "RankingPolicy")
    beijing = City.objects.filter(code="110000").first()
    if beijing is None:
        return
    row, created = RankingPolicy.objects.get_or_create(city=beijing, effective_year=2023, defaults=DEFAULTS)
    if created:
        # Migrations use frozen models without history signals: write the first history row here.
        historical = apps.get_model("demonstration", "HistoricalRankingPolicy")
        values = {f.attname: getattr(row, f.attname) for f in row._meta.fields}
        historical.objects.create(
            history_date=timezone.now(), history_type="+", history_change_reason="初始数据（数据迁移）", **values
        )


class Migration(migrations.Migration):
    dependencies = [("demonstration", "0001_initial"), ("policy", "0002_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
