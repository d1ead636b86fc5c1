"""Question bank, attempts (practice, exam, review), spaced-review cards and learner settings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.exam import DIFFICULTIES, DOMAINS


class Question(models.Model):
    """One scenario question; `external_id` is the stable id from the YAML file."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    TYPES = [(SINGLE, "Single answer"), (MULTIPLE, "Multiple response")]

    external_id = models.SlugField(max_length=120, unique=True)
    domain = models.PositiveSmallIntegerField(
        choices=[(n, f"{n} {name}") for n, (name, _w) in DOMAINS.items()], db_index=True
    )
    task = models.CharField(max_length=8)
    tags = models.JSONField(default=list)
    # "|tag1|tag2|": a portable way to filter by tag (JSON `contains` does not work on SQLite).
    tags_index = models.CharField(max_length=500, blank=True, db_index=True)
    # Exam-guide skill ids (content/exam-guide.yaml) the question tests; the first one decides
    # `task` and `domain`. `skills_index` is "|1.2.k1|3.4.s2|" for portable filtering.
    skills = models.JSONField(default=list, blank=True)
    skills_index = models.CharField(max_length=500, blank=True, db_index=True)
    # The same skills as rows, for joins and counts (coverage); `skills` keeps their order.
    skill_links = models.ManyToManyField("core.Skill", blank=True, related_name="questions")
    # The slug of the cheat sheet the review links to (content/cheatsheets/<slug>.md).
    cheatsheet = models.SlugField(max_length=120, blank=True)
    difficulty = models.CharField(max_length=8, choices=[(d, d) for d in DIFFICULTIES])
    type = models.CharField(max_length=8, choices=TYPES, default=SINGLE)
    choose = models.PositiveSmallIntegerField(default=1)
    stem_markdown = models.TextField()
    stem_html = models.TextField(blank=True)
    lesson_ref = models.CharField(max_length=200, blank=True, help_text="module-slug/lesson-slug")
    references = models.JSONField(default=list, blank=True)
    published = models.BooleanField(default=True, db_index=True)
    source_file = models.CharField(max_length=200, blank=True, help_text="questions/NAME.yaml")
    source_hash = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)
    edited_in_admin_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["domain", "external_id"]
        indexes = [models.Index(fields=["published", "domain"])]

    def __str__(self) -> str:
        return self.external_id

    @property
    def admin_edit_pending(self) -> bool:
        """True when an admin edit happened after the last load from file."""
        if self.edited_in_admin_at is None:
            return False
        return self.loaded_at is None or self.edited_in_admin_at > self.loaded_at


class Option(models.Model):
    """An answer option; `position` is its stable place in the file (never shown as a letter)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text = models.TextField()
    text_html = models.TextField(blank=True)
    correct = models.BooleanField(default=False)
    explanation = models.TextField()
    explanation_html = models.TextField(blank=True)

    class Meta:
        ordering = ["question_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="option_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}#{self.position}"


class ExamKind(models.TextChoices):
    """Which timed test an exam-mode attempt is (blank for practice and review)."""

    RANDOM = "random", "Random exam"
    NAMED = "named", "Practice exam"
    SECTION = "section", "Section test"
    FINAL = "final", "Final exam"


class PracticeExam(models.Model):
    """A fixed full exam ("Practice exam 3"): its questions are stored, so retakes compare.

    Built by `build_practice_exams` from a seed; rebuilt only on purpose (`--rebuild`), never
    because the bank grew.
    """

    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=80)
    seed = models.BigIntegerField()
    built_at = models.DateTimeField()
    bank_size = models.PositiveIntegerField(help_text="published questions when it was built")
    notes = models.JSONField(default=list, blank=True)
    questions: models.ManyToManyField[Question, PracticeExamQuestion] = models.ManyToManyField(
        "Question", through="PracticeExamQuestion", related_name="practice_exams"
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.title


class PracticeExamQuestion(models.Model):
    """One seat of a practice exam."""

    exam = models.ForeignKey(PracticeExam, on_delete=models.CASCADE, related_name="seats")
    question = models.ForeignKey("Question", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["exam_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "position"], name="practice_exam_seat_unique"),
            models.UniqueConstraint(
                fields=["exam", "question"], name="practice_exam_question_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam} #{self.position}"


class Attempt(models.Model):
    """A practice set, an exam simulation or a review session taken by one learner."""

    PRACTICE = "practice"
    EXAM = "exam"
    REVIEW = "review"
    MODES = [(PRACTICE, "Practice"), (EXAM, "Exam simulation"), (REVIEW, "Spaced review")]

    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    EXPIRED = "expired"
    STATUSES = [
        (IN_PROGRESS, "In progress"),
        (SUBMITTED, "Submitted"),
        (EXPIRED, "Submitted automatically at the deadline"),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    mode = models.CharField(max_length=10, choices=MODES)
    status = models.CharField(max_length=12, choices=STATUSES, default=IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    seed = models.BigIntegerField()
    filters = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)
    # Exam mode only: which timed test (random, a named practice exam, a section, the final).
    kind = models.CharField(max_length=10, choices=ExamKind.choices, blank=True)
    practice_exam = models.ForeignKey(
        PracticeExam, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    section_domain = models.PositiveSmallIntegerField(null=True, blank=True)
    # Server-side time accounting: the item on screen and since when.
    current_position = models.PositiveSmallIntegerField(null=True, blank=True)
    current_since = models.DateTimeField(null=True, blank=True)
    # Scores, set when the attempt is finished.
    total = models.PositiveSmallIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    raw_percent = models.FloatField(null=True, blank=True)
    scaled_score = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    domain_scores = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "mode", "status"])]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} #{self.pk} ({self.user})"

    @property
    def finished(self) -> bool:
        return self.status != self.IN_PROGRESS

    @property
    def title(self) -> str:
        """What the learner calls it: "Practice exam 3", "Section test: 2 Security"…"""
        if self.mode != self.EXAM:
            return self.get_mode_display()
        if self.kind == ExamKind.NAMED and self.practice_exam is not None:
            return self.practice_exam.title
        if self.kind == ExamKind.SECTION and self.section_domain:
            from core.exam import domain_label

            return f"Section test: {domain_label(self.section_domain)}"
        if self.kind:
            return ExamKind(self.kind).label
        return self.get_mode_display()


class AttemptItem(models.Model):
    """One question inside an attempt, with its shuffled option order and the learner's answer."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    # PROTECT: history hangs on questions, which are unpublished, never deleted.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="attempt_items")
    position = models.PositiveSmallIntegerField()
    option_order = models.JSONField(default=list)  # Option ids in the order shown (A, B, C…)
    selected = models.JSONField(default=list)  # selected Option ids
    flagged = models.BooleanField(default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    time_spent_ms = models.PositiveIntegerField(default=0)
    correct = models.BooleanField(null=True, blank=True)  # set when scored

    class Meta:
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="item_position_unique")
        ]
        indexes = [models.Index(fields=["question", "correct"])]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} item {self.position}"


class FsrsState(models.Model):
    """The FSRS scheduling state shared by question cards and flashcard cards."""

    card = models.JSONField(default=dict)  # fsrs.Card.to_dict()
    due = models.DateTimeField(db_index=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    last_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    last_review = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class ReviewCard(FsrsState):
    """An FSRS card: one per learner and question, created when the question is first answered."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="review_cards")

    class Meta:
        ordering = ["due"]
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="review_card_unique")
        ]
        indexes = [models.Index(fields=["user", "due"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.question}"


class ReviewLog(models.Model):
    """One FSRS review of a card: the rating we derived and what it came from."""

    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="logs")
    rating = models.PositiveSmallIntegerField()
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    correct = models.BooleanField()
    source = models.CharField(max_length=10, choices=Attempt.MODES)
    due_before = models.DateTimeField(null=True, blank=True)
    due_after = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.card_id} rated {self.rating}"


class QuizSettings(models.Model):
    """A learner's quiz preferences (the FSRS desired retention)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_settings"
    )
    desired_retention = models.FloatField(
        default=0.9, validators=[MinValueValidator(0.7), MaxValueValidator(0.97)]
    )

    class Meta:
        verbose_name_plural = "quiz settings"

    def __str__(self) -> str:
        return f"{self.user}: retention {self.desired_retention:.2f}"


# --- flashcards ----------------------------------------------------------------------------------


class Flashcard(models.Model):
    """A key fact as a front/back card (content/flashcards/*.yaml), tied to exam-guide skills."""

    external_id = models.SlugField(max_length=120, unique=True)
    front = models.TextField()
    front_html = models.TextField(blank=True)
    back = models.TextField()
    back_html = models.TextField(blank=True)
    skills = models.JSONField(default=list)
    skills_index = models.CharField(max_length=500, blank=True, db_index=True)
    domain = models.PositiveSmallIntegerField(db_index=True)
    task = models.CharField(max_length=8)
    tags = models.JSONField(default=list, blank=True)
    tags_index = models.CharField(max_length=500, blank=True, db_index=True)
    reference = models.JSONField(default=dict, blank=True)
    published = models.BooleanField(default=True, db_index=True)
    source_file = models.CharField(max_length=200, blank=True)
    source_hash = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["domain", "task", "external_id"]

    def __str__(self) -> str:
        return self.external_id

    @property
    def domain_label(self) -> str:
        from core.exam import domain_label

        return domain_label(self.domain)


class FlashcardCard(FsrsState):
    """A learner's FSRS card for one flashcard (the same scheduler as question cards)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flashcard_cards"
    )
    flashcard = models.ForeignKey(Flashcard, on_delete=models.CASCADE, related_name="cards")

    class Meta:
        ordering = ["due"]
        constraints = [
            models.UniqueConstraint(fields=["user", "flashcard"], name="flashcard_card_unique")
        ]
        indexes = [models.Index(fields=["user", "due"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.flashcard}"


class FlashcardLog(models.Model):
    """One rating of a flashcard (Again/Hard/Good/Easy) and the due date it produced."""

    card = models.ForeignKey(FlashcardCard, on_delete=models.CASCADE, related_name="logs")
    rating = models.PositiveSmallIntegerField()
    reviewed_at = models.DateTimeField()
    due_before = models.DateTimeField(null=True, blank=True)
    due_after = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self) -> str:
        return f"{self.card_id} rated {self.rating}"


# --- cheat sheets --------------------------------------------------------------------------------


class CheatSheet(models.Model):
    """A dense one-page summary of a service or topic (content/cheatsheets/<slug>.md)."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    tags = models.JSONField(default=list, blank=True)
    tags_index = models.CharField(max_length=500, blank=True, db_index=True)
    skills = models.JSONField(default=list, blank=True)
    skills_index = models.CharField(max_length=1000, blank=True, db_index=True)
    order = models.IntegerField(default=0)
    body = models.TextField()
    body_html = models.TextField(blank=True)
    toc_html = models.TextField(blank=True)
    published = models.BooleanField(default=True, db_index=True)
    source_file = models.CharField(max_length=200, blank=True)
    source_hash = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


# --- question reports ----------------------------------------------------------------------------


class ReportReason(models.TextChoices):
    WRONG = "wrong", "The key is wrong"
    AMBIGUOUS = "ambiguous", "Ambiguous: more than one answer fits"
    OUTDATED = "outdated", "Outdated: AWS changed since"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class QuestionReport(models.Model):
    """A learner's report on a question; instructors resolve it beside the item statistics."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_reports"
    )
    attempt = models.ForeignKey(
        Attempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    reason = models.CharField(max_length=10, choices=ReportReason.choices)
    comment = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["question", "status"])]

    def __str__(self) -> str:
        return f"{self.question} · {self.reason} ({self.status})"
