"""PostgreSQL: full-text indexes for the public search at a national scale (issue #14).

- ``btree_gin`` lets one GIN index hold the words *and* the filters (district, category,
  department), so "keyword + district + category" intersects three posting lists inside the
  index instead of building a bitmap of every keyword match and filtering the rows after.
- The indexes are partial (``WHERE status = 'published'``): the public search reads nothing else,
  and drafts, closed and expired posts (most of the table, in time) stay out of them.
- No RUM index: measured at 1,000,000 posts (docs/BENCHMARKS.md), ordering a broad word's
  200,000 matches inside a RUM index (by rank or by the attached publication time) sorts them all
  (0.66 s), where the newest thousand come from the publication-time btree in 17 ms; the index
  took 337 MB and the planner chose it for counts, badly (4 s).

The extension is optional: if btree_gin is not available (or the database user may not create
it) the index holds the words only, and the filters are checked on the rows. SQLite: nothing to
do (FTS5, migration 0002).
"""

from django.db import migrations

PUBLISHED = "WHERE status = 'published'"


def _available(schema_editor, extension):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [extension])
        return cursor.fetchone() is not None


def _create_extension(schema_editor, extension):
    """CREATE EXTENSION if available and permitted; False otherwise (in a savepoint: no harm done)."""
    if not _available(schema_editor, extension):
        return False
    connection = schema_editor.connection
    sid = connection.savepoint()
    try:
        schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    except Exception:  # noqa: BLE001 - permission denied, or a broken install: run without it
        connection.savepoint_rollback(sid)
        return False
    connection.savepoint_commit(sid)
    return True


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute("DROP INDEX IF EXISTS posts_post_search_gin")
    if _create_extension(schema_editor, "btree_gin"):
        execute(
            "CREATE INDEX posts_post_search_published ON posts_post "
            f"USING gin (search_vector, district_id, category_id, department_id) {PUBLISHED}"
        )
    else:
        execute(f"CREATE INDEX posts_post_search_published ON posts_post USING gin (search_vector) {PUBLISHED}")
    # The first page with no keyword, newest first, and its bounded count.
    execute(f"CREATE INDEX posts_post_published_newest ON posts_post (published_at DESC, id DESC) {PUBLISHED}")
    execute(f"CREATE INDEX posts_post_published_expiry ON posts_post (expires_on) {PUBLISHED}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in (
        "posts_post_published_expiry",
        "posts_post_published_newest",
        "posts_post_search_published",
    ):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("CREATE INDEX posts_post_search_gin ON posts_post USING gin (search_vector)")


class Migration(migrations.Migration):
    dependencies = [("posts", "0007_post_district_is_hosts")]
    operations = [migrations.RunPython(forwards, backwards)]
