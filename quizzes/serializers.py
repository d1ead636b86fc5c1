"""API serializers. Keys and explanations only ever come from revealed OptionViews."""

from __future__ import annotations

import hashlib

from django.conf import settings
from rest_framework import serializers

from core.api import (
    RejectUnknownFields,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)
from core.exam import DIFFICULTIES, DOMAINS, TOPIC_TAGS
from quizzes.models import Attempt, ExamKind, Question, ReviewCard
from quizzes.services import PRACTICE_MAX, PracticeFilters


def _neutral_order(question_id: int, option_id: int) -> str:
    # The bank API lists options in an order that says nothing about the file order (authors
    # tend to write the key first): a keyed hash, stable between calls.
    return hashlib.sha256(f"{settings.SECRET_KEY}:{question_id}:{option_id}".encode()).hexdigest()


class QuestionSerializer(serializers.ModelSerializer):
    """A bank question without keys or explanations."""

    id = serializers.CharField(source="external_id")
    options = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id",
            "domain",
            "task",
            "tags",
            "difficulty",
            "type",
            "choose",
            "stem_html",
            "options",
        ]

    def get_options(self, question: Question) -> list[str]:
        options = sorted(question.options.all(), key=lambda o: _neutral_order(question.pk, o.pk))
        return [o.text_html for o in options]


class OptionViewSerializer(serializers.Serializer):
    letter = serializers.CharField()
    text_html = serializers.CharField()
    selected = serializers.BooleanField()
    correct = serializers.BooleanField(allow_null=True, help_text="null until revealed")
    explanation_html = serializers.CharField(allow_null=True, help_text="null until revealed")


class ItemViewSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="item.position")
    question_id = serializers.CharField(source="question.external_id")
    domain = serializers.IntegerField(source="question.domain")
    type = serializers.CharField(source="question.type")
    choose = serializers.IntegerField(source="question.choose")
    stem_html = serializers.CharField(source="question.stem_html")
    options = OptionViewSerializer(many=True)
    flagged = serializers.BooleanField(source="item.flagged")
    answered = serializers.SerializerMethodField()
    revealed = serializers.BooleanField()
    correct = serializers.SerializerMethodField()
    time_spent_ms = serializers.SerializerMethodField()

    def get_answered(self, view) -> bool:
        return view.item.answered_at is not None

    def get_correct(self, view) -> bool | None:
        return view.item.correct if view.revealed else None

    def get_time_spent_ms(self, view) -> int | None:
        return view.item.time_spent_ms if view.attempt.finished else None


class AttemptSerializer(serializers.ModelSerializer):
    remaining_seconds = serializers.SerializerMethodField()
    practice_exam_number = serializers.IntegerField(
        source="practice_exam.number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Attempt
        fields = [
            "id",
            "mode",
            "kind",
            "practice_exam_number",
            "section_domain",
            "status",
            "started_at",
            "deadline",
            "remaining_seconds",
            "submitted_at",
            "total",
            "correct_count",
            "raw_percent",
            "scaled_score",
            "passed",
            "domain_scores",
            "notes",
        ]

    def get_remaining_seconds(self, attempt: Attempt) -> int | None:
        now = self.context.get("now")
        if attempt.deadline is None or attempt.finished or now is None:
            return None
        return max(0, int((attempt.deadline - now).total_seconds()))


class AttemptDetailSerializer(AttemptSerializer):
    items = serializers.SerializerMethodField()

    class Meta(AttemptSerializer.Meta):
        fields = [*AttemptSerializer.Meta.fields, "items"]

    def get_items(self, attempt: Attempt) -> list[dict]:
        return list(ItemViewSerializer(self.context["item_views"], many=True).data)


class AttemptStartSerializer(RejectUnknownFields, serializers.Serializer):
    mode = serializers.ChoiceField(choices=[m for m, _label in Attempt.MODES])
    kind = serializers.ChoiceField(
        choices=ExamKind.values,
        default=ExamKind.RANDOM,
        help_text="exam mode: random, named (with number), section (with domain) or final",
    )
    number = StrictIntegerField(min_value=1, max_value=50, required=False, allow_null=True)
    domain = StrictIntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    domains = serializers.ListField(
        child=serializers.ChoiceField(choices=list(DOMAINS)), required=False, default=list
    )
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=list(TOPIC_TAGS)), required=False, default=list
    )
    difficulties = serializers.ListField(
        child=serializers.ChoiceField(choices=list(DIFFICULTIES)), required=False, default=list
    )
    skills = serializers.ListField(
        child=StrictCharField(max_length=16),
        required=False,
        default=list,
        max_length=50,
        help_text='exam-guide skill ids, e.g. ["1.2.k3"]',
    )
    count = StrictIntegerField(min_value=1, max_value=PRACTICE_MAX, default=10)
    only_wrong = StrictBooleanField(default=False)
    only_new = StrictBooleanField(default=False)

    def validate(self, attrs: dict) -> dict:
        if attrs["mode"] == Attempt.EXAM:
            if attrs["kind"] == ExamKind.NAMED and not attrs.get("number"):
                raise serializers.ValidationError({"number": "Which practice exam (1, 2, …)?"})
            if attrs["kind"] == ExamKind.SECTION and not attrs.get("domain"):
                raise serializers.ValidationError({"domain": "Which domain (1–4)?"})
        return attrs

    def filters(self) -> PracticeFilters:
        data = self.validated_data
        return PracticeFilters(
            domains=tuple(data["domains"]),
            tags=tuple(data["tags"]),
            difficulties=tuple(data["difficulties"]),
            count=data["count"],
            only_wrong=data["only_wrong"],
            only_new=data["only_new"],
            skills=tuple(data["skills"]),
        )


class AnswerSerializer(RejectUnknownFields, serializers.Serializer):
    position = StrictIntegerField(min_value=1)
    selected = serializers.ListField(
        child=StrictCharField(max_length=1), max_length=10, help_text='letters, e.g. ["A"]'
    )
    flagged = StrictBooleanField(required=False, allow_null=True, default=None)


class AnswerResultSerializer(serializers.Serializer):
    saved = serializers.BooleanField()
    attempt_finished = serializers.BooleanField()
    item = ItemViewSerializer()


class ReviewCardSerializer(serializers.ModelSerializer):
    question_id = serializers.CharField(source="question.external_id")
    state = serializers.SerializerMethodField()

    class Meta:
        model = ReviewCard
        fields = ["question_id", "due", "reps", "lapses", "last_rating", "last_review", "state"]

    def get_state(self, card: ReviewCard) -> str:
        return {1: "learning", 2: "review", 3: "relearning"}.get(card.card.get("state"), "new")


class DueCountSerializer(serializers.Serializer):
    due = serializers.IntegerField(help_text="question cards due now")
    flashcards = serializers.IntegerField(help_text="flashcards due now (the same daily queue)")
    total = serializers.IntegerField()


class FlashcardSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    external_id = serializers.CharField()
    front_html = serializers.CharField()
    back_html = serializers.CharField()
    skills = serializers.ListField(child=serializers.CharField())
    domain = serializers.IntegerField()
    task = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    reference = serializers.DictField(child=serializers.CharField())


class FlashcardNextSerializer(serializers.Serializer):
    card = FlashcardSerializer(allow_null=True)
    is_new = serializers.BooleanField()
    due = serializers.IntegerField()
    new_available = serializers.IntegerField()
    new_left_today = serializers.IntegerField()


class FlashcardRatingSerializer(RejectUnknownFields, serializers.Serializer):
    rating = StrictIntegerField(
        min_value=1, max_value=4, help_text="1 Again, 2 Hard, 3 Good, 4 Easy"
    )


class FlashcardScheduleSerializer(serializers.Serializer):
    due = serializers.DateTimeField()
    reps = serializers.IntegerField()
    lapses = serializers.IntegerField()
    last_rating = serializers.IntegerField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
