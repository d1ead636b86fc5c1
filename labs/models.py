"""Lab catalogue, learners' drafts and submissions, revealed hints."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Lab(models.Model):
    """A hands-on lab loaded from content/labs/<slug>/ (the full spec is kept as JSON)."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    domain = models.PositiveSmallIntegerField()
    task = models.CharField(max_length=8)
    tags = models.JSONField(default=list)
    difficulty = models.CharField(max_length=10)
    minutes = models.PositiveIntegerField()
    order = models.PositiveIntegerField(default=100)
    lesson = models.CharField(max_length=200, blank=True)
    instructions_html = models.TextField(blank=True)
    spec = models.JSONField(help_text="The parsed lab.yaml with its files (see labs/spec.py).")
    skills = models.JSONField(
        default=list, blank=True, help_text="Exam-guide skill ids the lab proves (readiness)."
    )
    source_hash = models.CharField(max_length=64)
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    @property
    def max_points(self) -> int:
        return sum(c["points"] for c in self.spec.get("checks", []))


class Draft(models.Model):
    """What a learner has typed in a lab's editor, saved as they go."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE)
    files = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lab"], name="one_draft_per_lab")]

    def __str__(self) -> str:
        return f"draft of {self.lab_id} by {self.user_id}"


class HintReveal(models.Model):
    """A hint the learner revealed (it costs points on every later submission)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE)
    index = models.PositiveSmallIntegerField()
    revealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lab", "index"], name="reveal_hint_once")
        ]

    def __str__(self) -> str:
        return f"hint {self.index + 1} of {self.lab_id} for {self.user_id}"


class Submission(models.Model):
    """One "Run & grade": the files, the grading's progress, log and result."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for your approval"
        GRADED = "graded", "Graded"
        ERROR = "error", "System error"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="submissions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… per learner and lab")
    files = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    score = models.PositiveIntegerField(null=True, blank=True)
    max_score = models.PositiveIntegerField(default=0)
    percent = models.FloatField(null=True, blank=True)
    hint_penalty = models.PositiveIntegerField(default=0)
    results = models.JSONField(default=list, blank=True, help_text="Per check: passed, feedback.")
    outcome = models.JSONField(default=dict, blank=True, help_text="Summary of the simulated run.")
    findings = models.JSONField(default=dict, blank=True)
    log = models.TextField(blank=True)
    pictures = models.JSONField(default=dict, blank=True, help_text="SVGs: pipeline, traffic.")
    approval = models.CharField(max_length=10, blank=True, help_text="approved / rejected")
    grading_attempts = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(blank=True)
    # An instructor's regrade: the shown grade stays until the new one is recorded (history).
    regrade_pending = models.BooleanField(default=False)
    regrade_requested_at = models.DateTimeField(null=True, blank=True)
    regrade_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    regrade_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Fair queue (labs/services.py): when the work became ready (submit, decision, regrade), when
    # a wake-up message was last published for it, the running grading's heartbeat and its token
    # (only the holder of the current token may record a result: exactly once).
    queued_at = models.DateTimeField(default=timezone.now, db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    run_token = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "lab", "number"], name="submission_number")
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.lab.slug} #{self.number} by {self.user}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.GRADED, self.Status.ERROR)


class Grading(models.Model):
    """One finished grading of a submission; a regrade adds a record and keeps the old ones."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", "Run & grade"
        APPROVAL = "approval", "After the approval decision"
        REGRADE = "regrade", "Regrade"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="gradings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveIntegerField()
    max_score = models.PositiveIntegerField()
    percent = models.FloatField()
    results = models.JSONField(default=list, blank=True)
    outcome = models.JSONField(default=dict, blank=True, help_text="The typed run result (JSON).")
    findings = models.JSONField(default=dict, blank=True)
    log = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["submission", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of submission {self.submission_id}: {self.percent:g} %"


class PausedRun(models.Model):
    """A pipeline paused at a manual approval: its compact resumable state, outside the
    submission row (pages listing submissions never load it); large values are blobs."""

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="paused")
    state = models.JSONField(help_text="The paused state with large strings as blob references.")
    state_bytes = models.PositiveIntegerField(default=0)
    # Annotated because the target is named by string (PausedBlob is defined below).
    blobs: models.ManyToManyField[PausedBlob, models.Model] = models.ManyToManyField(
        "PausedBlob", related_name="runs", blank=True
    )
    blob_bytes = models.PositiveBigIntegerField(default=0, help_text="Sum of distinct blobs.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"paused state of submission {self.submission_id}"


class PausedBlob(models.Model):
    """One large value of a paused state (an S3 object body…), stored once by its sha256."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"blob {self.sha256[:12]} ({self.size} bytes)"


class QueueLock(models.Model):
    """A single row locked while the fair queue picks the next grading (PostgreSQL and SQLite)."""

    touched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "grading queue lock"
