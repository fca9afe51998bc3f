"""Rules the database enforces beyond Django's constraints (see core/dbrules.py)."""

from django.db import migrations

from core.dbrules import NotInFuture, SameOrganization


class Migration(migrations.Migration):
    dependencies = [("validation", "0001_initial")]

    operations = [
        SameOrganization("hypothesis", "area"),
        SameOrganization("evidencelink", "evidence"),
        SameOrganization("evidencelink", "hypothesis"),
        SameOrganization("hypothesisstatuschange", "hypothesis"),
        NotInFuture("hypothesis", ["stated_at", "decided_at"]),
        NotInFuture("evidence", ["occurred_at", "started_at", "concluded_at"]),
    ]
