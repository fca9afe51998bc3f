"""Interviews, sales calls and experiments: one ViewSet shape, three sources."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from validation import services
from validation.models import Evidence, EvidenceLink, Experiment, Interview, SalesCall, Source

from ..filters import (
    ExperimentFilterSet,
    InterviewFilterSet,
    OrgFilterBackend,
    SalesCallFilterSet,
)
from ..ordering import OrderingBackend
from ..pagination import EvidenceCursorPagination
from ..serializers.evidence import (
    ExperimentInputSerializer,
    ExperimentSerializer,
    InterviewInputSerializer,
    InterviewSerializer,
    SalesCallInputSerializer,
    SalesCallSerializer,
)
from .base import OrgScopedViewSet


class EvidenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      OrgScopedViewSet[Evidence]):
    """List (by cursor), log, retrieve, edit and delete evidence of one source."""

    source: ClassVar[str]
    model: ClassVar[type[Evidence]]
    input_serializer_class: ClassVar[type[serializers.Serializer]]
    filter_backends = [OrgFilterBackend, OrderingBackend]
    pagination_class = EvidenceCursorPagination
    # The evidence time, or a running experiment's start: never empty, so cursors work.
    ordering_fields = {"evidence_at": "evidence_time", "created_at": "created_at"}
    default_ordering = "-evidence_at"
    error_fields = {"evidence": "hypotheses", "hypothesis": "hypotheses"}

    def org_queryset(self) -> QuerySet[Evidence]:
        links = EvidenceLink.objects.order_by("id").only("id", "evidence_id", "hypothesis_id",
                                                         "stance", "strength")
        return (self.model.objects.for_org(self.organization)
                .annotate(evidence_time=Coalesce("evidence_at", "started_at"))
                .select_related("created_by")
                .prefetch_related(Prefetch("links", queryset=links)))

    def _input(self, **kwargs: Any) -> dict[str, Any]:
        serializer = self.input_serializer_class(data=self.request.data,
                                                 context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _fresh(self, evidence: Evidence, status_code: int = status.HTTP_200_OK) -> Response:
        evidence = self.get_queryset().get(pk=evidence.pk)
        return Response(self.get_serializer(evidence).data, status=status_code)

    def create(self, request: Request, slug: str) -> Response:
        data = self._input()
        evidence = services.evidence_log(organization=self.organization, user=self.user,
                                         source=self.source, links=data.pop("hypotheses", ()),
                                         **data)
        return self._fresh(evidence, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, slug: str, pk: str) -> Response:
        evidence = self.get_object()
        data = self._input(partial=True)
        services.evidence_update(evidence=evidence, links=data.pop("hypotheses", None), **data)
        return self._fresh(evidence)

    def destroy(self, request: Request, slug: str, pk: str) -> Response:
        services.evidence_delete(evidence=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _documented(noun: str, plural: str, output: type, input_: type) -> Any:
    return extend_schema_view(
        list=extend_schema(summary=f"{plural}, newest evidence first (cursor pages)"),
        create=extend_schema(summary=f"Log {noun}", request=input_, responses={201: output}),
        retrieve=extend_schema(summary=f"One {noun.split(' ', 1)[1]}"),
        partial_update=extend_schema(summary=f"Edit {noun}; `hypotheses` replaces its links",
                                     request=input_, responses={200: output}),
        destroy=extend_schema(summary=f"Delete {noun}"),
    )


@_documented("an interview", "Interviews", InterviewSerializer, InterviewInputSerializer)
class InterviewViewSet(EvidenceViewSet):
    source = Source.INTERVIEW
    model = Interview
    queryset = Interview.objects.all()
    serializer_class = InterviewSerializer
    input_serializer_class = InterviewInputSerializer
    filterset_class = InterviewFilterSet


@_documented("a sales call", "Sales calls", SalesCallSerializer, SalesCallInputSerializer)
class SalesCallViewSet(EvidenceViewSet):
    source = Source.SALES_CALL
    model = SalesCall
    queryset = SalesCall.objects.all()
    serializer_class = SalesCallSerializer
    input_serializer_class = SalesCallInputSerializer
    filterset_class = SalesCallFilterSet


@_documented("an experiment", "Experiments", ExperimentSerializer, ExperimentInputSerializer)
class ExperimentViewSet(EvidenceViewSet):
    source = Source.EXPERIMENT
    model = Experiment
    queryset = Experiment.objects.all()
    serializer_class = ExperimentSerializer
    input_serializer_class = ExperimentInputSerializer
    filterset_class = ExperimentFilterSet
