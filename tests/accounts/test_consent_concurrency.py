"""An invitation to an account answered twice at the same instant, on two connections (two
tabs, two API clients): exactly one answer holds, since accepting and declining each claim the
row with a conditional UPDATE. PostgreSQL only, as tests/accounts/test_concurrency.py explains."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from core import invitations
from core.invitations import AlreadyMember, InvitationRefused
from core.models import Invitation, InvitationState, Membership, Role
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="needs PostgreSQL's row locks; CI's PostgreSQL + Redis "
                                        "pass runs it")]


def race(invitation: Invitation, *answers: Callable[[Invitation], object]) -> list[str]:
    """Run each answer on its own connection, all released at once; what each came to."""
    barrier = threading.Barrier(len(answers))
    outcomes: list[str] = []

    def run(answer: Callable[[Invitation], object]) -> None:
        try:
            copy = Invitation.objects.get(pk=invitation.pk)  # each read it as pending
            barrier.wait(timeout=10)
            answer(copy)
            outcomes.append("done")
        except InvitationRefused as refused:
            outcomes.append(refused.reason)
        except AlreadyMember:
            outcomes.append("already-member")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(answer,)) for answer in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def invitation(team) -> Invitation:
    UserFactory(username="stranger")
    return invitations.invitation_invite_username(organization=team.org, username="stranger",
                                                  role=Role.MEMBER, invited_by=team.admin)


def test_two_acceptances_at_once_make_one_membership(team, invitation):
    user = invitation.invitee
    accept = lambda copy: invitations.invitation_accept(invitation=copy, user=user)  # noqa: E731
    outcomes = race(invitation, accept, accept)
    assert sorted(outcomes) in (["accepted", "done"], ["already-member", "done"])
    assert Membership.objects.filter(organization=team.org, user=user).count() == 1


def test_accepting_and_declining_at_once_leave_one_answer(team, invitation):
    user = invitation.invitee
    outcomes = race(invitation,
                    lambda copy: invitations.invitation_accept(invitation=copy, user=user),
                    lambda copy: invitations.invitation_decline(invitation=copy, user=user))
    assert outcomes.count("done") == 1
    invitation.refresh_from_db()
    joined = Membership.objects.filter(organization=team.org, user=user).exists()
    assert (invitation.state, joined) in ((InvitationState.ACCEPTED, True),
                                          (InvitationState.DECLINED, False))
