"""CSV imports: upload a file (checked at once), then follow the background job."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.models import Role
from validation.csvio.reader import CsvFileError
from validation.csvio.services import import_start
from validation.models.imports import ImportJob

from ..serializers.imports import ImportInputSerializer, ImportJobSerializer
from .base import OrgScopedViewSet


@extend_schema_view(
    list=extend_schema(summary="The organization's imports, newest first"),
    retrieve=extend_schema(summary="One import: its status, progress and outcome"),
    create=extend_schema(
        summary="Import a CSV of hypotheses, interviews, sales calls or experiments",
        description=("The file's size, encoding and columns are checked at once (400 if the "
                     "file cannot be imported); the rows are then checked and written by a "
                     "background job — all of them or, if any row is invalid, none. Poll the "
                     "job until its status is succeeded or failed."),
        request={"multipart/form-data": ImportInputSerializer},
        responses={202: ImportJobSerializer}),
)
class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    OrgScopedViewSet[ImportJob]):
    queryset = ImportJob.objects.all()
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]
    roles = {"create": Role.MEMBER}

    def org_queryset(self) -> QuerySet[ImportJob]:
        return (ImportJob.objects.for_org(self.organization).select_related("created_by")
                .defer("content").order_by("-created_at", "-id"))

    def create(self, request: Request, slug: str) -> Response:
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:  # the upload's size is checked, then it is read as a stream (never whole)
            job = import_start(organization=self.organization, user=self.user,
                               kind=serializer.validated_data["kind"], filename=upload.name,
                               data=upload)
        except CsvFileError as exc:
            raise serializers.ValidationError({"file": [str(exc)]}) from None
        job = self.get_queryset().get(pk=job.pk)
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)
