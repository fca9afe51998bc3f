"""The `ordering` query parameter: a fixed list of public names, each mapped to what the
database orders by, with the id as the last tie-breaker so that pages never overlap."""

from __future__ import annotations

from typing import Any

from django.db.models import F, OrderBy, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

ORDERING_PARAM = "ordering"


def choices(view: Any) -> list[str]:
    """Every accepted value of `ordering` for `view`: each field, ascending or descending."""
    return [f"{sign}{name}" for name in view.ordering_fields for sign in ("", "-")]


class OrderingBackend(BaseFilterBackend):
    """Orders a list by `?ordering=<field>` or `-<field>`; the view declares `ordering_fields`
    (public name → model field or annotation) and `default_ordering`.

    Cursor pagination asks `get_ordering()` for field names; page-number lists get expressions
    that put empty values last in both directions, on PostgreSQL as on SQLite.
    """

    def _requested(self, request: Request, view: Any) -> str:
        value = request.query_params.get(ORDERING_PARAM)
        if value is None or value == "":
            return view.default_ordering
        if value not in choices(view):
            raise ValidationError({ORDERING_PARAM: [
                f"Order by one of: {', '.join(choices(view))}."]})
        return value

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> tuple[str, ...]:
        requested = self._requested(request, view)
        descending = requested.startswith("-")
        field = view.ordering_fields[requested.lstrip("-")]
        sign = "-" if descending else ""
        return (f"{sign}{field}", f"{sign}id")

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        if getattr(view, "action", None) != "list":
            return queryset
        ordering = self.get_ordering(request, queryset, view)
        return queryset.order_by(*(self._expression(term) for term in ordering))

    @staticmethod
    def _expression(term: str) -> OrderBy:
        if term.startswith("-"):
            return F(term[1:]).desc(nulls_last=True)
        return F(term).asc(nulls_last=True)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [{
            "name": ORDERING_PARAM,
            "required": False,
            "in": "query",
            "description": f"Sort order; a leading minus sorts descending. Default "
                           f"`{view.default_ordering}`.",
            "schema": {"type": "string", "enum": choices(view)},
        }]
