"""What the validation app's list pages share: CSV downloads of what a list shows."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from validation.csvio.exporter import export_lines


def csv_response(kind: str, queryset: Any, filename: str) -> StreamingHttpResponse:
    """Stream `queryset` as a CSV download of `kind` (validation.csvio's export format)."""
    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(export_lines(kind, queryset),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response
