"""The exam blueprint in the database: one row per knowledge or skill item of the exam guide."""

from __future__ import annotations

from django.db import models

from core.exam import DOMAINS


class SkillKind(models.TextChoices):
    """Whether the guide lists the item under "Knowledge of" or "Skills in"."""

    KNOWLEDGE = "knowledge", "Knowledge"
    SKILL = "skill", "Skill"


class Skill(models.Model):
    """A knowledge or skill item of content/exam-guide.yaml, e.g. `1.2.k3` or `3.4.s2`.

    Loaded by `load_content` (core.guide); questions, lessons and flashcards point at it.
    """

    code = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=10, choices=SkillKind.choices)
    domain = models.PositiveSmallIntegerField(
        choices=[(n, f"{n} {name}") for n, (name, _w) in DOMAINS.items()], db_index=True
    )
    task = models.CharField(max_length=8, db_index=True)
    # n of `<task>.k<n>` / `<task>.s<n>`: the item's place in its list in the guide.
    number = models.PositiveSmallIntegerField()
    # Place in the whole guide (domain, task, knowledge before skills, n): the sort order.
    position = models.PositiveIntegerField(db_index=True)
    text = models.CharField(max_length=300)
    topics = models.JSONField(default=list, blank=True)
    # An id dropped from the guide file is kept (history hangs on it) but marked inactive.
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"
