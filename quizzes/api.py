"""API views: the bank without keys, attempts (start, answer, submit, result), review cards."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import StrictLimitOffsetPagination as Pagination
from core.api import WriteThrottle, query_choice
from core.exam import DOMAINS, TOPIC_TAGS
from quizzes import selectors, services
from quizzes.errors import QuizError
from quizzes.models import Attempt, Question, ReviewCard
from quizzes.serializers import (
    AnswerResultSerializer,
    AnswerSerializer,
    AttemptDetailSerializer,
    AttemptSerializer,
    AttemptStartSerializer,
    DueCountSerializer,
    ErrorSerializer,
    FlashcardNextSerializer,
    FlashcardRatingSerializer,
    FlashcardScheduleSerializer,
    ItemViewSerializer,
    QuestionSerializer,
    ReviewCardSerializer,
)
from quizzes.views import attempt_or_404, item_view_or_404


class WritesThrottled(APIView):
    """Throttle POSTs (answers, attempts) with the shared write throttle; reads are free."""

    def get_throttles(self):
        if self.request.method == "POST":
            return [WriteThrottle()]
        return []


# How booleans may be spelled in a query string (what clients and the schema send).
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _error(exc: QuizError) -> Response:
    return Response({"detail": exc.message}, status=exc.status)


def _owned(request: Request, attempt_id: int) -> Attempt:
    """The caller's attempt (404 otherwise), finalised first if its deadline passed."""
    return services.attempt_expire_if_due(attempt_or_404(request, attempt_id))


def _detail(attempt: Attempt) -> dict:
    context = {"now": timezone.now(), "item_views": selectors.attempt_item_views(attempt)}
    return AttemptDetailSerializer(attempt, context=context).data


@extend_schema(
    tags=["questions"],
    parameters=[
        OpenApiParameter("domain", OpenApiTypes.INT, enum=list(DOMAINS), description="1–4"),
        OpenApiParameter("tag", OpenApiTypes.STR, enum=list(TOPIC_TAGS), description="a topic tag"),
    ],
)
class QuestionList(generics.ListAPIView):
    """Published questions, without correct answers or explanations."""

    serializer_class = QuestionSerializer
    pagination_class = Pagination

    def get_queryset(self):
        queryset = Question.objects.filter(published=True).prefetch_related("options")
        domain = query_choice(self.request, "domain", {str(d): d for d in DOMAINS})
        if domain is not None:
            queryset = queryset.filter(domain=domain)
        tag = query_choice(self.request, "tag", {t: t for t in TOPIC_TAGS})
        if tag is not None:
            queryset = queryset.filter(tags_index__contains=f"|{tag}|")
        return queryset.order_by("domain", "external_id")


@extend_schema(tags=["questions"])
class QuestionDetail(generics.RetrieveAPIView):
    """One published question, without its key."""

    serializer_class = QuestionSerializer
    lookup_field = "external_id"
    lookup_url_kwarg = "question_id"

    def get_queryset(self):
        return Question.objects.filter(published=True).prefetch_related("options")


class AttemptListCreate(WritesThrottled, APIView):
    """Your attempts; POST starts a practice set, an exam (or resumes it) or a review session."""

    @extend_schema(tags=["attempts"], responses=AttemptSerializer(many=True))
    def get(self, request: Request) -> Response:
        attempts = selectors.attempts_for_user(request.user, limit=50)
        return Response(
            AttemptSerializer(attempts, many=True, context={"now": timezone.now()}).data
        )

    @extend_schema(
        tags=["attempts"],
        request=AttemptStartSerializer,
        responses={201: AttemptDetailSerializer, 409: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = AttemptStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mode = serializer.validated_data["mode"]
        try:
            if mode == Attempt.EXAM:
                data = serializer.validated_data
                attempt = services.attempt_start_exam(
                    request.user,
                    kind=data["kind"],
                    number=data.get("number"),
                    domain=data.get("domain"),
                )
            elif mode == Attempt.REVIEW:
                attempt = services.attempt_start_review(request.user)
            else:
                attempt = services.attempt_start_practice(request.user, serializer.filters())
        except QuizError as exc:
            return _error(exc)
        return Response(_detail(attempt), status=status.HTTP_201_CREATED)


class AttemptDetail(APIView):
    """One of your attempts; options carry keys and explanations only once revealed."""

    @extend_schema(tags=["attempts"], responses={200: AttemptDetailSerializer})
    def get(self, request: Request, attempt_id: int) -> Response:
        return Response(_detail(_owned(request, attempt_id)))


class AttemptAnswer(WritesThrottled, APIView):
    """Answer (or change, in an exam) the question at `position`. 409 once closed."""

    @extend_schema(
        tags=["attempts"],
        request=AnswerSerializer,
        responses={200: AnswerResultSerializer, 409: ErrorSerializer},
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = _owned(request, attempt_id)
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = services.attempt_answer(
                attempt, data["position"], data["selected"], flagged=data["flagged"]
            )
        except QuizError as exc:
            return _error(exc)
        attempt.refresh_from_db()
        view = item_view_or_404(attempt, data["position"], with_nav=False)
        return Response(
            {
                "saved": True,
                "attempt_finished": result.attempt_finished,
                "item": ItemViewSerializer(view).data,
            }
        )


class AttemptSubmit(WritesThrottled, APIView):
    """Submit and score. A second submission gets 409."""

    @extend_schema(
        tags=["attempts"],
        request=None,
        responses={200: AttemptDetailSerializer, 409: ErrorSerializer},
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = _owned(request, attempt_id)
        try:
            attempt = services.attempt_submit(attempt)
        except QuizError as exc:
            return _error(exc)
        return Response(_detail(attempt))


class AttemptResult(APIView):
    """The scored attempt with every question revealed; 409 while it is still running."""

    @extend_schema(
        tags=["attempts"], responses={200: AttemptDetailSerializer, 409: ErrorSerializer}
    )
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = _owned(request, attempt_id)
        if not attempt.finished:
            return Response(
                {"detail": "The attempt is still in progress: submit it first."},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(_detail(attempt))


@extend_schema(
    tags=["review"],
    parameters=[
        OpenApiParameter(
            "due", OpenApiTypes.BOOL, description="only cards due now (true/1 or false/0)"
        )
    ],
)
class ReviewCardList(generics.ListAPIView):
    """Your spaced-review cards, soonest due first."""

    serializer_class = ReviewCardSerializer
    pagination_class = Pagination

    def get_queryset(self):
        user = self.request.user  # IsAuthenticated: a real user
        queryset = ReviewCard.objects.filter(user_id=user.pk or 0).select_related("question")
        due_only = query_choice(self.request, "due", _BOOLEANS)
        if due_only:
            queryset = queryset.filter(due__lte=timezone.now(), question__published=True)
        return queryset.order_by("due", "pk")


class ReviewDueCount(APIView):
    """How many of your cards are due now."""

    @extend_schema(tags=["review"], responses=DueCountSerializer)
    def get(self, request: Request) -> Response:
        queue = selectors.daily_queue(request.user)
        return Response(
            {"due": queue["questions"], "flashcards": queue["flashcards"], "total": queue["total"]}
        )


@extend_schema(
    tags=["flashcards"],
    parameters=[
        OpenApiParameter("domain", OpenApiTypes.INT, description="1–4"),
        OpenApiParameter("task", OpenApiTypes.STR, description="e.g. 2.2"),
        OpenApiParameter("skill", OpenApiTypes.STR, description="e.g. 2.2.k1"),
        OpenApiParameter("tag", OpenApiTypes.STR, description="a topic tag"),
    ],
    responses=FlashcardNextSerializer,
)
class FlashcardNext(APIView):
    """The next flashcard of your session: due cards first, then new ones (20 a day)."""

    def get(self, request: Request) -> Response:
        domain = query_choice(request, "domain", {str(d): d for d in DOMAINS})
        filters = selectors.CardFilters(
            domain=domain,
            task=(request.query_params.get("task") or "")[:8],
            skill=(request.query_params.get("skill") or "")[:16],
            tag=(request.query_params.get("tag") or "")[:40],
        )
        session = selectors.flashcard_next(
            request.user, filters, now=timezone.now(), per_day=services.NEW_FLASHCARDS_PER_DAY
        )
        return Response(FlashcardNextSerializer(session).data)


class FlashcardRate(WritesThrottled, APIView):
    """Rate a flashcard; FSRS schedules its next review."""

    @extend_schema(
        tags=["flashcards"],
        request=FlashcardRatingSerializer,
        responses={200: FlashcardScheduleSerializer},
    )
    def post(self, request: Request, flashcard_id: int) -> Response:
        serializer = FlashcardRatingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            card = services.flashcard_rate(
                request.user, flashcard_id, serializer.validated_data["rating"]
            )
        except QuizError as exc:
            return _error(exc)
        return Response(FlashcardScheduleSerializer(card).data)
