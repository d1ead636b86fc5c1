"""Fair grading queue (ready time, wake-up time, heartbeat, run token) and paused states
kept outside the submission row (existing ones move over as they are)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def _forward(apps, schema_editor) -> None:
    submission = apps.get_model("labs", "Submission")
    paused_run = apps.get_model("labs", "PausedRun")
    apps.get_model("labs", "QueueLock").objects.get_or_create(pk=1)
    for row in submission.objects.filter(paused_state__isnull=False).iterator():
        paused_run.objects.create(submission_id=row.pk, state=row.paused_state)
    # Waiting work keeps its place: its ready time is when it was submitted.
    for row in submission.objects.only("pk", "created_at").iterator():
        submission.objects.filter(pk=row.pk).update(queued_at=row.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("labs", "0002_grading_history_and_skills"),
    ]

    operations = [
        migrations.CreateModel(
            name="PausedBlob",
            fields=[
                ("sha256", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("size", models.PositiveBigIntegerField()),
                ("data", models.BinaryField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name="QueueLock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("touched_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name="submission",
            name="enqueued_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="submission",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="submission",
            name="queued_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="submission",
            name="run_token",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.CreateModel(
            name="PausedRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.JSONField(
                        help_text="The paused state with large strings as blob references."
                    ),
                ),
                ("state_bytes", models.PositiveIntegerField(default=0)),
                (
                    "blob_bytes",
                    models.PositiveBigIntegerField(default=0, help_text="Sum of distinct blobs."),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "blobs",
                    models.ManyToManyField(blank=True, related_name="runs", to="labs.pausedblob"),
                ),
                (
                    "submission",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="paused",
                        to="labs.submission",
                    ),
                ),
            ],
        ),
        migrations.RunPython(_forward, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="submission",
            name="paused_state",
        ),
    ]
