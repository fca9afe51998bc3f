"""Pagination: page numbers with a count for ordinary lists, cursors for evidence lists (which
grow large and are read newest first). `page_size` may go up to 200."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination

MAX_PAGE_SIZE = 200


def _all_required(schema: dict[str, Any]) -> dict[str, Any]:
    schema["required"] = sorted(schema["properties"])
    return schema


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = f"Results per page, 1 to {MAX_PAGE_SIZE} (default 50)."
    max_page_size = MAX_PAGE_SIZE

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _all_required(super().get_paginated_response_schema(schema))


class EvidenceCursorPagination(pagination.CursorPagination):
    """Stable pages however fast evidence is added. Ordering comes from the view's ordering
    backend; the default is newest evidence first."""

    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = f"Results per page, 1 to {MAX_PAGE_SIZE} (default 50)."
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-evidence_time", "-id")

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _all_required(super().get_paginated_response_schema(schema))
