"""Hypothesis pages: list with filters and sorting, detail with the evidence timeline, and the
forms, which refuse every invalid input of PRODUCT.md with a message and save nothing."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from validation import services
from validation.models import Hypothesis, HypothesisStatusChange, ProductArea, Status
from validation.services import LinkSpec

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def local(instant, tz="UTC") -> str:
    return timezone.localtime(instant, timezone=ZoneInfo(tz)).strftime(FMT)


def counts():
    return (Hypothesis.objects.count(), HypothesisStatusChange.objects.count(),
            ProductArea.objects.count())


# --- create --------------------------------------------------------------------------------------
def test_a_member_states_a_hypothesis_with_a_new_area(member_client, team):
    response = member_client.post(reverse("hypothesis-create", args=["acme"]), {
        "title": "Annual discount lifts prepayment", "statement": "We believe that …",
        "success_criteria": "33% annual", "area": "Pricing", "owner": team.member.pk,
        "stated_at": ""})
    hypothesis = Hypothesis.objects.get(title="Annual discount lifts prepayment")
    assert response.status_code == 302
    assert response["Location"] == reverse("hypothesis-detail", args=["acme", hypothesis.pk])
    assert hypothesis.organization == team.org
    assert hypothesis.area.name == "Pricing" and hypothesis.owner == team.member
    assert hypothesis.status_changes.count() == 1


def test_the_statement_date_is_read_in_the_organizations_time_zone(member_client, team):
    team.org.timezone = "Europe/Paris"
    team.org.save()
    member_client.post(reverse("hypothesis-create", args=["acme"]), {
        "title": "Paris", "statement": "We believe …", "stated_at": "2026-03-02T10:00"})
    assert Hypothesis.objects.get(title="Paris").stated_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("field,value,message", [
    ("title", "", "This field is required."),
    ("statement", "", "This field is required."),
    ("stated_at", "future", "The statement date cannot be in the future."),
    ("stated_at", "not a date", "not a date: use YYYY-MM-DD HH:MM"),
    ("stated_at", "2026-11-31 10:30", "2026-11-31 is not a date (November has 30 days)."),
    ("owner", "outsider", "Select a valid choice."),
])
def test_creating_refuses_invalid_input_and_saves_nothing(member_client, team, field, value,
                                                          message):
    data = {"title": "T", "statement": "We believe …", "area": "Fresh area", "stated_at": ""}
    if value == "future":
        value = local(timezone.now() + timedelta(days=2))
    if value == "outsider":
        value = team.outsider.pk
    data[field] = value
    before = counts()
    response = member_client.post(reverse("hypothesis-create", args=["acme"]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    assert counts() == before


# --- edit ----------------------------------------------------------------------------------------
def test_a_member_edits_a_hypothesis(member_client, hypothesis):
    response = member_client.post(reverse("hypothesis-edit", args=["acme", hypothesis.pk]), {
        "title": "Renamed", "statement": hypothesis.statement, "area": "Onboarding",
        "owner": "", "stated_at": local(hypothesis.stated_at)})
    assert response.status_code == 302
    hypothesis.refresh_from_db()
    assert hypothesis.title == "Renamed" and hypothesis.owner is None


def test_moving_the_statement_after_the_decision_is_refused(member_client, decided):
    before = (decided.stated_at, decided.title)
    response = member_client.post(reverse("hypothesis-edit", args=["acme", decided.pk]), {
        "title": "Changed", "statement": "x",
        "stated_at": local(decided.decided_at + timedelta(hours=1))})
    assert response.status_code == 200
    assert "cannot come before the hypothesis was stated" in response.content.decode()
    assert 'id="id_stated_at_error"' in response.content.decode()
    decided.refresh_from_db()
    assert (decided.stated_at, decided.title) == before


def test_the_edit_form_shows_the_current_values(member_client, hypothesis):
    html = member_client.get(reverse("hypothesis-edit", args=["acme", hypothesis.pk])).content.decode()
    assert 'value="Guided setup shortens onboarding"' in html
    assert 'value="Onboarding"' in html
    assert f'value="{local(hypothesis.stated_at)}"' in html


# --- decide and reopen ---------------------------------------------------------------------------
def test_a_member_decides_and_reopens_with_a_note(member_client, hypothesis,
                                                  django_capture_on_commit_callbacks):
    url = reverse("hypothesis-decide", args=["acme", hypothesis.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url, {"status": "invalidated", "decided_at": "",
                                            "note": "Nobody pays."}, follow=True)
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.INVALIDATED and hypothesis.decision_note == "Nobody pays."
    assert hypothesis.cycle_time is not None  # the engine ran after commit
    assert "Marked invalidated." in response.content.decode()
    response = member_client.post(reverse("hypothesis-reopen", args=["acme", hypothesis.pk]),
                                  {"note": "New data"}, follow=True)
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.OPEN
    html = response.content.decode()
    assert "Nobody pays." in html and "New data" in html  # the history keeps both notes
    assert list(hypothesis.status_changes.values_list("to_status", flat=True)) == [
        "open", "invalidated", "open"]


@pytest.mark.parametrize("data,field,message", [
    ({"status": "validated", "decided_at": "before"}, "decided_at",
     "cannot come before the hypothesis was stated"),
    ({"status": "validated", "decided_at": "future"}, "decided_at",
     "The decision date cannot be in the future."),
    ({"status": "", "decided_at": ""}, "status", "This field is required."),
    ({"status": "open", "decided_at": ""}, "status", "Select a valid choice."),
])
def test_deciding_refuses_invalid_input_and_saves_nothing(member_client, hypothesis, data, field,
                                                          message):
    if data["decided_at"] == "before":
        data["decided_at"] = local(hypothesis.stated_at - timedelta(days=1))
    elif data["decided_at"] == "future":
        data["decided_at"] = local(timezone.now() + timedelta(days=1))
    before = counts()
    response = member_client.post(reverse("hypothesis-decide", args=["acme", hypothesis.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and f'id="id_{field}_error"' in html
    hypothesis.refresh_from_db()
    assert hypothesis.status == Status.OPEN and counts() == before


def test_deciding_a_decided_hypothesis_sends_back_to_it(member_client, decided):
    response = member_client.post(reverse("hypothesis-decide", args=["acme", decided.pk]),
                                  {"status": "invalidated"}, follow=True)
    decided.refresh_from_db()
    assert decided.status == Status.VALIDATED
    assert "reopen it before deciding again" in response.content.decode()


def test_deleting_a_hypothesis_keeps_its_evidence(member_client, hypothesis):
    from validation.models import Evidence

    evidence = Evidence.objects.count()
    response = member_client.post(reverse("hypothesis-delete", args=["acme", hypothesis.pk]))
    assert response.status_code == 302
    assert not Hypothesis.objects.filter(pk=hypothesis.pk).exists()
    assert Evidence.objects.count() == evidence


def test_another_organizations_hypothesis_is_404_through_this_organization(member_client,
                                                                           foreign_hypothesis):
    for name in ("hypothesis-detail", "hypothesis-edit", "hypothesis-decide"):
        url = reverse(name, args=["acme", foreign_hypothesis.pk])
        assert member_client.get(url).status_code == 404
    member_client.post(reverse("hypothesis-decide", args=["acme", foreign_hypothesis.pk]),
                       {"status": "validated"})
    foreign_hypothesis.refresh_from_db()
    assert foreign_hypothesis.status == Status.OPEN


# --- detail --------------------------------------------------------------------------------------
def test_the_detail_page_shows_metrics_timeline_and_history(member_client, team, hypothesis, ago,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.sales_call_log(organization=team.org, user=team.member, occurred_at=ago(30),
                                account="Prior Corp", links=[LinkSpec(hypothesis, "refutes")])
        services.experiment_log(organization=team.org, user=team.member, name="Guided A/B",
                                started_at=ago(15), links=[LinkSpec(hypothesis, "supports",
                                                                    "moderate")])
    html = member_client.get(reverse("hypothesis-detail", args=["acme", hypothesis.pk])).content.decode()
    # Interleaved in evidence-time order: the prior sales call, the interview, then the
    # running experiment last.
    assert html.index("Prior Corp") < html.index("Dana (Initech)") < html.index("Guided A/B")
    assert "Prior</span>" in html and "Running</span>" in html
    assert "Refutes" in html and "Moderate" in html
    assert "2.0 d" in html  # time to first evidence: interview 18 days ago, stated 20 days ago
    assert "stated" in html and "Guided setup shortens onboarding" in html


def test_the_detail_page_query_count_does_not_grow_with_the_timeline(
        member_client, team, hypothesis, ago, django_assert_max_num_queries):
    url = reverse("hypothesis-detail", args=["acme", hypothesis.pk])
    with django_assert_max_num_queries(12):
        member_client.get(url)
    for i in range(15):
        services.interview_log(organization=team.org, user=team.member, occurred_at=ago(10 - i / 2),
                               interviewee=f"Person {i}", links=[LinkSpec(hypothesis)])
    with django_assert_max_num_queries(12):
        assert "Person 14" in member_client.get(url).content.decode()


# --- list ----------------------------------------------------------------------------------------
@pytest.fixture
def several(team, hypothesis, ago):
    services.hypothesis_create(organization=team.org, user=team.admin, title="Old and idle",
                               statement="…", owner=team.admin, stated_at=ago(60))
    services.hypothesis_create(organization=team.org, user=team.admin, title="Fresh pricing idea",
                               statement="…", stated_at=ago(1),
                               area=services.area_get_or_create(organization=team.org, name="Pricing"))
    return hypothesis


def titles(response) -> list[str]:
    return [row["hypothesis"].title for row in response.context["rows"]]


@pytest.mark.parametrize("query,expected", [
    ("", ["Fresh pricing idea", "Guided setup shortens onboarding", "Old and idle"]),
    ("?sort=age", ["Old and idle", "Guided setup shortens onboarding", "Fresh pricing idea"]),
    ("?sort=idle", ["Old and idle", "Guided setup shortens onboarding", "Fresh pricing idea"]),
    ("?area=Pricing", ["Fresh pricing idea"]),
    ("?owner=admin", ["Old and idle"]),
    ("?stale=on", ["Guided setup shortens onboarding", "Old and idle"]),
    ("?status=validated", []),
    ("?q=guided", ["Guided setup shortens onboarding"]),
])
def test_the_list_filters_and_sorts(member_client, several, query, expected):
    response = member_client.get(reverse("hypothesis-list", args=["acme"]) + query)
    assert titles(response) == expected


def test_the_list_answers_htmx_with_the_results_only(member_client, several):
    response = member_client.get(reverse("hypothesis-list", args=["acme"]) + "?sort=age",
                                 HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<table" in html and "<html" not in html


def test_the_list_query_count_is_constant(member_client, team, several, ago,
                                          django_assert_max_num_queries):
    url = reverse("hypothesis-list", args=["acme"])
    with django_assert_max_num_queries(12) as few:
        member_client.get(url)
    for i in range(20):
        services.hypothesis_create(organization=team.org, user=team.admin, title=f"H{i}",
                                   statement="…", owner=team.viewer, stated_at=ago(i + 2),
                                   area=services.area_get_or_create(organization=team.org,
                                                                    name=f"Area {i}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        member_client.get(url)


def test_the_list_never_shows_another_organizations_hypotheses(member_client, hypothesis,
                                                               foreign_hypothesis):
    html = member_client.get(reverse("hypothesis-list", args=["acme"])).content.decode()
    assert "Globex secret plan" not in html


def test_an_empty_list_explains_what_to_do_first(member_client, team):
    html = member_client.get(reverse("hypothesis-list", args=["acme"])).content.decode()
    assert "No hypotheses yet" in html and "State a hypothesis" in html


def test_a_decision_before_the_statement_is_explained_in_one_time_zone(member_client, team):
    team.org.timezone = "America/New_York"
    team.org.save()
    hypothesis = services.hypothesis_create(organization=team.org, user=team.member, title="NY",
                                            statement="…", stated_at=datetime(2026, 3, 2, 14, tzinfo=UTC))
    response = member_client.post(reverse("hypothesis-decide", args=["acme", hypothesis.pk]),
                                  {"status": "validated", "decided_at": "2026-03-02T08:00"})
    # Local times of the organization, as the person typed them.
    assert ("The decision (2026-03-02 08:00 America/New_York) cannot come before the hypothesis "
            "was stated (2026-03-02 09:00 America/New_York).") in response.content.decode()
