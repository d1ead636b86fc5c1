"""Lab API: catalogue, the checker the editor calls, drafts, submissions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

import simulator
from core.api import CheckThrottle, SubmissionThrottle, WriteThrottle
from labs import selectors, services
from labs.grader import findings_with_lessons
from labs.serializers import (
    ApprovalSerializer,
    CheckRequestSerializer,
    CheckResponseSerializer,
    FilesSerializer,
    LabDetailSerializer,
    LabListSerializer,
    SubmissionSerializer,
)
from labs.views import lab_or_404, submission_or_404


@extend_schema(responses=LabListSerializer(many=True))
@api_view(["GET"])
def lab_list(request: Request) -> Response:
    """Published labs (the catalogue's cards carry every field the list serializer reads)."""
    return Response(LabListSerializer(selectors.lab_list(), many=True).data)


@extend_schema(responses=LabDetailSerializer)
@api_view(["GET"])
def lab_detail(request: Request, slug: str) -> Response:
    """One lab with its starter files (never the reference solution)."""
    return Response(LabDetailSerializer(lab_or_404(slug)).data)


@extend_schema(request=CheckRequestSerializer, responses=CheckResponseSerializer)
@api_view(["POST"])
@throttle_classes([CheckThrottle])
def check(request: Request) -> Response:
    """Files in, findings out: what the editor calls while the learner types."""
    body = CheckRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    options = {}
    if data.get("platform"):
        options["platform"] = data["platform"]
    if data.get("image"):
        options["image"] = data["image"]
    if data.get("lab") and not options:
        lab = lab_or_404(data["lab"])
        scenario = lab.spec["scenario"]
        if scenario.get("platform"):
            options["platform"] = scenario["platform"]
        if scenario.get("image"):
            options["image"] = scenario["image"]
    kind = data["kind"]
    if kind != "appspec":
        options.pop("platform", None)
    report = simulator.check(data["text"], kind=kind, filename=data["filename"], **options)
    return Response({**report.to_dict(), "findings": findings_with_lessons(report)})


@extend_schema(request=FilesSerializer, responses={204: None})
@api_view(["PUT"])
@throttle_classes([WriteThrottle])
def draft_save(request: Request, slug: str) -> Response:
    """Save the learner's draft files."""
    lab = lab_or_404(slug)
    body = FilesSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        services.draft_save(request.user, lab, body.validated_data["files"])
    except services.SubmissionRejected as exc:
        return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=FilesSerializer, responses={201: SubmissionSerializer})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@throttle_classes([SubmissionThrottle])
def submission_create(request: Request, slug: str) -> Response:
    """Run & grade: queue a grading of the files."""
    lab = lab_or_404(slug)
    body = FilesSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        submission = services.submission_create(request.user, lab, body.validated_data["files"])
    except services.SubmissionRejected as exc:
        code = (
            status.HTTP_429_TOO_MANY_REQUESTS if exc.wait_seconds else status.HTTP_400_BAD_REQUEST
        )
        payload: dict[str, object] = {"detail": exc.message}
        headers: dict[str, str] = {}
        if exc.wait_seconds:
            payload["wait_seconds"] = exc.wait_seconds
            headers["Retry-After"] = str(exc.wait_seconds)
        return Response(payload, status=code, headers=headers)
    return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=SubmissionSerializer)
@api_view(["GET"])
def submission_detail(request: Request, pk: int) -> Response:
    """Status, queue position, log and result of one of your submissions."""
    return Response(SubmissionSerializer(submission_or_404(request, pk)).data)


@extend_schema(request=ApprovalSerializer, responses={200: SubmissionSerializer})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@throttle_classes([WriteThrottle])
def submission_approval(request: Request, pk: int) -> Response:
    """Approve or reject your paused pipeline; the answer is the submission, now resuming (poll
    it until it is graded)."""
    submission = submission_or_404(request, pk)
    if submission.user_id != request.user.pk:
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    body = ApprovalSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        services.submission_decide_approval(
            submission, approve=body.validated_data["decision"] == "approve"
        )
    except services.SubmissionRejected as exc:
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    submission.refresh_from_db()
    return Response(SubmissionSerializer(submission).data)
