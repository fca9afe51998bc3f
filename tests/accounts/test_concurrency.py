"""Two people accepting one invitation at the same instant, on two connections: exactly one
joins: the claim is a conditional UPDATE, and the second UPDATE, waiting on the first's row
lock, then finds the row used. PostgreSQL only: SQLite's shared in-memory test database refuses
concurrent writers outright ("database table is locked"), so there is no race to show there;
test_invitations.py checks the same claim with a stale copy of the row on both databases."""

import threading

import pytest
from django.db import connection, connections

from core import invitations
from core.invitations import InvitationRefused
from core.models import Invitation, Membership
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="needs PostgreSQL's row locks; CI's PostgreSQL + Redis "
                                        "pass runs it")]


def test_one_invitation_accepted_twice_at_once_joins_exactly_one_person(team, mailoutbox):
    invitation = invitations.invitation_create(organization=team.org, email="x@example.com",
                                               role="member", invited_by=team.admin)
    people = [UserFactory(username=f"racer{n}") for n in range(2)]
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def accept(user) -> None:
        try:
            copy = Invitation.objects.get(pk=invitation.pk)  # each thread read it as pending
            barrier.wait(timeout=10)
            invitations.invitation_accept(invitation=copy, user=user)
            outcomes.append("joined")
        except InvitationRefused as refused:
            outcomes.append(refused.reason)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["accepted", "joined"]
    assert Membership.objects.filter(user__in=people).count() == 1
    invitation.refresh_from_db()
    assert invitation.accepted_by in people
