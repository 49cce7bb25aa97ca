"""Indexes the statistics refresh reads by (refresh.py): a month's posts by the time they were
published, a month's agreements by their start and by their last day. They belong to the
refresh's queries, not to the posts' or placements' own, so they are made here."""

from django.db import migrations

INDEXES = [
    ("oversight_post_published", "posts_post", "published_at"),
    ("oversight_agreement_start", "placements_agreement", "start"),
    ("oversight_agreement_ended", "placements_agreement", "ended_on"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0002_beijing_definition"),
        ("posts", "0007_post_district_is_hosts"),
        ("placements", "0003_attendance_allowance_paid"),
    ]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})", f"DROP INDEX IF EXISTS {name}"
        )
        for name, table, column in INDEXES
    ]
