"""The leadership dashboard: headline figures, charts from the metrics module, filters kept
in the URL, the empty state, and a query count that does not grow with the data."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from validation import services
from validation.services import LinkSpec

pytestmark = pytest.mark.django_db

CHART_IDS = ["cycle-time", "throughput", "evidence-mix", "aging", "ttfe", "trend"]


def figure(response, chart: str) -> dict:
    """The figure the page hands to Plotly, read back from its json_script."""
    match = re.search(rf'<script id="figure-{chart}" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    assert match, f"no figure {chart}"
    return json.loads(match.group(1))


def test_a_new_organization_sees_what_to_do_first(member_client):
    response = member_client.get(reverse("dashboard", args=["acme"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Start your first validation cycle" in html
    assert "State your first hypothesis" in html
    assert "data-figure" not in html and "plotly" in html.lower()


def test_a_viewer_of_a_new_organization_is_told_the_page_fills_in(client_as):
    html = client_as("viewer").get(reverse("dashboard", args=["acme"])).content.decode()
    assert "Start your first validation cycle" in html
    assert "State your first hypothesis" not in html


def test_charts_without_data_show_a_message_not_a_broken_chart(member_client, hypothesis):
    response = member_client.get(reverse("dashboard", args=["acme"]))
    html = response.content.decode()
    assert "No hypothesis was validated or invalidated in this range." in html
    assert 'id="figure-cycle-time"' not in html
    assert 'id="figure-aging"' in html and 'id="figure-evidence-mix"' in html


def test_the_scatterplot_holds_each_decision_with_a_link(member_client, decided):
    response = member_client.get(reverse("dashboard", args=["acme"]))
    scatter = figure(response, "cycle-time")
    validated = next(t for t in scatter["data"] if t["name"] == "Validated")
    assert validated["ids"] == [str(decided.pk)]
    assert validated["y"] == [15.0]
    assert validated["text"] == [decided.title]
    assert validated["customdata"] == [reverse("hypothesis-detail", args=["acme", decided.pk])]
    # p50/p85/p95 lines: a single decision puts all three at its cycle time.
    assert [shape["y0"] for shape in scatter["layout"]["shapes"]] == [15.0, 15.0, 15.0]


def test_the_headline_compares_with_the_previous_period(member_client, team, decided, ago,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        earlier = services.hypothesis_create(organization=team.org, user=team.member,
                                             title="Earlier", statement="…", stated_at=ago(130))
        services.hypothesis_decide(hypothesis=earlier, user=team.member, status="invalidated",
                                   decided_at=ago(100))
    response = member_client.get(reverse("dashboard", args=["acme"]))
    comparison = response.context["comparison"]
    assert comparison["current"]["p50_days"] == pytest.approx(15.0)
    assert comparison["previous"]["p50_days"] == pytest.approx(30.0)
    html = response.content.decode()
    assert "15.0" in html and "−15.0 d" in html and "delta--good" in html


def test_every_chart_is_drawn_with_data(member_client, team, decided, ago):
    services.hypothesis_create(organization=team.org, user=team.member, title="Still open",
                               statement="…", stated_at=ago(3))
    response = member_client.get(reverse("dashboard", args=["acme"]))
    for chart in CHART_IDS:
        data = figure(response, chart)
        assert data["data"], chart
        # Plain numbers, never plotly's base64 arrays.
        assert "bdata" not in json.dumps(data), chart


def test_the_aging_chart_draws_the_oldest_open_hypotheses_and_links_to_the_rest(
        member_client, team, decided, ago):
    from validation.views.dashboard import AGING_LIMIT

    open_count = AGING_LIMIT + 3
    for days in range(open_count):  # "Open 0" is the newest, the last one the oldest
        services.hypothesis_create(organization=team.org, user=team.member, title=f"Open {days}",
                                   statement="…", stated_at=ago(40 + days))
    response = member_client.get(reverse("dashboard", args=["acme"]))
    drawn = [title for trace in figure(response, "aging")["data"] for title in trace["text"]]
    assert sorted(drawn) == sorted(f"Open {days}" for days in range(3, open_count))
    html = response.content.decode()
    assert f"Age of the {AGING_LIMIT} oldest of {open_count} open hypotheses" in html
    link = re.search(r'<a href="([^"]+)">All (\d+) open hypotheses, oldest first', html)
    assert link and int(link.group(2)) == open_count
    listed = member_client.get(link.group(1).replace("&amp;", "&")).content.decode()
    titles = re.findall(r'class="table__title" href="[^"]+">([^<]+)</a>', listed)
    # Every open hypothesis, oldest first; the decided one is not among them.
    assert titles == [f"Open {days}" for days in reversed(range(open_count))]


def test_a_short_aging_chart_draws_every_open_hypothesis_without_a_link(
        member_client, hypothesis_open, decided):
    response = member_client.get(reverse("dashboard", args=["acme"]))
    drawn = [title for trace in figure(response, "aging")["data"] for title in trace["text"]]
    assert drawn == [hypothesis_open.title]
    html = response.content.decode()
    assert "Age of each open hypothesis against" in html
    assert "open hypotheses, oldest first" not in html


def test_the_area_and_dates_filter_the_figures(member_client, team, decided, ago,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        other = services.hypothesis_create(
            organization=team.org, user=team.member, title="Pricing one", statement="…",
            stated_at=ago(40), area=services.area_get_or_create(organization=team.org, name="Pricing"))
        services.hypothesis_decide(hypothesis=other, user=team.member, status="invalidated",
                                   decided_at=ago(30))
    url = reverse("dashboard", args=["acme"])
    by_area = member_client.get(url + "?area=Pricing")
    ids = [i for trace in figure(by_area, "cycle-time")["data"] for i in trace["ids"]]
    assert ids == [str(other.pk)]
    assert 'value="Pricing" selected' in by_area.content.decode()
    day = timezone.localtime(ago(30)).date()
    by_date = member_client.get(url + f"?from={day - timedelta(days=1)}&to={day}")
    ids = [i for trace in figure(by_date, "cycle-time")["data"] for i in trace["ids"]]
    assert ids == [str(other.pk)]
    assert f'value="{day}"' in by_date.content.decode()


def test_presets_keep_the_area_in_the_url(member_client, decided):
    html = member_client.get(reverse("dashboard", args=["acme"]) + "?area=Onboarding").content.decode()
    assert re.search(r'href="\?area=Onboarding&amp;from=\d{4}-\d\d-\d\d&amp;to=', html)


@pytest.mark.parametrize("query,message", [
    ("?from=2026-03-10&to=2026-03-01", "The end of the range comes before its start."),
    ("?from=not-a-date", "Enter a valid date."),
    ("?from=2999-01-01", "The range cannot start in the future."),
])
def test_bad_filters_are_explained_and_the_default_range_shown(member_client, decided, query, message):
    response = member_client.get(reverse("dashboard", args=["acme"]) + query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert figure(response, "cycle-time")["data"]


def test_the_dashboard_never_counts_another_organizations_data(member_client, decided, team, ago,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        theirs = services.hypothesis_create(organization=team.other_org, user=team.outsider,
                                            title="Globex secret plan", statement="…",
                                            stated_at=ago(9))
        services.interview_log(organization=team.other_org, user=team.outsider,
                               occurred_at=ago(8), links=[LinkSpec(theirs)])
        services.hypothesis_decide(hypothesis=theirs, user=team.outsider, status="validated",
                                   decided_at=ago(7))
    response = member_client.get(reverse("dashboard", args=["acme"]))
    assert "Globex secret plan" not in response.content.decode()
    assert response.context["current"]["count"] == 1


def test_the_dashboard_query_count_does_not_grow_with_the_data(
        member_client, team, decided, ago, django_capture_on_commit_callbacks,
        django_assert_max_num_queries):
    url = reverse("dashboard", args=["acme"])
    with django_assert_max_num_queries(40) as few:
        member_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(12):
            h = services.hypothesis_create(organization=team.org, user=team.member,
                                           title=f"H{i}", statement="…", stated_at=ago(30 + i))
            services.interview_log(organization=team.org, user=team.member, occurred_at=ago(29),
                                   links=[LinkSpec(h)])
            if i % 2:
                services.hypothesis_decide(hypothesis=h, user=team.member, status="validated",
                                           decided_at=ago(i + 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        member_client.get(url)


def test_dates_are_shown_in_the_organizations_time_zone(member_client, team, decided):
    team.org.timezone = "Asia/Tokyo"
    team.org.save()
    response = member_client.get(reverse("dashboard", args=["acme"]))
    assert "Times in Asia/Tokyo" in response.content.decode()
    x = figure(response, "cycle-time")["data"][0]["x"][0]
    local = timezone.localtime(decided.decided_at, timezone=team.org.tz)
    assert x == local.replace(tzinfo=None).isoformat(timespec="minutes")


def test_the_page_loads_plotly_from_its_own_static_files(member_client, decided):
    html = member_client.get(reverse("dashboard", args=["acme"])).content.decode()
    assert '<script src="/static/vendor/plotly/plotly-basic.min.js" defer></script>' in html
    assert "cdn" not in html.lower()
    assert re.search(r"<script(?![^>]*(src=|application/json))[^>]*>", html) is None  # no inline JS
