"""A post lies in its host's district (issue #11): posts published into another district are moved
back to their host's, where the district that reviews the host can see and manage them."""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery


def align(apps, schema_editor):
    Post = apps.get_model("posts", "Post")
    Host = apps.get_model("hosts", "Host")
    host_district = Subquery(Host.objects.filter(pk=OuterRef("host_id")).values("district_id")[:1])
    Post.objects.exclude(district_id=F("host__district_id")).update(district_id=host_district)


class Migration(migrations.Migration):
    dependencies = [("posts", "0006_search_vector"), ("hosts", "0001_initial")]

    operations = [migrations.RunPython(align, migrations.RunPython.noop)]
