"""Full-text index for lessons: an FTS5 table on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations

# rowid = courses_lesson.id. Porter stemming so "deploying" finds "deployment"; diacritics folded.
SQLITE_CREATE = """
CREATE VIRTUAL TABLE IF NOT EXISTS courses_lesson_fts USING fts5(
    title, tags, body, tokenize = 'porter unicode61 remove_diacritics 2'
)
"""
SQLITE_DROP = "DROP TABLE IF EXISTS courses_lesson_fts"
POSTGRES_CREATE = "CREATE INDEX IF NOT EXISTS courses_lesson_search_gin ON courses_lesson USING gin (search_vector)"
POSTGRES_DROP = "DROP INDEX IF EXISTS courses_lesson_search_gin"


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
