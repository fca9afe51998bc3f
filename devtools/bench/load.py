"""Loading the benchmark's rows two ways: Django's ORM and PostgreSQL's COPY (the floor)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from core.models import Organization
from validation.models import Evidence, EvidenceLink, Hypothesis, HypothesisStatusChange, ProductArea

from .data import AREAS, EVIDENCE_COLUMNS, HYPOTHESIS_COLUMNS, LINK_COLUMNS, DataSet

ORM_BATCH = 2_000
TABLES: tuple[tuple[type[Model], tuple[str, ...], str], ...] = (
    (Hypothesis, HYPOTHESIS_COLUMNS, "hypotheses"),
    (Evidence, EVIDENCE_COLUMNS, "evidence"),
    (EvidenceLink, LINK_COLUMNS, "links"),
)


def create_organizations(data: DataSet) -> None:
    """The organizations and their areas (not timed: a few dozen rows)."""
    for org in data.organizations:
        Organization.objects.create(id=org.id, slug=org.slug, name=org.name,
                                    timezone=org.timezone)
        ProductArea.objects.bulk_create(
            ProductArea(id=area_id, organization_id=org.id, name=name)
            for area_id, name in zip(org.area_ids, AREAS, strict=True))
    reset_sequences(Organization, ProductArea)


def _chunks(rows: Sequence[tuple], size: int) -> Iterator[Sequence[tuple]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _instances(model: type[Model], columns: tuple[str, ...], rows: Sequence[tuple]) -> list[Model]:
    """Model instances built positionally, in the order of the model's concrete fields (as
    Django builds instances from query rows); fields the rows lack (a generated column) are
    None."""
    position = {column: i for i, column in enumerate(columns)}
    order = [position.get(field.attname) for field in model._meta.concrete_fields]
    return [model(*[None if i is None else row[i] for i in order]) for row in rows]


def model_copy_load(data: DataSet) -> dict[str, float]:
    """The benchmark's loader: model instances, each value prepared by its model field exactly
    as `bulk_create` prepares it (`pre_save`, then `get_db_prep_save`: auto_now times, foreign
    keys, decimals), streamed to PostgreSQL with COPY instead of INSERT. One transaction per
    table.

    Returns the seconds spent on each table.
    """
    seconds = {}
    for model, columns, attribute in TABLES:
        started = time.perf_counter()
        fields = [field for field in model._meta.concrete_fields if not field.generated]
        names = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
        sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
        prepare = [(field.pre_save, field.get_db_prep_save) for field in fields]
        with transaction.atomic(), connection.cursor() as cursor, cursor.copy(sql) as copy:
            for chunk in _chunks(getattr(data, attribute), ORM_BATCH):
                for instance in _instances(model, columns, chunk):
                    copy.write_row([to_db(pre_save(instance, True), connection)
                                    for pre_save, to_db in prepare])
        seconds[attribute] = time.perf_counter() - started
    reset_sequences(*(model for model, _, _ in TABLES))
    return seconds


def orm_load(data: DataSet) -> dict[str, float]:
    """Django's `bulk_create` of model instances in batches (Django 5.2 sends each batch as one
    INSERT … SELECT FROM UNNEST(arrays), formatted client-side), one transaction per table.

    Returns the seconds spent on each table.
    """
    seconds = {}
    for model, columns, attribute in TABLES:
        started = time.perf_counter()
        rows = getattr(data, attribute)
        with transaction.atomic():
            for chunk in _chunks(rows, ORM_BATCH):
                model._default_manager.bulk_create(_instances(model, columns, chunk))
        seconds[attribute] = time.perf_counter() - started
    reset_sequences(*(model for model, _, _ in TABLES))
    return seconds


def copy_load(data: DataSet) -> dict[str, float]:
    """The floor: the same rows through COPY … FROM STDIN, one transaction per table.

    Returns the seconds spent on each table.
    """
    seconds = {}
    for model, columns, attribute in TABLES:
        started = time.perf_counter()
        names = ", ".join(f'"{column}"' for column in columns)
        with (transaction.atomic(), connection.cursor() as cursor,
              cursor.copy(f'COPY "{model._meta.db_table}" ({names}) FROM STDIN') as copy):
            for row in getattr(data, attribute):
                copy.write_row(row)
        seconds[attribute] = time.perf_counter() - started
    reset_sequences(*(model for model, _, _ in TABLES))
    return seconds


def truncate() -> None:
    """Empty the bulk tables (keeps organizations and areas)."""
    tables = ", ".join(f'"{model._meta.db_table}"' for model in
                       (EvidenceLink, Evidence, HypothesisStatusChange, Hypothesis))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY")


def reset_sequences(*models: type[Model]) -> None:
    """Move each table's id sequence past the explicit ids the loaders wrote."""
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                           f'COALESCE((SELECT max(id) FROM "{table}"), 0) + 1, false)')


def maintenance(*statements: str) -> None:
    """Run CHECKPOINT, VACUUM or ANALYZE (outside any transaction)."""
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def now_rounded() -> datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)
