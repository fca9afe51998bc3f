"""Logging evidence: the three forms, their links to hypotheses, edit and delete, the lists.
Every invalid input of PRODUCT.md is refused with its message next to the field, and nothing
is saved."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from validation import services
from validation.models import Evidence, EvidenceLink, Source
from validation.services import LinkSpec

pytestmark = pytest.mark.django_db

FMT = "%Y-%m-%dT%H:%M"


def local(instant) -> str:
    return timezone.localtime(instant, timezone=ZoneInfo("UTC")).strftime(FMT)


def form_data(fields: dict, links=(), total=None) -> dict:
    """POST data of an evidence form with `links` as (hypothesis id, stance, strength)."""
    data = {**fields, "links-TOTAL_FORMS": str(total if total is not None else len(links)),
            "links-INITIAL_FORMS": "0", "links-MIN_NUM_FORMS": "0", "links-MAX_NUM_FORMS": "1000"}
    for i, (hypothesis, stance, strength) in enumerate(links):
        data.update({f"links-{i}-hypothesis": hypothesis, f"links-{i}-stance": stance,
                     f"links-{i}-strength": strength})
    return data


def counts():
    return Evidence.objects.count(), EvidenceLink.objects.count()


@pytest.fixture
def ago_str(ago):
    return lambda days: local(ago(days))


# --- log ------------------------------------------------------------------------------------------
def test_a_member_logs_an_interview_linked_to_a_hypothesis(member_client, team, hypothesis, ago_str,
                                                           django_capture_on_commit_callbacks):
    url = reverse("interview-create", args=["acme"])
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url, form_data(
            {"occurred_at": ago_str(2), "interviewee": "Ravi", "company": "Hooli",
             "notes": "Loves it"}, [(hypothesis.pk, "supports", "strong")]))
    assert response.status_code == 302
    assert response["Location"] == reverse("interview-list", args=["acme"])
    interview = Evidence.objects.get(interviewee="Ravi")
    assert interview.source == Source.INTERVIEW and interview.organization == team.org
    link = interview.links.get()
    assert (link.hypothesis, link.stance, link.strength) == (hypothesis, "supports", "strong")
    hypothesis.refresh_from_db()
    assert hypothesis.evidence_count == 2  # recomputed after commit


@pytest.mark.parametrize("source,fields,default", [
    ("interview", {"occurred_at": "ago"}, "weak"),
    ("sales-call", {"occurred_at": "ago", "account": "Hooli"}, "moderate"),
    ("experiment", {"name": "Fake door", "started_at": "ago"}, "strong"),
])
def test_a_link_without_strength_takes_the_sources_default(member_client, hypothesis, ago_str,
                                                           source, fields, default):
    fields = {k: ago_str(1) if v == "ago" else v for k, v in fields.items()}
    response = member_client.post(reverse(f"{source}-create", args=["acme"]),
                                  form_data(fields, [(hypothesis.pk, "refutes", "")]))
    assert response.status_code == 302
    assert EvidenceLink.objects.latest("id").strength == default


@pytest.mark.parametrize("source,default", [("interview", "weak"), ("sales-call", "moderate"),
                                            ("experiment", "strong")])
def test_the_form_prelinks_the_hypothesis_with_the_default_strength(member_client, hypothesis,
                                                                   source, default):
    url = reverse(f"{source}-create", args=["acme"]) + f"?hypothesis={hypothesis.pk}"
    response = member_client.get(url)
    links = response.context["links"]
    assert links.forms[0].initial == {"hypothesis": hypothesis.pk, "stance": "supports",
                                      "strength": default}
    assert f'<option value="{hypothesis.pk}" selected>' in response.content.decode()


def test_logging_from_a_hypothesis_page_returns_to_it(member_client, hypothesis, ago_str):
    detail = reverse("hypothesis-detail", args=["acme", hypothesis.pk])
    url = reverse("sales-call-create", args=["acme"]) + f"?hypothesis={hypothesis.pk}&next={detail}"
    response = member_client.post(url, form_data({"occurred_at": ago_str(1), "account": "Initech",
                                                  "next": detail},
                                                 [(hypothesis.pk, "supports", "moderate")]))
    assert response["Location"] == detail


def test_log_and_add_another_opens_a_fresh_form(member_client, hypothesis, ago_str):
    url = reverse("interview-create", args=["acme"]) + f"?hypothesis={hypothesis.pk}"
    response = member_client.post(url, form_data({"occurred_at": ago_str(1), "another": "1"},
                                                 [(hypothesis.pk, "supports", "weak")]))
    assert response["Location"] == url


def test_an_external_next_url_is_ignored(member_client, ago_str):
    response = member_client.post(reverse("interview-create", args=["acme"]) +
                                  "?next=https://evil.example.com/",
                                  form_data({"occurred_at": ago_str(1)}))
    assert response["Location"] == reverse("interview-list", args=["acme"])


def test_an_empty_link_row_is_ignored(member_client, ago_str):
    response = member_client.post(reverse("interview-create", args=["acme"]),
                                  form_data({"occurred_at": ago_str(1)}, [("", "supports", "weak")]))
    assert response.status_code == 302
    assert EvidenceLink.objects.count() == 0


# --- invalid input -------------------------------------------------------------------------------
def future() -> str:
    return local(timezone.now() + timedelta(days=3))


CASES = [
    # (source, fields, field with the error, message)
    ("interview", {"occurred_at": "future"}, "occurred_at", "The interview cannot be in the future."),
    ("interview", {"occurred_at": ""}, "occurred_at", "Give the date of the interview."),
    ("sales-call", {"occurred_at": "future", "account": "Hooli"}, "occurred_at",
     "The sales call cannot be in the future."),
    ("sales-call", {"occurred_at": "past", "account": ""}, "account",
     "Name the account the call was with."),
    ("sales-call", {"occurred_at": "past", "account": "Hooli", "deal_value": "-5"}, "deal_value",
     "A deal value cannot be negative."),
    ("experiment", {"name": "X", "started_at": "future"}, "started_at", "The start cannot be in the future."),
    ("experiment", {"name": "X", "started_at": "past", "concluded_at": "future", "result": "win"},
     "concluded_at", "The conclusion cannot be in the future."),
    ("experiment", {"name": "X", "started_at": "past", "concluded_at": "earlier", "result": "win"},
     "concluded_at", "An experiment cannot conclude"),
    ("experiment", {"name": "X", "started_at": "past", "control_users": "100",
                    "control_conversions": "101"}, "control_conversions",
     "Conversions (101) cannot exceed users (100)."),
    ("experiment", {"name": "X", "started_at": "past", "variant_users": "10",
                    "variant_conversions": "11"}, "variant_conversions",
     "Conversions (11) cannot exceed users (10)."),
    ("experiment", {"name": "X", "started_at": "past", "control_users": "-1"}, "control_users",
     "A count cannot be negative."),
    ("experiment", {"name": "X", "started_at": "past", "variant_users": "5",
                    "variant_conversions": "-2"}, "variant_conversions", "A count cannot be negative."),
    ("experiment", {"name": "", "started_at": "past"}, "name", "Name the experiment."),
    ("experiment", {"name": "X", "started_at": "past", "concluded_at": "past"}, "result",
     "A concluded experiment needs a result"),
]


@pytest.mark.parametrize("source,fields,field,message", CASES)
def test_logging_refuses_invalid_input_and_saves_nothing(member_client, hypothesis, ago_str, source,
                                                         fields, field, message):
    values = {"future": future(), "past": ago_str(5), "earlier": ago_str(8)}
    fields = {k: values.get(v, v) for k, v in fields.items()}
    before = counts()
    response = member_client.post(reverse(f"{source}-create", args=["acme"]),
                                  form_data(fields, [(hypothesis.pk, "supports", "")]))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html  # next to its field
    assert counts() == before


def test_linking_another_organizations_hypothesis_is_refused(member_client, foreign_hypothesis,
                                                             hypothesis, ago_str):
    before = counts()
    response = member_client.post(reverse("interview-create", args=["acme"]), form_data(
        {"occurred_at": ago_str(1)},
        [(hypothesis.pk, "supports", "weak"), (foreign_hypothesis.pk, "supports", "weak")]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose one of this organization&#x27;s hypotheses." in html
    assert 'id="id_links-1-hypothesis_error"' in html
    assert "Globex secret plan" not in html  # its title never reaches the page
    assert counts() == before


def test_linking_the_same_hypothesis_twice_is_refused(member_client, hypothesis, ago_str):
    before = counts()
    response = member_client.post(reverse("interview-create", args=["acme"]), form_data(
        {"occurred_at": ago_str(1)},
        [(hypothesis.pk, "supports", "weak"), (hypothesis.pk, "refutes", "weak")]))
    assert "This hypothesis is already linked above." in response.content.decode()
    assert counts() == before


def test_an_invalid_stance_is_refused(member_client, hypothesis, ago_str):
    before = counts()
    response = member_client.post(reverse("interview-create", args=["acme"]), form_data(
        {"occurred_at": ago_str(1)}, [(hypothesis.pk, "maybe", "weak")]))
    assert "Select a valid choice." in response.content.decode()
    assert counts() == before


def test_times_are_read_in_the_organizations_time_zone(member_client, team):
    team.org.timezone = "America/New_York"
    team.org.save()
    member_client.post(reverse("interview-create", args=["acme"]),
                       form_data({"occurred_at": "2026-03-02T09:00"}))
    occurred = Evidence.objects.get().occurred_at
    assert occurred.astimezone(ZoneInfo("UTC")).strftime(FMT) == "2026-03-02T14:00"


# --- edit and delete -------------------------------------------------------------------------------
@pytest.fixture
def interview(hypothesis):
    return Evidence.objects.get(source=Source.INTERVIEW, links__hypothesis=hypothesis)


def test_a_member_edits_an_interview_and_its_links(member_client, team, hypothesis, interview,
                                                   ago_str):
    other = services.hypothesis_create(organization=team.org, user=team.member, title="Other",
                                       statement="…")
    url = reverse("interview-edit", args=["acme", interview.pk])
    page = member_client.get(url)
    assert page.context["form"].initial["interviewee"] == "Dana"
    assert page.context["links"].forms[0].initial["hypothesis"] == hypothesis.pk
    response = member_client.post(url, form_data({"occurred_at": ago_str(3), "interviewee": "Dana S."},
                                                 [(other.pk, "refutes", "moderate")]))
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.interviewee == "Dana S."
    assert [(link.hypothesis_id, link.stance) for link in interview.links.all()] == [
        (other.pk, "refutes")]


def test_editing_refuses_invalid_input_and_changes_nothing(member_client, hypothesis, interview):
    url = reverse("interview-edit", args=["acme", interview.pk])
    response = member_client.post(url, form_data({"occurred_at": future(), "interviewee": "X"}, []))
    assert "The interview cannot be in the future." in response.content.decode()
    interview.refresh_from_db()
    assert interview.interviewee == "Dana" and interview.links.count() == 1


def test_a_member_deletes_an_experiment(member_client, team, ago):
    experiment = services.experiment_log(organization=team.org, user=team.member, name="Gone",
                                         started_at=ago(3))
    url = reverse("experiment-delete", args=["acme", experiment.pk])
    assert "Delete this experiment?" in member_client.get(url).content.decode()
    response = member_client.post(url)
    assert response["Location"] == reverse("experiment-list", args=["acme"])
    assert not Evidence.objects.filter(pk=experiment.pk).exists()


def test_an_interview_is_not_reachable_through_the_experiment_urls(member_client, interview):
    assert member_client.get(reverse("experiment-edit", args=["acme", interview.pk])).status_code == 404


def test_another_organizations_evidence_is_404(member_client, team, ago):
    theirs = services.interview_log(organization=team.other_org, user=team.outsider,
                                    occurred_at=ago(1))
    for name in ("interview-detail", "interview-edit", "interview-delete"):
        assert member_client.get(reverse(name, args=["acme", theirs.pk])).status_code == 404
    member_client.post(reverse("interview-delete", args=["acme", theirs.pk]))
    assert Evidence.objects.filter(pk=theirs.pk).exists()


# --- lists ---------------------------------------------------------------------------------------
@pytest.fixture
def logged(team, hypothesis, ago):
    services.experiment_log(organization=team.org, user=team.member, name="Running test",
                            started_at=ago(2))
    services.experiment_log(organization=team.org, user=team.member, name="Pricing page test",
                            started_at=ago(30), concluded_at=ago(20), result="loss",
                            control_users=100, control_conversions=10, variant_users=100,
                            variant_conversions=5, links=[LinkSpec(hypothesis, "refutes")])
    services.interview_log(organization=team.other_org, user=team.outsider, occurred_at=ago(1),
                           interviewee="Globex person")


@pytest.mark.parametrize("source,query,expected", [
    ("experiment", "", ["Running test", "Pricing page test"]),
    ("experiment", "?state=running", ["Running test"]),
    ("experiment", "?state=loss", ["Pricing page test"]),
    ("experiment", "?q=pricing", ["Pricing page test"]),
    ("experiment", "?hypothesis={h}", ["Pricing page test"]),
    ("interview", "", ["Dana (Initech)"]),
    ("sales-call", "", []),
])
def test_the_evidence_lists_filter(member_client, hypothesis, logged, source, query, expected):
    url = reverse(f"{source}-list", args=["acme"]) + query.format(h=hypothesis.pk)
    response = member_client.get(url)
    assert [e.title for e in response.context["page"].object_list] == expected


def test_the_experiment_list_filters_by_date(member_client, logged, ago):
    day = timezone.localtime(ago(20)).date().isoformat()
    url = reverse("experiment-list", args=["acme"]) + f"?from={day}&to={day}"
    response = member_client.get(url)
    assert [e.title for e in response.context["page"].object_list] == ["Pricing page test"]


def test_an_experiment_page_shows_its_statistics(member_client, team, logged):
    experiment = Evidence.objects.get(name="Pricing page test")
    html = member_client.get(reverse("experiment-detail", args=["acme", experiment.pk])).content.decode()
    assert "Lift <strong>−50%</strong>" in html and "Loss" in html


def test_the_evidence_list_query_count_is_constant(member_client, team, hypothesis, ago,
                                                   django_assert_max_num_queries):
    url = reverse("interview-list", args=["acme"])
    with django_assert_max_num_queries(12) as few:
        member_client.get(url)
    for i in range(20):
        services.interview_log(organization=team.org, user=team.member, occurred_at=ago(i),
                               links=[LinkSpec(hypothesis)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        member_client.get(url)


def test_an_empty_list_explains_what_to_log(member_client):
    html = member_client.get(reverse("sales-call-list", args=["acme"])).content.decode()
    assert "No sales calls logged yet" in html and "Log the first sales call" in html
