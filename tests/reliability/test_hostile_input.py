"""Hostile input through the API and the web forms: 5 MB bodies, emoji, right-to-left and NUL
characters, impossible dates, nulls where a value is required. Each gets an answer a client
can act on (a 2xx, or a 4xx naming the problem), never a 500, and nothing half-written.

PRODUCT.md's own invalid inputs (a decision before the statement, conversions above users, …)
are tested in tests/api/test_invalid_input.py and tests/web/.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import row_counts
from validation import services
from validation.models import Evidence, Hypothesis, Interview

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"
MB = 1024 * 1024
# Emoji (astral plane, a ZWJ sequence, a flag), Arabic and Hebrew with directional marks and
# an override character, a combining accent.
UNICODE = "🧪👩‍🔬🇫🇷 مرحبا بالعالم ‏שלום‎ \u202eevil\u202c Zoë"


@pytest.fixture
def api(team) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(team.member)
    return client


@pytest.fixture
def web(team) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(team.member)
    return client


@pytest.fixture
def hypothesis(team) -> Hypothesis:
    return services.hypothesis_create(organization=team.org, user=team.member, title="Pricing",
                                      statement="We believe …",
                                      stated_at=timezone.now() - timedelta(days=10))


def post_json(client: Client, url: str, body: str | bytes):
    return client.generic("POST", url, body, content_type="application/json")


def refused(response, status: int = 400) -> dict:
    """The API's error body, after checking the status; never a 5xx."""
    assert response.status_code == status, response.content[:400]
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    return body


# --- 5 MB JSON bodies -------------------------------------------------------------------------------
def test_a_5_mb_note_is_stored_whole(api, team):
    notes = " ".join(["Long transcript."] * (5 * MB // 17))
    response = post_json(api, f"{ORG}/interviews/",
                         json.dumps({"occurred_at": "2026-03-02T09:00:00Z", "notes": notes}))
    assert response.status_code == 201
    assert Interview.objects.for_org(team.org).get().notes == notes


FIVE_MB_REFUSALS = {
    "a 5 MB title": ("hypotheses/", lambda: json.dumps(
        {"title": "t" * 5 * MB, "statement": "s"}), "title"),
    "5 MB of nested arrays": ("interviews/", lambda: "[" * (5 * MB // 2) + "]" * (5 * MB // 2),
                              None),
    "5 MB of nested objects": ("interviews/", lambda: '{"a":' * (MB) + "1" + "}" * MB, None),
    "a 5 MB array instead of an object": ("interviews/", lambda: json.dumps(
        [{"occurred_at": "2026-03-02T09:00:00Z"}] * (5 * MB // 40)), "non_field_errors"),
    "5 MB of links to a missing hypothesis": ("sales-calls/", lambda: json.dumps(
        {"occurred_at": "2026-03-02T09:00:00Z", "account": "Initech",
         "hypotheses": [{"hypothesis": 999_999}] * (5 * MB // 20)}), "hypotheses"),
    "5 MB that is not JSON": ("interviews/", lambda: b"\xff\xfe" + b"x" * 5 * MB, None),
}


@pytest.mark.slow  # 5 MB bodies parsed and checked
@pytest.mark.parametrize("case", list(FIVE_MB_REFUSALS))
def test_a_5_mb_body_that_cannot_be_accepted_is_a_400(case, api):
    path, body, field = FIVE_MB_REFUSALS[case]
    before = row_counts()
    data = body()
    assert len(data) >= 2 * MB
    answer = refused(post_json(api, f"{ORG}/{path}", data))
    if field:
        assert answer["errors"][field]
    else:
        assert answer["code"] == "parse_error"
    assert row_counts() == before


def test_a_form_post_larger_than_the_request_limit_is_a_413(web, hypothesis):
    before = row_counts()
    response = web.post("/o/acme/interviews/new/", {"occurred_at": "2026-03-02T09:00",
                                                    "notes": "x" * (12 * MB)})
    assert response.status_code == 413  # core/middleware.py, from the Content-Length
    assert "the limit is 11 MB" in response.content.decode()
    assert row_counts() == before


# --- emoji, right-to-left, NUL ---------------------------------------------------------------------
def test_emoji_and_right_to_left_text_round_trip_through_the_api(api, hypothesis):
    created = post_json(api, f"{ORG}/interviews/", json.dumps({
        "occurred_at": "2026-03-02T09:00:00Z", "interviewee": UNICODE[:120], "notes": UNICODE,
        "hypotheses": [{"hypothesis": hypothesis.pk}]}))
    assert created.status_code == 201
    read = api.get(f"{ORG}/interviews/{created.json()['id']}/").json()
    assert (read["interviewee"], read["notes"]) == (UNICODE[:120], UNICODE)
    title = post_json(api, f"{ORG}/hypotheses/", json.dumps(
        {"title": UNICODE, "statement": UNICODE, "area": "🧪 Ünïcode"})).json()
    assert (title["title"], title["area"]) == (UNICODE, "🧪 Ünïcode")


def test_emoji_and_right_to_left_text_round_trip_through_the_web_forms(web, team, hypothesis):
    response = web.post("/o/acme/interviews/new/", {
        "occurred_at": "2026-03-02T09:00", "interviewee": UNICODE[:120], "notes": UNICODE,
        "links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "0",
        "links-0-hypothesis": hypothesis.pk, "links-0-stance": "supports"})
    assert response.status_code == 302
    interview = Interview.objects.for_org(team.org).get()
    assert interview.notes == UNICODE
    page = web.get(f"/o/acme/interviews/{interview.pk}/").content.decode()
    assert "مرحبا بالعالم" in page and "🧪" in page


# Every text field of every write, with a NUL character (PostgreSQL cannot store one) and a
# lone surrogate (not encodable as UTF-8).
TEXT_FIELDS = {
    "hypotheses/": ({"title": "t", "statement": "s"},
                    ["title", "statement", "success_criteria", "area"]),
    "interviews/": ({"occurred_at": "2026-03-02T09:00:00Z"},
                    ["interviewee", "company", "segment", "notes", "quotes"]),
    "sales-calls/": ({"occurred_at": "2026-03-02T09:00:00Z", "account": "a"},
                     ["account", "deal_stage", "feedback", "objections"]),
    "experiments/": ({"name": "n", "started_at": "2026-03-02T09:00:00Z"}, ["name", "metric"]),
}


@pytest.mark.parametrize("bad", ["a\\u0000b", "\\ud800"], ids=["NUL", "lone surrogate"])
@pytest.mark.parametrize("path", list(TEXT_FIELDS))
def test_nul_and_lone_surrogates_in_any_text_field_are_a_400_on_that_field(path, bad, api):
    base, fields = TEXT_FIELDS[path]
    before = row_counts()
    for field in fields:
        body = json.dumps(base)[:-1] + f', "{field}": "{bad}"}}'  # the escape, verbatim
        answer = refused(post_json(api, f"{ORG}/{path}", body))
        assert list(answer["errors"]) == [field], answer
    assert row_counts() == before


def test_a_nul_character_in_a_web_form_is_an_error_on_its_field(web, hypothesis):
    before = row_counts()
    response = web.post("/o/acme/interviews/new/", {
        "occurred_at": "2026-03-02T09:00", "interviewee": "Da\x00na",
        "links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "0",
        "links-0-hypothesis": hypothesis.pk})
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    response = web.post("/o/acme/hypotheses/new/", {"title": "T\x00", "statement": "s"})
    assert response.status_code == 200
    assert row_counts() == before


QUERY_STRINGS = ["q=%00", "area=%00", "owner=%00", "status=%00", "hypothesis=%00",
                 "from=%00", "to=%00", "page=%00", "ordering=%00", "sort=%00", "cursor=%00",
                 "page_size=%00", "weeks=%00", "q=%ED%A0%80", "area=%F0%9F%A7%AA",
                 "stated_from=2026-02-30", "decided_to=9999-12-31", "stale=%00", "running=%00",
                 "from=0001-01-01", "to=9999-12-31"]
PAGES = ["/o/acme/", "/o/acme/hypotheses/", "/o/acme/interviews/", "/o/acme/sales-calls/",
         "/o/acme/experiments/", "/o/acme/hypotheses/export.csv", "/o/acme/interviews/export.csv",
         f"{ORG}/hypotheses/", f"{ORG}/interviews/", f"{ORG}/sales-calls/",
         f"{ORG}/experiments/", f"{ORG}/imports/", f"{ORG}/members/", f"{ORG}/areas/",
         f"{ORG}/metrics/cycle-time/", f"{ORG}/metrics/velocity/"]


@pytest.mark.parametrize("url", PAGES)
def test_nul_and_invalid_utf8_in_query_strings_never_fail_a_page(url, web, hypothesis):
    for query in QUERY_STRINGS:
        response = web.get(f"{url}?{query}")
        assert response.status_code in (200, 400, 404), (query, response.status_code)


# --- dates that do not exist, or lie at the ends of the calendar ------------------------------------
BAD_INSTANTS = ["2026-02-30T09:00:00Z", "2026-13-01T09:00:00Z", "2026-03-02T25:00:00Z",
                "0000-01-01T00:00:00Z", "99999-01-01T00:00:00Z", "2026-03-02T09:00:00+25:00"]
INSTANT_FIELDS = [("interviews/", {}, "occurred_at"),
                  ("sales-calls/", {"account": "a"}, "occurred_at"),
                  ("experiments/", {"name": "n"}, "started_at"),
                  ("hypotheses/", {"title": "t", "statement": "s"}, "stated_at")]


@pytest.mark.parametrize(("path", "base", "field"), INSTANT_FIELDS)
def test_an_impossible_instant_is_a_400_on_its_field(path, base, field, api):
    before = row_counts()
    for value in BAD_INSTANTS:
        answer = refused(post_json(api, f"{ORG}/{path}", json.dumps({**base, field: value})))
        assert field in answer["errors"], (value, answer)
    assert row_counts() == before


def test_an_impossible_decision_date_is_a_400_and_the_hypothesis_stays_open(api, hypothesis):
    for value in BAD_INSTANTS:
        answer = refused(post_json(api, f"{ORG}/hypotheses/{hypothesis.pk}/decide/",
                                   json.dumps({"status": "validated", "decided_at": value})))
        assert "decided_at" in answer["errors"]
    hypothesis.refresh_from_db()
    assert hypothesis.status == "open" and hypothesis.decided_at is None


@pytest.mark.parametrize("value", ["2026-02-30", "2026-00-10", "0001-01-01", "9999-12-31",
                                   "10000-01-01"])
def test_impossible_or_extreme_dates_in_metric_and_page_filters_never_fail(value, api, web,
                                                                           hypothesis):
    for param in ("from", "to"):
        answer = refused(api.get(f"{ORG}/metrics/cycle-time/?{param}={value}"))
        assert param in answer["errors"]
        for url in ("/o/acme/", "/o/acme/interviews/", "/o/acme/experiments/"):
            response = web.get(f"{url}?{param}={value}")
            assert response.status_code == 200, (url, param, value)


def test_an_impossible_date_in_the_web_forms_is_an_error_on_its_field(web, hypothesis):
    before = row_counts()
    for url, data in (("/o/acme/interviews/new/", {"occurred_at": "2026-02-30T09:00"}),
                      ("/o/acme/experiments/new/", {"name": "n", "started_at": "2026-02-30T09:00"}),
                      (f"/o/acme/hypotheses/{hypothesis.pk}/decide/",
                       {"status": "validated", "decided_at": "2026-02-30T09:00"})):
        response = web.post(url, {**data, "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0"})
        assert response.status_code == 200, url
        assert "2026-02-30 is not a date (February has 28 days in 2026)." in (
            response.content.decode()), url
    assert row_counts() == before


# --- null where a value is required ------------------------------------------------------------------
NULLS = [
    ("interviews/", "null", "non_field_errors"),
    ("interviews/", '{"occurred_at": null}', "occurred_at"),
    ("interviews/", '{"occurred_at": "2026-03-02T09:00:00Z", "hypotheses": null}', "hypotheses"),
    ("interviews/", '{"occurred_at": "2026-03-02T09:00:00Z", "hypotheses": [null]}', "hypotheses"),
    ("interviews/", '{"occurred_at": "2026-03-02T09:00:00Z", "hypotheses": [{"hypothesis": null}]}',
     "hypotheses"),
    ("interviews/", '{"occurred_at": "2026-03-02T09:00:00Z", "hypotheses": [{"hypothesis": 1, '
                    '"stance": null}]}', "hypotheses"),
    ("sales-calls/", '{"occurred_at": "2026-03-02T09:00:00Z", "account": null}', "account"),
    ("experiments/", '{"name": null, "started_at": "2026-03-02T09:00:00Z"}', "name"),
    ("experiments/", '{"name": "n", "started_at": null}', "started_at"),
    ("hypotheses/", '{"title": null, "statement": "s"}', "title"),
    ("hypotheses/", '{"title": "t", "statement": null}', "statement"),
    ("imports/", "null", "kind"),
]


@pytest.mark.parametrize(("path", "body", "field"), NULLS)
def test_null_where_a_value_is_required_is_a_400_on_that_field(path, body, field, api, team):
    before = row_counts()
    response = (post_json(api, f"{ORG}/{path}", body) if path != "imports/"
                else api.post(f"{ORG}/{path}", {}))
    assert field in refused(response)["errors"]
    assert row_counts() == before


def test_null_in_the_other_writes_is_a_400(api, team, hypothesis):
    interview = services.interview_log(organization=team.org, user=team.member,
                                       occurred_at=timezone.now() - timedelta(days=1))
    for method, path, body, field in (
            ("POST", f"hypotheses/{hypothesis.pk}/decide/", '{"status": null}', "status"),
            ("PATCH", f"hypotheses/{hypothesis.pk}/", '{"title": null}', "title"),
            ("PATCH", f"interviews/{interview.pk}/", '{"occurred_at": null}', "occurred_at"),
            ("PATCH", f"interviews/{interview.pk}/", '{"hypotheses": [null]}', "hypotheses"),
            ("POST", "areas/", '{"name": null}', "name")):
        response = api.generic(method, f"{ORG}/{path}", body, content_type="application/json")
        assert field in refused(response)["errors"], path
    assert refused(post_json(Client(), "/api/v1/auth/token/",
                             '{"username": null, "password": null}'))["errors"].keys() == {
        "username", "password"}
    assert refused(post_json(api, "/api/v1/orgs/", '{"name": null}'))["errors"]["name"]
    hypothesis.refresh_from_db()
    assert (hypothesis.status, hypothesis.title) == ("open", "Pricing")
    assert Evidence.objects.get(pk=interview.pk).occurred_at is not None
