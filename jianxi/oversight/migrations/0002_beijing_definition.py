"""Beijing's counting definitions (docs/rules.md, "Counting"), with their first history row."""

from django.db import migrations
from django.utils import timezone

NOTICE = "京人社毕发〔2023〕21号"


def load(apps, schema_editor):
    City = apps.get_model("policy", "City")
    StatDefinition = apps.get_model("oversight", "StatDefinition")
    History = apps.get_model("oversight", "HistoricalStatDefinition")
    beijing = City.objects.filter(code="110000").first()
    if beijing is None:
        return
    row, created = StatDefinition.objects.get_or_create(city=beijing, from_year=2023, defaults={"source": NOTICE})
    if created:
        fields = {f.attname: getattr(row, f.attname) for f in StatDefinition._meta.concrete_fields}
        History.objects.create(**fields, history_date=timezone.now(), history_type="+", history_change_reason="初始数据")


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial"), ("policy", "0002_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
