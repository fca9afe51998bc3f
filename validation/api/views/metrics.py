"""The metrics endpoints: thin wrappers over validation.metrics, which owns the definitions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from core.models import Organization
from validation import metrics

from ..serializers.metrics import (
    CycleTimeQuerySerializer,
    CycleTimeSerializer,
    VelocityQuerySerializer,
    VelocitySerializer,
)
from .base import OrgScopedViewSet


class MetricsViewSet(OrgScopedViewSet[Organization]):
    pagination_class = None
    filter_backends: list[Any] = []

    def _query(self, serializer_class: type) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(summary="Cycle-time statistics of the hypotheses decided in a window",
                   parameters=[CycleTimeQuerySerializer], responses={200: CycleTimeSerializer})
    def cycle_time(self, request: Request, slug: str) -> Response:
        query = self._query(CycleTimeQuerySerializer)
        window = metrics.window_for_dates(self.organization, query.get("from"), query.get("to"))
        return Response(metrics.cycle_time_stats(self.organization, window=window,
                                                 area=query.get("area") or None))

    @extend_schema(summary="Weekly throughput, cycle time and evidence mix",
                   parameters=[VelocityQuerySerializer], responses={200: VelocitySerializer})
    def velocity(self, request: Request, slug: str) -> Response:
        query = self._query(VelocityQuerySerializer)
        weeks = metrics.velocity_by_week(self.organization, weeks=query["weeks"],
                                         area=query.get("area") or None)
        return Response({"weeks": weeks})
