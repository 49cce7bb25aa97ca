"""PostgreSQL: keep the tsvector in a stored generated column instead of an expression index.

With an expression index PostgreSQL must re-parse every candidate row's document to recheck the
match and to rank it; a stored column is parsed once, when the post is written.
"""

from django.db import migrations

POSTGRES_UP = [
    "DROP INDEX IF EXISTS posts_post_search_gin",
    "ALTER TABLE posts_post ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_document)) STORED",
    "CREATE INDEX posts_post_search_gin ON posts_post USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS posts_post_search_gin",
    "ALTER TABLE posts_post DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX posts_post_search_gin ON posts_post USING gin (to_tsvector('simple', search_document))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("posts", "0005_suspended_status")]
    operations = [migrations.RunPython(_run(POSTGRES_UP), _run(POSTGRES_DOWN))]
