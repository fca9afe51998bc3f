"""Hypotheses: list, create, retrieve, update, delete, decide, reopen, and their timeline and
status history."""

from __future__ import annotations

from django.db.models import F, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from validation import services
from validation.models import EvidenceLink, Hypothesis

from ..filters import HypothesisFilterSet, OrgFilterBackend
from ..ordering import OrderingBackend
from ..serializers.hypotheses import (
    DecisionSerializer,
    HypothesisInputSerializer,
    HypothesisSerializer,
    ReopenSerializer,
    StatusChangeSerializer,
    TimelineEntrySerializer,
)
from .base import OrgScopedViewSet


@extend_schema_view(
    list=extend_schema(summary="Hypotheses of the organization"),
    create=extend_schema(summary="State a hypothesis", request=HypothesisInputSerializer,
                         responses={201: HypothesisSerializer}),
    retrieve=extend_schema(summary="One hypothesis, with its derived cycle-time values"),
    partial_update=extend_schema(summary="Edit a hypothesis (not its status: decide or reopen)",
                                 request=HypothesisInputSerializer,
                                 responses={200: HypothesisSerializer}),
    destroy=extend_schema(summary="Delete a hypothesis"),
)
class HypothesisViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        OrgScopedViewSet[Hypothesis]):
    """The timeline and history routes are built without pagination or filters (urls.py)."""

    queryset = Hypothesis.objects.all()
    serializer_class = HypothesisSerializer
    filter_backends = [OrgFilterBackend, OrderingBackend]
    filterset_class = HypothesisFilterSet
    ordering_fields = {
        "stated_at": "stated_at", "decided_at": "decided_at", "created_at": "created_at",
        "updated_at": "updated_at", "title": "title", "evidence_count": "evidence_count",
        "last_evidence_at": "last_evidence_at", "cycle_time_days": "cycle_time",
    }
    default_ordering = "-stated_at"
    error_fields = {"decision_note": "note"}

    def org_queryset(self) -> QuerySet[Hypothesis]:
        return Hypothesis.objects.for_org(self.organization).select_related("area", "owner")

    def _fresh(self, hypothesis: Hypothesis) -> Response:
        """The hypothesis as stored now: derived values are recomputed on commit."""
        return Response(self.get_serializer(self.get_queryset().get(pk=hypothesis.pk)).data)

    def create(self, request: Request, slug: str) -> Response:
        serializer = HypothesisInputSerializer(data=request.data,
                                               context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        hypothesis = services.hypothesis_create(organization=self.organization, user=self.user,
                                                **serializer.validated_data)
        response = self._fresh(hypothesis)
        response.status_code = status.HTTP_201_CREATED
        return response

    def partial_update(self, request: Request, slug: str, pk: str) -> Response:
        hypothesis = self.get_object()
        serializer = HypothesisInputSerializer(data=request.data, partial=True,
                                               context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.hypothesis_update(hypothesis=hypothesis, **serializer.validated_data)
        return self._fresh(hypothesis)

    def destroy(self, request: Request, slug: str, pk: str) -> Response:
        services.hypothesis_delete(hypothesis=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Decide: validated, invalidated or abandoned",
                   request=DecisionSerializer, responses={200: HypothesisSerializer})
    def decide(self, request: Request, slug: str, pk: str) -> Response:
        hypothesis = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.hypothesis_decide(hypothesis=hypothesis, user=self.user,
                                   **serializer.validated_data)
        return self._fresh(hypothesis)

    @extend_schema(summary="Reopen a decided hypothesis; its decision stays in the history",
                   request=ReopenSerializer, responses={200: HypothesisSerializer})
    def reopen(self, request: Request, slug: str, pk: str) -> Response:
        hypothesis = self.get_object()
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.hypothesis_reopen(hypothesis=hypothesis, user=self.user,
                                   **serializer.validated_data)
        return self._fresh(hypothesis)

    @extend_schema(summary="Linked evidence of all three sources, in evidence-time order",
                   description="Running experiments come last, by start. `counted` says whether "
                               "the evidence counts for the cycle times.",
                   responses={200: TimelineEntrySerializer(many=True)})
    def timeline(self, request: Request, slug: str, pk: str) -> Response:
        hypothesis = self.get_object()
        links = (EvidenceLink.objects.filter(hypothesis=hypothesis).select_related("evidence")
                 .order_by(F("evidence__evidence_at").asc(nulls_last=True),
                           "evidence__started_at", "evidence_id"))
        return Response(TimelineEntrySerializer(links, many=True,
                                                context={"hypothesis": hypothesis}).data)

    @extend_schema(summary="Status history: creation, decisions and reopenings, oldest first",
                   responses={200: StatusChangeSerializer(many=True)})
    def history(self, request: Request, slug: str, pk: str) -> Response:
        hypothesis = self.get_object()
        changes = hypothesis.status_changes.select_related("changed_by").order_by("changed_at", "id")
        return Response(StatusChangeSerializer(changes, many=True).data)
