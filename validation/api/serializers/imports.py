"""CSV imports: the upload and the job's state, progress and outcome."""

from __future__ import annotations

from rest_framework import serializers

from validation.csvio.formats import Kind
from validation.models.imports import ImportJob, ImportStatus

from .fields import username_of


class ImportInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, help_text=(
        "What the file holds; the columns of each kind are documented in the web app "
        "(Settings → Import CSV), which also offers a template per kind."))
    file = serializers.FileField(help_text="A UTF-8 CSV file with a header row, up to the "
                                           "size limit (10 MB by default).")


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line of the file where the row starts.")
    column = serializers.CharField(help_text="The column at fault; empty for the whole row.")
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices, read_only=True)
    status = serializers.ChoiceField(choices=ImportStatus.choices, read_only=True, help_text=(
        "queued → validating → writing → succeeded, or failed (nothing imported)."))
    percent = serializers.IntegerField(read_only=True, help_text="Rows checked, 0-100.")
    row_errors = RowErrorSerializer(many=True, read_only=True, help_text=(
        "The bad rows (at most 1,000); row_error_count gives how many there are."))
    created_by = username_of("created_by")

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "filename", "status", "total_rows", "processed_rows", "percent",
                  "created_count", "error", "row_errors", "row_error_count", "created_by",
                  "created_at", "started_at", "finished_at"]
        read_only_fields = fields
