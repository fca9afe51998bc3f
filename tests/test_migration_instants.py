"""The migration that adds the range of instants applies over data written before it: instants
the API used to accept (year 1) are moved to the nearest accepted instant, and the database
rules of 0002_database_rules still hold after its table rebuilds."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("validation", "0004_evidence_cursor_index")
AFTER = ("validation", "0005_instants_in_range")
YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)
FIRST = datetime(1900, 1, 1, tzinfo=UTC)


def migrate(target: tuple[str, str] | None):
    """Migrate to `target` (None: the latest), and return the apps of that state."""
    executor = MigrationExecutor(connection)
    targets = [target] if target else executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.slow  # migrates the whole schema backwards and forwards
@pytest.mark.django_db(transaction=True)
def test_stored_instants_before_1900_are_moved_to_1900_and_the_rules_still_hold():
    try:
        apps = migrate(BEFORE)
        org = apps.get_model("core", "Organization").objects.create(slug="old", name="Old")
        hypothesis_model = apps.get_model("validation", "Hypothesis")
        evidence_model = apps.get_model("validation", "Evidence")
        decided = hypothesis_model.objects.create(
            organization=org, title="t", statement="s", stated_at=YEAR_ONE, status="validated",
            decided_at=datetime(1, 6, 1, tzinfo=UTC))
        kept = hypothesis_model.objects.create(organization=org, title="k", statement="s",
                                               stated_at=datetime(2026, 3, 2, tzinfo=UTC))
        apps.get_model("validation", "HypothesisStatusChange").objects.create(
            organization=org, hypothesis=decided, to_status="open", changed_at=YEAR_ONE)
        evidence_model.objects.create(organization=org, source="interview", occurred_at=YEAR_ONE)
        evidence_model.objects.create(organization=org, source="experiment", name="x",
                                      started_at=YEAR_ONE, concluded_at=datetime(1, 2, 1, tzinfo=UTC),
                                      result="win")

        apps = migrate(AFTER)

        hypotheses = apps.get_model("validation", "Hypothesis").objects
        assert hypotheses.get(pk=decided.pk).stated_at == FIRST
        assert hypotheses.get(pk=decided.pk).decided_at == FIRST
        assert hypotheses.get(pk=kept.pk).stated_at == datetime(2026, 3, 2, tzinfo=UTC)
        changes = apps.get_model("validation", "HypothesisStatusChange").objects
        assert list(changes.values_list("changed_at", flat=True)) == [FIRST]
        evidence = apps.get_model("validation", "Evidence").objects
        assert set(evidence.values_list("occurred_at", "started_at", "concluded_at",
                                        "evidence_at")) == {
            (FIRST, None, None, FIRST), (None, FIRST, FIRST, FIRST)}
        # The rules of 0002 survived the rebuilds (SQLite rebuilds a table to add a CHECK):
        # an interview of another organization still cannot be linked.
        other = apps.get_model("core", "Organization").objects.create(slug="other", name="O")
        foreign = evidence.create(organization=other, source="interview", occurred_at=FIRST)
        with pytest.raises(IntegrityError), transaction.atomic():
            apps.get_model("validation", "EvidenceLink").objects.create(
                organization_id=org.pk, evidence=foreign, hypothesis_id=kept.pk, strength="weak")
            connection.check_constraints()
        with pytest.raises(IntegrityError), transaction.atomic():
            hypotheses.filter(pk=kept.pk).update(stated_at=datetime(2999, 1, 1, tzinfo=UTC))
    finally:
        migrate(None)
