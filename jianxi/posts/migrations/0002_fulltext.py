"""The full-text index behind Chinese post search (see jianxi/posts/search.py).

SQLite: an FTS5 table over posts_post.search_document (external content), kept in step by
triggers. PostgreSQL: a GIN index on to_tsvector('simple', search_document); the database must
use a UTF-8 encoding and ctype (C.UTF-8 or zh_CN.UTF-8) so that CJK words are word characters.
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE posts_post_fts USING fts5("
    "search_document, content='posts_post', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER posts_post_fts_ai AFTER INSERT ON posts_post BEGIN "
    "INSERT INTO posts_post_fts(rowid, search_document) VALUES (new.id, new.search_document); END",
    "CREATE TRIGGER posts_post_fts_ad AFTER DELETE ON posts_post BEGIN "
    "INSERT INTO posts_post_fts(posts_post_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    "CREATE TRIGGER posts_post_fts_au AFTER UPDATE OF search_document ON posts_post BEGIN "
    "INSERT INTO posts_post_fts(posts_post_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO posts_post_fts(rowid, search_document) VALUES (new.id, new.search_document); END",
    "INSERT INTO posts_post_fts(posts_post_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS posts_post_fts_au",
    "DROP TRIGGER IF EXISTS posts_post_fts_ad",
    "DROP TRIGGER IF EXISTS posts_post_fts_ai",
    "DROP TABLE IF EXISTS posts_post_fts",
]
POSTGRES_UP = [
    "CREATE INDEX posts_post_search_gin ON posts_post USING gin (to_tsvector('simple', search_document))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS posts_post_search_gin"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("posts", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
