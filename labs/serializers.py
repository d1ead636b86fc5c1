"""API shapes for labs; the reference solution is never part of any of them."""

from __future__ import annotations

from rest_framework import serializers

from core.api import RejectUnknownFields, StrictCharField, StrictSlugField
from labs.models import Lab, Submission
from simulator import Severity

MAX_CHECK_BYTES = 200_000


class LabListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lab
        fields = ["slug", "title", "summary", "domain", "task", "skills", "tags", "difficulty",
                  "minutes"]  # fmt: skip


class LabDetailSerializer(LabListSerializer):
    objectives = serializers.SerializerMethodField()
    instructions_html = serializers.CharField()
    files = serializers.SerializerMethodField()
    hints = serializers.SerializerMethodField()
    checks = serializers.SerializerMethodField()
    max_points = serializers.IntegerField()

    class Meta(LabListSerializer.Meta):
        fields = [*LabListSerializer.Meta.fields, "objectives", "instructions_html", "files",
                  "hints", "checks", "max_points"]  # fmt: skip

    def get_objectives(self, lab: Lab) -> list[str]:
        return lab.spec["objectives"]

    def get_files(self, lab: Lab) -> dict[str, str]:
        """The starter files (what the learner edits)."""
        return lab.spec["files"]

    def get_hints(self, lab: Lab) -> list[dict]:
        """Hint costs only; the text comes when revealed."""
        return [{"index": i, "cost": h["cost"]} for i, h in enumerate(lab.spec.get("hints", []))]

    def get_checks(self, lab: Lab) -> list[dict]:
        """What will be checked (titles and points), never how to pass it."""
        return [
            {"id": c["id"], "title": c["title"] or c["type"], "points": c["points"]}
            for c in lab.spec["checks"]
        ]


class CheckRequestSerializer(RejectUnknownFields, serializers.Serializer):
    text = StrictCharField(allow_blank=True, trim_whitespace=False, max_length=MAX_CHECK_BYTES)
    filename = StrictCharField(max_length=200, default="<editor>")
    kind = serializers.ChoiceField(
        choices=["auto", "buildspec", "appspec", "pipeline", "template"], default="auto"
    )
    platform = serializers.ChoiceField(
        choices=["ec2", "lambda", "ecs"], required=False, allow_null=True
    )
    image = StrictCharField(max_length=200, required=False, allow_blank=True)
    lab = StrictSlugField(required=False, allow_blank=True)

    def validate_lab(self, slug: str) -> str:
        if slug and not Lab.objects.filter(slug=slug, published=True).exists():
            raise serializers.ValidationError(
                f"There is no published lab '{slug}': use a slug from GET /api/labs/."
            )
        return slug


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=[level.value for level in Severity])
    line = serializers.IntegerField()
    column = serializers.IntegerField()
    path = serializers.CharField(allow_blank=True)
    message = serializers.CharField()
    hint = serializers.CharField(allow_blank=True)
    doc = serializers.CharField(
        allow_blank=True, help_text="The lesson that teaches this rule: /study/<doc>/"
    )


class CheckResponseSerializer(serializers.Serializer):
    file = serializers.CharField()
    kind = serializers.CharField()
    findings = FindingSerializer(many=True)


class FilesSerializer(RejectUnknownFields, serializers.Serializer):
    files = serializers.DictField(child=StrictCharField(allow_blank=True, trim_whitespace=False))


class ApprovalSerializer(RejectUnknownFields, serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])


class SubmissionSerializer(serializers.ModelSerializer):
    lab: serializers.SlugRelatedField[Lab] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    queue_position = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["id", "lab", "number", "status", "queue_position", "score", "max_score",
                  "percent", "hint_penalty", "results", "findings", "log", "error_message",
                  "approval", "regrade_pending", "created_at", "started_at",
                  "finished_at"]  # fmt: skip

    def get_queue_position(self, submission: Submission) -> int:
        from labs.selectors import queue_position

        return queue_position(submission)
