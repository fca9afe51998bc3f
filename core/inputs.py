"""Input rules are defined once, on the model fields; forms, serializers and the CSV importer
read them from there instead of repeating them."""

from __future__ import annotations

from django.db.models import Model


def max_length(model: type[Model], field: str) -> int:
    """The longest text the model's `field` accepts."""
    length = model._meta.get_field(field).max_length  # type: ignore[union-attr]
    if length is None:
        raise ValueError(f"{model.__name__}.{field} has no max_length")
    return int(length)
