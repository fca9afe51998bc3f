"""Instants outside 1900-01-01T00:00Z … 9001-01-01T00:00Z (excluded) are refused: a validator
on each user-entered instant field and a CHECK constraint in the database
(validation/models/instants.py says why).

The API and the CSV import used to accept such instants (year 1): before the constraints are
added, those already stored are moved to the nearest accepted instant, in one UPDATE per row so
that the row's order rules (decided after stated, concluded after started) hold throughout.
The hypotheses' derived times are then recomputed by the periodic reconciliation (or at once by
`manage.py recompute_metrics`).

On SQLite, adding a CHECK constraint rebuilds the table, which drops its triggers and fails
while another table's trigger names it: the triggers of 0002_database_rules are dropped before
the rebuilds and re-created after them (see core/dbrules.py).
"""

import datetime

import django.utils.timezone
from django.db import migrations, models
from django.db.models import Case, F, Q, Value, When

import validation.models.instants
from core.dbrules import NotInFuture, SameOrganization

EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
END = datetime.datetime(9001, 1, 1, tzinfo=datetime.UTC)
LATEST = END - datetime.timedelta(microseconds=1)
COLUMNS = {"hypothesis": ["stated_at", "decided_at"],
           "evidence": ["occurred_at", "started_at", "concluded_at"],
           "hypothesisstatuschange": ["decided_at", "changed_at"]}


def move_stored_instants_into_range(apps, schema_editor):
    for model_name, fields in COLUMNS.items():
        model = apps.get_model("validation", model_name)
        outside = Q()
        for field in fields:
            outside |= Q(**{f"{field}__lt": EARLIEST}) | Q(**{f"{field}__gte": END})
        moved = model.objects.filter(outside).update(**{field: Case(
            When(**{f"{field}__lt": EARLIEST}, then=Value(EARLIEST)),
            When(**{f"{field}__gte": END}, then=Value(LATEST)),
            default=F(field)) for field in fields})
        if moved:
            print(f"\n  {model_name}: {moved} row(s) had instants outside 1900-9000, moved to "
                  "the nearest bound; run `manage.py recompute_metrics`.", end="")


def rules_of_0002(*, sqlite_triggers):
    return [
        SameOrganization("hypothesis", "area", sqlite_triggers=sqlite_triggers),
        SameOrganization("evidencelink", "evidence", sqlite_triggers=sqlite_triggers),
        SameOrganization("evidencelink", "hypothesis", sqlite_triggers=sqlite_triggers),
        SameOrganization("hypothesisstatuschange", "hypothesis", sqlite_triggers=sqlite_triggers),
        NotInFuture("hypothesis", ["stated_at", "decided_at"], sqlite_triggers=sqlite_triggers),
        NotInFuture("evidence", ["occurred_at", "started_at", "concluded_at"],
                    sqlite_triggers=sqlite_triggers),
    ]


class Migration(migrations.Migration):

    dependencies = [
        ('validation', '0004_evidence_cursor_index'),
    ]

    operations = [
        migrations.RunPython(move_stored_instants_into_range, migrations.RunPython.noop),
        *rules_of_0002(sqlite_triggers="drop"),
        migrations.AlterField(
            model_name='evidence',
            name='concluded_at',
            field=models.DateTimeField(blank=True, help_text='Empty while the experiment runs.', null=True, validators=[validation.models.instants.validate_instant_in_range]),
        ),
        migrations.AlterField(
            model_name='evidence',
            name='occurred_at',
            field=models.DateTimeField(blank=True, null=True, validators=[validation.models.instants.validate_instant_in_range]),
        ),
        migrations.AlterField(
            model_name='evidence',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, validators=[validation.models.instants.validate_instant_in_range]),
        ),
        migrations.AlterField(
            model_name='hypothesis',
            name='decided_at',
            field=models.DateTimeField(blank=True, null=True, validators=[validation.models.instants.validate_instant_in_range]),
        ),
        migrations.AlterField(
            model_name='hypothesis',
            name='stated_at',
            field=models.DateTimeField(default=django.utils.timezone.now, help_text='When it was formulated; may be back-dated.', validators=[validation.models.instants.validate_instant_in_range]),
        ),
        migrations.AlterField(
            model_name='hypothesisstatuschange',
            name='changed_at',
            field=models.DateTimeField(default=django.utils.timezone.now, validators=[validation.models.instants.validate_instant_in_range]),
        ),
        migrations.AlterField(
            model_name='hypothesisstatuschange',
            name='decided_at',
            field=models.DateTimeField(blank=True, null=True, validators=[validation.models.instants.validate_instant_in_range]),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(('occurred_at__isnull', True), models.Q(('occurred_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('occurred_at__lt', datetime.datetime(9001, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='evidence_occurred_at_in_range', violation_error_code='instant_out_of_range', violation_error_message='Use a date between 1900-01-01 and 9000-12-31.'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(('started_at__isnull', True), models.Q(('started_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('started_at__lt', datetime.datetime(9001, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='evidence_started_at_in_range', violation_error_code='instant_out_of_range', violation_error_message='Use a date between 1900-01-01 and 9000-12-31.'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(('concluded_at__isnull', True), models.Q(('concluded_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('concluded_at__lt', datetime.datetime(9001, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='evidence_concluded_at_in_range', violation_error_code='instant_out_of_range', violation_error_message='Use a date between 1900-01-01 and 9000-12-31.'),
        ),
        migrations.AddConstraint(
            model_name='hypothesis',
            constraint=models.CheckConstraint(condition=models.Q(('stated_at__isnull', True), models.Q(('stated_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('stated_at__lt', datetime.datetime(9001, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='hypothesis_stated_at_in_range', violation_error_code='instant_out_of_range', violation_error_message='Use a date between 1900-01-01 and 9000-12-31.'),
        ),
        migrations.AddConstraint(
            model_name='hypothesis',
            constraint=models.CheckConstraint(condition=models.Q(('decided_at__isnull', True), models.Q(('decided_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('decided_at__lt', datetime.datetime(9001, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='hypothesis_decided_at_in_range', violation_error_code='instant_out_of_range', violation_error_message='Use a date between 1900-01-01 and 9000-12-31.'),
        ),
        migrations.AddConstraint(
            model_name='hypothesisstatuschange',
            constraint=models.CheckConstraint(condition=models.Q(('decided_at__isnull', True), models.Q(('decided_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('decided_at__lt', datetime.datetime(9001, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='status_change_decided_at_in_range', violation_error_code='instant_out_of_range', violation_error_message='Use a date between 1900-01-01 and 9000-12-31.'),
        ),
        migrations.AddConstraint(
            model_name='hypothesisstatuschange',
            constraint=models.CheckConstraint(condition=models.Q(('changed_at__isnull', True), models.Q(('changed_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('changed_at__lt', datetime.datetime(9001, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='status_change_changed_at_in_range', violation_error_code='instant_out_of_range', violation_error_message='Use a date between 1900-01-01 and 9000-12-31.'),
        ),
        *rules_of_0002(sqlite_triggers="recreate"),
    ]
