"""On PostgreSQL 14+, compress the large text columns with lz4: nearly doubles COPY throughput
(PERFORMANCE.md: pglz compression of TOASTed values is the import bottleneck)."""

from django.db import migrations


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone() is None:
            return  # server built without lz4
        for column in ("raw", "abstract", "title"):
            cursor.execute(f"ALTER TABLE reviewapp_record ALTER COLUMN {column} SET COMPRESSION lz4")


class Migration(migrations.Migration):
    dependencies = [("reviewapp", "0001_initial")]
    operations = [migrations.RunPython(use_lz4, migrations.RunPython.noop)]
