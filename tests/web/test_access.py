"""Who may open which page: members read and write, viewers only read (403 on edit pages),
outsiders get 404 on every page of an organization, anonymous visitors are sent to sign in."""

import pytest
from django.urls import reverse

from validation import services
from validation.models import Evidence, Source

pytestmark = pytest.mark.django_db

READ_PAGES = ["dashboard", "hypothesis-list", "hypothesis-detail", "interview-list",
              "interview-detail", "sales-call-list", "sales-call-detail", "experiment-list",
              "experiment-detail"]
EDIT_PAGES = ["hypothesis-create", "hypothesis-edit", "hypothesis-decide", "hypothesis-delete",
              "interview-create", "interview-edit", "interview-delete",
              "sales-call-create", "sales-call-edit", "sales-call-delete",
              "experiment-create", "experiment-edit", "experiment-delete"]
ADMIN_PAGES = ["org-settings"]
SOURCE_OF = {"interview": Source.INTERVIEW, "sales-call": Source.SALES_CALL,
             "experiment": Source.EXPERIMENT}


@pytest.fixture
def evidence(team, hypothesis, ago):
    """One evidence of each source, by URL prefix."""
    services.sales_call_log(organization=team.org, user=team.member, occurred_at=ago(3),
                            account="Hooli")
    services.experiment_log(organization=team.org, user=team.member, name="Fake door",
                            started_at=ago(9), concluded_at=ago(2), result="win")
    return {prefix: Evidence.objects.for_org(team.org).get(source=source)
            for prefix, source in SOURCE_OF.items()}


@pytest.fixture
def url_of(team, hypothesis, evidence):
    def url(name: str) -> str:
        prefix = name.rsplit("-", 1)[0]
        if name.startswith("hypothesis-") and name not in ("hypothesis-list", "hypothesis-create"):
            return reverse(name, args=[team.org.slug, hypothesis.pk])
        if prefix in SOURCE_OF and not name.endswith(("-list", "-create")):
            return reverse(name, args=[team.org.slug, evidence[prefix].pk])
        return reverse(name, args=[team.org.slug])
    return url


@pytest.mark.parametrize("name", READ_PAGES + EDIT_PAGES + ADMIN_PAGES)
def test_a_member_of_another_organization_gets_404_on_every_page(client_as, url_of, name):
    assert client_as("outsider").get(url_of(name)).status_code == 404


@pytest.mark.parametrize("name", READ_PAGES + EDIT_PAGES + ADMIN_PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(client, url_of, name):
    response = client.get(url_of(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_organization_is_404_like_a_foreign_one(client_as):
    assert client_as("member").get(reverse("dashboard", args=["no-such-org"])).status_code == 404


@pytest.mark.parametrize("name", READ_PAGES)
@pytest.mark.parametrize("role", ["viewer", "member", "admin", "owner"])
def test_every_member_reads_every_page(client_as, url_of, name, role):
    assert client_as(role).get(url_of(name)).status_code == 200


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_a_member_opens_the_edit_pages(client_as, url_of, name):
    assert client_as("member").get(url_of(name)).status_code == 200


@pytest.mark.parametrize("name", EDIT_PAGES + ADMIN_PAGES)
def test_a_viewer_is_refused_every_edit_page(client_as, url_of, name):
    response = client_as("viewer").get(url_of(name))
    assert response.status_code == 403
    assert b"can read everything but not make this change" in response.content


@pytest.mark.parametrize("name", EDIT_PAGES + ["hypothesis-reopen"])
def test_a_viewer_cannot_post_a_change(client_as, url_of, name, team, hypothesis):
    before = (Evidence.objects.count(), hypothesis.status)
    url = url_of(name) if name != "hypothesis-reopen" else reverse(name, args=[team.org.slug,
                                                                                   hypothesis.pk])
    response = client_as("viewer").post(url, {"status": "validated", "title": "x",
                                               "statement": "y"})
    assert response.status_code == 403
    hypothesis.refresh_from_db()
    assert (Evidence.objects.count(), hypothesis.status) == before


@pytest.mark.parametrize("role,status", [("member", 403), ("admin", 200), ("owner", 200)])
def test_only_admins_open_the_organization_settings(client_as, url_of, role, status):
    assert client_as(role).get(url_of("org-settings")).status_code == status


@pytest.mark.parametrize("name", ["dashboard", "hypothesis-list", "hypothesis-detail",
                                  "interview-list", "interview-detail"])
def test_a_viewer_sees_no_edit_controls(client_as, url_of, team, hypothesis, name):
    html = client_as("viewer").get(url_of(name)).content.decode()
    for forbidden in (reverse("interview-create", args=[team.org.slug]),
                      reverse("hypothesis-create", args=[team.org.slug]),
                      reverse("hypothesis-edit", args=[team.org.slug, hypothesis.pk]),
                      reverse("hypothesis-decide", args=[team.org.slug, hypothesis.pk]),
                      "/edit/", "/delete/", "Record decision"):
        assert forbidden not in html, forbidden


def test_a_member_sees_the_log_menu_and_edit_controls(client_as, url_of, team, hypothesis):
    html = client_as("member").get(url_of("hypothesis-detail")).content.decode()
    assert reverse("interview-create", args=[team.org.slug]) in html
    assert reverse("hypothesis-edit", args=[team.org.slug, hypothesis.pk]) in html
    assert reverse("hypothesis-decide", args=[team.org.slug, hypothesis.pk]) in html


def test_every_form_carries_a_csrf_token(client_as, url_of):
    client = client_as("admin")
    for name in EDIT_PAGES + ADMIN_PAGES:
        html = client.get(url_of(name)).content.decode()
        assert html.count("<form") >= 1
        assert html.count('name="csrfmiddlewaretoken"') >= html.count('method="post"'), name


def test_posts_without_a_csrf_token_are_refused(team, url_of):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team.member)
    response = client.post(url_of("interview-create"), {"occurred_at": "2026-03-01T10:00"})
    assert response.status_code == 403
