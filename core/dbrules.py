"""Database rules Django's constraint classes cannot express, as migration operations.

- `SameOrganization`: a foreign key whose target must belong to the row's own organization.
  PostgreSQL enforces it with a composite foreign key on (fk, organization_id) referencing
  the target's unique (id, organization_id); SQLite with triggers.
- `NotInFuture`: an instant column may not lie in the future when written. PostgreSQL checks
  it with `now()` (a row valid when written stays valid, since time only moves forward);
  SQLite, which forbids non-deterministic CHECKs, with triggers.

Both are tested against the database in tests/test_database_rules.py. Note for SQLite: a later
migration that makes Django rebuild one of these tables (adding or removing a CHECK constraint
does) drops its triggers, and fails when another table's trigger names the rebuilt one; those
tests catch it. Such a migration lists the rules with `sqlite_triggers="drop"` before the
rebuilds and `sqlite_triggers="recreate"` after them (no-ops on PostgreSQL, whose constraints
survive): the triggers are then lifted and put back, whichever way the migration runs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.migrations.operations.base import Operation

# How far ahead of the database's clock an instant may be (clock skew between servers).
FUTURE_TOLERANCE = timedelta(minutes=1)


class _VendorSQL(Operation):
    reduces_to_sql = False
    reversible = True

    def __init__(self, model_name: str, *, sqlite_triggers: str = "") -> None:
        if sqlite_triggers not in ("", "drop", "recreate"):
            raise ValueError(f"sqlite_triggers is 'drop' or 'recreate', not {sqlite_triggers!r}")
        self.model_name = model_name
        # Around SQLite table rebuilds only (see the module's docstring): "drop" the rule's
        # triggers, or "recreate" them; run backwards, each does the other.
        self.sqlite_triggers = sqlite_triggers

    def _options(self) -> dict[str, Any]:
        return {"sqlite_triggers": self.sqlite_triggers} if self.sqlite_triggers else {}

    def _sqlite_note(self) -> str:
        return f" (SQLite: {self.sqlite_triggers} its triggers)" if self.sqlite_triggers else ""

    def state_forwards(self, app_label: str, state: Any) -> None:
        """These rules live in the database only; Django's model state is unchanged."""

    def _run(self, schema_editor: Any, app_label: str, state: Any, forwards: bool) -> None:
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        vendor = schema_editor.connection.vendor
        create = forwards
        if self.sqlite_triggers:
            if vendor != "sqlite":
                return
            # "recreate" creates them forwards and drops them backwards; "drop" the reverse.
            create = forwards == (self.sqlite_triggers == "recreate")
        statements = self.forwards_sql(vendor, model) if create else self.backwards_sql(vendor, model)
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any,
                          to_state: Any) -> None:
        self._run(schema_editor, app_label, to_state, forwards=True)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any,
                           to_state: Any) -> None:
        self._run(schema_editor, app_label, from_state, forwards=False)

    def forwards_sql(self, vendor: str, model: Any) -> list[str]:
        raise NotImplementedError

    def backwards_sql(self, vendor: str, model: Any) -> list[str]:
        raise NotImplementedError


class SameOrganization(_VendorSQL):
    """The row's `field` must point at a row of the same organization."""

    def __init__(self, model_name: str, field: str, *, sqlite_triggers: str = "") -> None:
        super().__init__(model_name, sqlite_triggers=sqlite_triggers)
        self.field = field

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [], {"model_name": self.model_name, "field": self.field,
                                                 **self._options()}

    def describe(self) -> str:
        return f"Require {self.model_name}.{self.field} to be in the row's organization{self._sqlite_note()}"

    def _names(self, model: Any) -> tuple[str, str, str, str]:
        field = model._meta.get_field(self.field)
        table = model._meta.db_table
        target = field.related_model._meta.db_table
        name = f"{table}_{field.column}_same_org"[:63]
        return table, field.column, target, name

    def forwards_sql(self, vendor: str, model: Any) -> list[str]:
        table, column, target, name = self._names(model)
        if vendor == "postgresql":
            return [
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}", '
                f'"organization_id") REFERENCES "{target}" ("id", "organization_id") '
                f"DEFERRABLE INITIALLY DEFERRED"
            ]
        message = f"{name}: {self.model_name}.{self.field} must belong to the same organization"
        mismatch = (
            f'NEW."{column}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "{target}" t '
            f'WHERE t."id" = NEW."{column}" AND t."organization_id" = NEW."organization_id")'
        )
        raise_ = f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        return [
            f'CREATE TRIGGER "{name}_insert" BEFORE INSERT ON "{table}" FOR EACH ROW '
            f"WHEN {mismatch} {raise_}",
            f'CREATE TRIGGER "{name}_update" BEFORE UPDATE OF "{column}", "organization_id" '
            f'ON "{table}" FOR EACH ROW WHEN {mismatch} {raise_}',
            f'CREATE TRIGGER "{name}_target" BEFORE UPDATE OF "organization_id" ON "{target}" '
            f'FOR EACH ROW WHEN NEW."organization_id" != OLD."organization_id" AND EXISTS '
            f'(SELECT 1 FROM "{table}" r WHERE r."{column}" = OLD."id") {raise_}',
        ]

    def backwards_sql(self, vendor: str, model: Any) -> list[str]:
        table, _, _, name = self._names(model)
        if vendor == "postgresql":
            return [f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"']
        return [f'DROP TRIGGER IF EXISTS "{name}_{suffix}"' for suffix in ("insert", "update", "target")]


class NotInFuture(_VendorSQL):
    """Each of `fields` (instants) may not be later than the database's clock when written."""

    def __init__(self, model_name: str, fields: list[str], *, sqlite_triggers: str = "") -> None:
        super().__init__(model_name, sqlite_triggers=sqlite_triggers)
        self.fields = list(fields)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [], {"model_name": self.model_name,
                                                 "fields": self.fields, **self._options()}

    def describe(self) -> str:
        return f"Refuse future instants in {self.model_name}.{', '.join(self.fields)}{self._sqlite_note()}"

    def _columns(self, model: Any) -> list[tuple[str, str]]:
        table = model._meta.db_table
        return [(model._meta.get_field(f).column, f"{table}_{f}_not_in_future"[:63]) for f in self.fields]

    def forwards_sql(self, vendor: str, model: Any) -> list[str]:
        table = model._meta.db_table
        seconds = int(FUTURE_TOLERANCE.total_seconds())
        statements = []
        for column, name in self._columns(model):
            if vendor == "postgresql":
                statements.append(
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK '
                    f"(\"{column}\" <= now() + interval '{seconds} seconds')"
                )
                continue
            when = (
                f"WHEN NEW.\"{column}\" > strftime('%Y-%m-%d %H:%M:%f', 'now', '+{seconds} seconds')"
            )
            raise_ = f"BEGIN SELECT RAISE(ABORT, '{name}: {column} may not be in the future'); END"
            statements += [
                f'CREATE TRIGGER "{name}_insert" BEFORE INSERT ON "{table}" FOR EACH ROW {when} {raise_}',
                f'CREATE TRIGGER "{name}_update" BEFORE UPDATE OF "{column}" ON "{table}" '
                f"FOR EACH ROW {when} {raise_}",
            ]
        return statements

    def backwards_sql(self, vendor: str, model: Any) -> list[str]:
        table = model._meta.db_table
        statements = []
        for _, name in self._columns(model):
            if vendor == "postgresql":
                statements.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            else:
                statements += [f'DROP TRIGGER IF EXISTS "{name}_insert"',
                               f'DROP TRIGGER IF EXISTS "{name}_update"']
        return statements
