"""The figure builders take plain data — what validation.metrics returns — and give Plotly
figures the page and the digest can both use."""

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from validation import charts

STATS = {"p50_days": 10.0, "p85_days": 12.95, "p95_days": 13.65}


def decision(pk, status, days, title="H"):
    return {"id": pk, "title": title, "status": status, "cycle_time_days": days,
            "decided_at": datetime(2026, 3, 16, 9, tzinfo=UTC), "stated_at": None}


def week(day, validated=0, invalidated=0, abandoned=0, evidence=(0, 0, 0)):
    return {"week_start": day, "validated": validated, "invalidated": invalidated,
            "abandoned": abandoned, "decided": validated + invalidated, "stated": 0,
            "p50_cycle_days": None, "p85_cycle_days": None,
            "evidence": dict(zip(("interview", "sales_call", "experiment"), evidence, strict=True))}


def test_the_scatter_has_a_trace_per_decision_and_the_percentile_lines():
    fig = charts.cycle_time_scatter(
        [decision(1, "validated", 14.0, "<b>H1</b>"), decision(2, "invalidated", 7.0),
         decision(3, "abandoned", None)],
        STATS, tz=ZoneInfo("Europe/Paris"), link=lambda pk: f"/h/{pk}/")
    data = charts.as_data(fig)
    validated, invalidated = data["data"]
    assert validated["x"] == ["2026-03-16T10:00"]  # local time in Paris
    assert validated["y"] == [14.0] and validated["customdata"] == ["/h/1/"]
    assert validated["text"] == ["&lt;b&gt;H1&lt;/b&gt;"]  # titles are escaped
    assert invalidated["ids"] == ["2"]
    assert [s["y0"] for s in data["layout"]["shapes"]] == [10.0, 12.95, 13.65]
    assert "bdata" not in json.dumps(data)


def test_throughput_stacks_decisions_and_puts_abandoned_apart():
    weeks = [week(date(2026, 3, 9), 1, 0, 1), week(date(2026, 3, 16), 1, 1, 0)]
    validated, invalidated, abandoned = charts.as_data(charts.throughput_by_week(weeks))["data"]
    assert validated["y"] == [1, 1] and invalidated["base"] == [1, 1]
    assert validated["offsetgroup"] == invalidated["offsetgroup"] != abandoned["offsetgroup"]
    assert abandoned["y"] == [1, 0]


def test_evidence_mix_has_a_series_per_source():
    data = charts.as_data(charts.evidence_mix_by_week([week(date(2026, 3, 9), evidence=(3, 1, 0))]))
    assert [(t["name"], t["y"]) for t in data["data"]] == [
        ("Interviews", [3]), ("Sales calls", [1]), ("Experiments", [0])]
    assert data["layout"]["barmode"] == "stack"


def test_aging_marks_stale_hypotheses_and_draws_the_bands():
    rows = [{"id": 1, "title": "Old", "age_days": 30.0, "idle_days": 20.0, "stale": True},
            {"id": 2, "title": "New", "age_days": 3.0, "idle_days": 1.0, "stale": False}]
    data = charts.as_data(charts.aging_open_hypotheses(rows, STATS, stale_days="14",
                                                       link=lambda pk: f"/h/{pk}/"))
    fresh, stale = data["data"]
    assert stale["ids"] == ["1"] and stale["marker"]["symbol"] == "diamond"
    assert fresh["customdata"] == [["/h/2/", 1.0]]
    rects = [s for s in data["layout"]["shapes"] if s["type"] == "rect"]
    assert [(r["x0"], r["x1"]) for r in rects][:3] == [(0.0, 10.0), (10.0, 12.95), (12.95, 13.65)]
    assert data["layout"]["meta"]["narrow"]["yaxis"]["ticktext"] == ["Old", "New"]


def test_aging_without_decisions_has_no_bands():
    rows = [{"id": 1, "title": "Only", "age_days": 3.0, "idle_days": 1.0, "stale": False}]
    empty = {"p50_days": None, "p85_days": None, "p95_days": None}
    data = charts.as_data(charts.aging_open_hypotheses(rows, empty, stale_days="14"))
    assert data["layout"].get("shapes", []) == []


def test_time_to_first_evidence_by_source():
    ttfe = {"count": 2, "p50_days": 2.5, "p85_days": 4.0, "by_source": {
        "interview": {"count": 0, "p50_days": None, "p85_days": None},
        "sales_call": {"count": 2, "p50_days": 2.5, "p85_days": 4.0},
        "experiment": {"count": 1, "p50_days": 10.0, "p85_days": 10.0}}}
    p50, p85 = charts.as_data(charts.time_to_first_evidence(ttfe))["data"]
    assert p50["x"] == ["Any source", "Interview", "Sales call", "Experiment"]
    assert p50["y"] == [2.5, None, 2.5, 10.0] and p85["y"] == [4.0, None, 4.0, 10.0]


def test_velocity_trend_compares_the_two_periods():
    trend = {"current": {"throughput_per_week": 1.5, "p50_days": 8.0, "decided": 6},
             "previous": {"throughput_per_week": 0.5, "p50_days": None, "decided": 2}}
    throughput, p50 = charts.as_data(charts.velocity_trend(trend))["data"]
    assert throughput["y"] == [0.5, 1.5]
    assert p50["y"] == [None, 8.0] and p50["text"] == ["no decisions", "8.0 d"]


# Plotly reads a few HTML tags in hover texts and tick labels, and decodes &amp; &lt; &gt; but
# not &quot;: a title is escaped exactly once, for Plotly, and its quotes are left as typed.
QUOTED = 'A "quoted" <b>bold</b> & co'
ONCE = 'A "quoted" &lt;b&gt;bold&lt;/b&gt; &amp; co'


def test_a_title_with_quotes_and_markup_is_escaped_once_for_plotly_hovers():
    scatter = charts.as_data(charts.cycle_time_scatter(
        [decision(1, "validated", 14.0, QUOTED)], STATS, tz=UTC))
    assert scatter["data"][0]["text"] == [ONCE]
    rows = [{"id": 1, "title": QUOTED, "age_days": 3.0, "idle_days": 1.0, "stale": False}]
    aging = charts.as_data(charts.aging_open_hypotheses(rows, STATS, stale_days="14"))
    assert aging["data"][0]["text"] == [ONCE]
    assert aging["layout"]["yaxis"]["ticktext"] == [ONCE]
    assert "&quot;" not in json.dumps(scatter) + json.dumps(aging)
    assert "&amp;lt;" not in json.dumps(aging)


def test_a_long_title_is_cut_before_it_is_escaped():
    """Cut after escaping, "… <b>" would end in half an entity ("&…"), shown as typed."""
    rows = [{"id": 1, "title": "x" * 31 + " <b>", "age_days": 3.0, "idle_days": 1.0,
             "stale": False}]
    aging = charts.as_data(charts.aging_open_hypotheses(rows, STATS, stale_days="14"))
    assert aging["layout"]["yaxis"]["ticktext"] == ["x" * 31 + " &lt;…"]
