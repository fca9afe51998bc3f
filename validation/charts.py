"""Plotly figures of the velocity metrics, built from plain data — the dicts and lists that
validation.metrics returns, never QuerySets — so the dashboard and the email digest share them.

Every builder returns a `plotly.graph_objects.Figure` holding plain lists (no NumPy arrays, so
`to_json()` writes readable numbers rather than plotly 7's base64 arrays). Instants are drawn
in the organization's time zone, passed as `tz`. Points that stand for a hypothesis carry its
URL in `customdata` (from the `link` callable) so that the page can open it on click.

Text a user typed (titles) goes through `plotly_text`: Plotly draws hover texts and tick labels
as a small subset of HTML, so it is escaped once, for Plotly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo
from html import escape
from typing import Any

import plotly.graph_objects as go

from validation.models.instants import localtime_or_utc

Link = Callable[[int], str] | None

INK = "#1e293b"
MUTED = "#64748b"
GRID = "#e2e8f0"
BRAND = "#4f46e5"
COLORS = {
    "validated": "#15803d",
    "invalidated": "#dc2626",
    "abandoned": "#94a3b8",
    "interview": "#0e7490",
    "sales_call": "#d97706",
    "experiment": "#7c3aed",
    "open": BRAND,
    "stale": "#dc2626",
}
SOURCE_LABELS = {"interview": "Interviews", "sales_call": "Sales calls", "experiment": "Experiments"}
SOURCE_SINGULAR = {"interview": "Interview", "sales_call": "Sales call", "experiment": "Experiment"}
PERCENTILE_STYLES = {"p50": "solid", "p85": "dash", "p95": "dot"}
FONT = '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

# A small template of our own: the default one would add ~8 kB of unused styles to each figure.
TEMPLATE = go.layout.Template(layout={
    "font": {"family": FONT, "size": 12, "color": INK},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "margin": {"l": 44, "r": 12, "t": 36, "b": 36},
    "hoverlabel": {"font": {"family": FONT, "size": 12}, "align": "left"},
    "hovermode": "closest",
    "legend": {"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom",
               "font": {"size": 12}},
    "xaxis": {"gridcolor": GRID, "linecolor": GRID, "zeroline": False, "automargin": True,
              "tickfont": {"color": MUTED}},
    "yaxis": {"gridcolor": GRID, "linecolor": GRID, "zeroline": False, "automargin": True,
              "rangemode": "tozero", "tickfont": {"color": MUTED}},
    "bargap": 0.25,
})


def as_data(figure: go.Figure) -> dict[str, Any]:
    """The figure as JSON-ready data, for `json_script` (what `fig.to_json()` writes)."""
    return json.loads(figure.to_json())


def _local(instant: datetime, tz: tzinfo) -> str:
    """An aware instant as a local wall-clock time, which Plotly draws as given (in UTC if it
    has none: see localtime_or_utc)."""
    return localtime_or_utc(instant, tz).replace(tzinfo=None).isoformat(timespec="minutes")


def _week(day: date) -> str:
    return day.isoformat()


def _figure(traces: Sequence[Any], height: int = 300, narrow: dict[str, Any] | None = None,
            **layout: Any) -> go.Figure:
    """A figure in our template. `narrow` holds layout changes for phone-sized screens, which
    the page's script merges in (in `layout.meta`, Plotly's field for the caller's data)."""
    if narrow:
        layout["meta"] = {"narrow": narrow}
    return go.Figure(data=list(traces), layout={"template": TEMPLATE, "height": height, **layout})


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _percentile_lines(stats: dict[str, Any], *, axis: str) -> tuple[list[dict], list[dict]]:
    """Shapes and labels for the p50/p85/p95 cycle times, horizontal (axis "y") or vertical.
    Percentiles that coincide share one label ("p50 · p85 20.0 d")."""
    shapes: list[dict] = []
    groups: dict[float, list[str]] = {}
    for name, dash in PERCENTILE_STYLES.items():
        value = _round(stats.get(f"{name}_days"))
        if value is None:
            continue
        groups.setdefault(round(value, 1), []).append(name)
        line = {"color": MUTED if name != "p50" else INK, "width": 1.2, "dash": dash}
        if axis == "y":
            shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                           "y0": value, "y1": value, "line": line, "layer": "below"})
        else:
            shapes.append({"type": "line", "yref": "paper", "y0": 0, "y1": 1, "xref": "x",
                           "x0": value, "x1": value, "line": line, "layer": "below"})
    labels = []
    font = {"size": 11, "color": MUTED}
    for rank, (value, names) in enumerate(groups.items()):
        text = f"{' · '.join(names)} {value:.1f} d"
        if axis == "y":
            # Alternate above and below the lines, so that close percentiles stay readable.
            labels.append({"xref": "paper", "x": 1, "xanchor": "right", "yref": "y", "y": value,
                           "yanchor": "top" if rank % 2 else "bottom", "showarrow": False,
                           "text": text, "font": font})
        else:
            # Staggered in height, for the same reason.
            labels.append({"yref": "paper", "y": 1, "yanchor": "bottom", "yshift": 14 * rank,
                           "xref": "x", "x": value, "xanchor": "center", "showarrow": False,
                           "text": f"{' · '.join(names)} {value:.0f} d", "font": font})
    return shapes, labels


# --- figures ------------------------------------------------------------------------------------
def cycle_time_scatter(decisions: Sequence[dict[str, Any]], stats: dict[str, Any], *, tz: tzinfo,
                       link: Link = None,
                       span: tuple[datetime, datetime] | None = None) -> go.Figure:
    """One dot per validated or invalidated hypothesis: x = decision time, y = cycle time in
    days, coloured (and shaped) by decision, with the p50/p85/p95 lines of `stats`
    (cycle_time_stats() over the same hypotheses). Abandoned ones have no cycle time.
    `span`, the period shown (start, end), fixes the time axis."""
    traces = []
    for status, symbol in (("validated", "circle"), ("invalidated", "x")):
        rows = [row for row in decisions
                if row["status"] == status and row.get("cycle_time_days") is not None]
        traces.append(go.Scatter(
            x=[_local(row["decided_at"], tz) for row in rows],
            y=[_round(row["cycle_time_days"]) for row in rows],
            text=[plotly_text(row["title"]) for row in rows],
            customdata=[link(row["id"]) if link else "" for row in rows],
            ids=[str(row["id"]) for row in rows],
            mode="markers", name=status.capitalize(),
            marker={"color": COLORS[status], "symbol": symbol, "size": 10, "opacity": 0.9,
                    "line": {"width": 1, "color": "#ffffff"}},
            hovertemplate=("<b>%{text}</b><br>Decided %{x|%d %b %Y}<br>Cycle time %{y:.1f} days"
                           f"<extra>{status.capitalize()}</extra>"),
        ))
    shapes, labels = _percentile_lines(stats, axis="y")
    xaxis: dict[str, Any] = {"type": "date", "tickformat": "%d %b"}
    if span:
        pad = (span[1] - span[0]) / 40  # so that a dot at either end is drawn whole
        xaxis["range"] = [_local(span[0] - pad, tz), _local(span[1] + pad, tz)]
    return _figure(traces, shapes=shapes, annotations=labels, xaxis=xaxis,
                   yaxis={"title": {"text": "Cycle time (days)", "font": {"size": 12}}})


def throughput_by_week(weeks: Sequence[dict[str, Any]]) -> go.Figure:
    """Decisions per week (velocity_by_week() rows): validated and invalidated stacked — the
    throughput — with abandoned beside them."""
    x = [_week(week["week_start"]) for week in weeks]
    validated = [week["validated"] for week in weeks]
    invalidated = [week["invalidated"] for week in weeks]
    hover = "Week of %{x|%d %b}<br>%{y} %{fullData.name}<extra></extra>"
    traces = [
        go.Bar(x=x, y=validated, name="Validated", offsetgroup="decided",
               marker_color=COLORS["validated"], hovertemplate=hover),
        go.Bar(x=x, y=invalidated, base=validated, name="Invalidated", offsetgroup="decided",
               marker_color=COLORS["invalidated"], hovertemplate=hover),
        go.Bar(x=x, y=[week["abandoned"] for week in weeks], name="Abandoned",
               offsetgroup="abandoned", marker_color=COLORS["abandoned"], hovertemplate=hover),
    ]
    return _figure(traces, barmode="group", bargroupgap=0.05,
                   xaxis={"type": "date", "tickformat": "%d %b"},
                   yaxis={"title": {"text": "Hypotheses", "font": {"size": 12}},
                          "tickformat": ",d", "dtick": _count_tick(
                              [v + i for v, i in zip(validated, invalidated, strict=True)])})


def evidence_mix_by_week(weeks: Sequence[dict[str, Any]]) -> go.Figure:
    """Evidence per week by source (velocity_by_week() rows), stacked."""
    x = [_week(week["week_start"]) for week in weeks]
    traces = [
        go.Bar(x=x, y=[week["evidence"][source] for week in weeks], name=label,
               marker_color=COLORS[source],
               hovertemplate="Week of %{x|%d %b}<br>%{y} " + label.lower() + "<extra></extra>")
        for source, label in SOURCE_LABELS.items()
    ]
    totals = [sum(week["evidence"].values()) for week in weeks]
    return _figure(traces, barmode="stack", legend={"traceorder": "normal"},
                   xaxis={"type": "date", "tickformat": "%d %b"},
                   yaxis={"title": {"text": "Evidence", "font": {"size": 12}},
                          "tickformat": ",d", "dtick": _count_tick(totals)})


def aging_open_hypotheses(hypotheses: Sequence[dict[str, Any]], stats: dict[str, Any], *,
                          stale_days: str, link: Link = None) -> go.Figure:
    """The age of each open hypothesis (aging_open_hypotheses() rows, oldest at the top)
    against bands of the cycle-time percentiles of `stats`; stale ones marked."""
    labels = [_short(row["title"]) for row in hypotheses]
    positions = list(range(len(hypotheses)))
    traces = []
    for stale in (False, True):
        rows = [(i, row) for i, row in enumerate(hypotheses) if row["stale"] is stale]
        traces.append(go.Scatter(
            x=[_round(row["age_days"]) for _, row in rows],
            y=[i for i, _ in rows],
            text=[plotly_text(row["title"]) for _, row in rows],
            customdata=[[link(row["id"]) if link else "", _round(row["idle_days"], 1)]
                        for _, row in rows],
            ids=[str(row["id"]) for _, row in rows],
            mode="markers",
            name=f"Stale (no evidence for {stale_days}+ days)" if stale else "Open",
            marker={"color": COLORS["stale" if stale else "open"],
                    "symbol": "diamond" if stale else "circle", "size": 11,
                    "line": {"width": 1, "color": "#ffffff"}},
            hovertemplate=("<b>%{text}</b><br>Age %{x:.1f} days<br>"
                           "Idle %{customdata[1]:.1f} days<extra></extra>"),
        ))
    ages = [row["age_days"] for row in hypotheses]
    edges = [stats.get(f"{name}_days") or 0 for name in ("p50", "p85", "p95")]
    right = max([*ages, *edges, 1]) * 1.08
    shapes, notes = _bands(stats, right)
    return _figure(
        traces, height=max(260, 26 * len(hypotheses) + 130), shapes=shapes, annotations=notes,
        xaxis={"title": {"text": "Age (days)", "font": {"size": 12}}, "range": [0, right]},
        yaxis={"tickvals": positions, "ticktext": labels, "autorange": "reversed",
               "showgrid": False, "rangemode": "normal"},
        legend={"y": 0.995, "yanchor": "top", "yref": "container"},
        margin={"l": 8, "r": 12, "t": 96, "b": 40},
        narrow={"yaxis": {"ticktext": [_short(row["title"], 18) for row in hypotheses],
                          "tickfont": {"size": 10}}},
    )


def time_to_first_evidence(ttfe: dict[str, Any]) -> go.Figure:
    """p50 and p85 days from statement to first evidence, overall and by source
    (cycle_time_stats()["time_to_first_evidence"])."""
    groups = [("Any source", ttfe)] + [(SOURCE_SINGULAR[source], ttfe["by_source"][source])
                                       for source in SOURCE_LABELS]
    names = [name for name, _ in groups]
    traces = []
    for key, label, opacity in (("p50_days", "p50", 1.0), ("p85_days", "p85", 0.45)):
        values = [_round(entry[key]) for _, entry in groups]
        traces.append(go.Bar(
            x=names, y=values, name=label, opacity=opacity,
            marker_color=[BRAND] + [COLORS[source] for source in SOURCE_LABELS],
            text=[f"{v:.1f}" if v is not None else "" for v in values], textposition="outside",
            cliponaxis=False,
            customdata=[entry["count"] for _, entry in groups],
            hovertemplate=(f"%{{x}}: {label} %{{y:.1f}} days"
                           "<br>over %{customdata} hypotheses<extra></extra>"),
        ))
    return _figure(traces, barmode="group", showlegend=True,
                   yaxis={"title": {"text": "Days to first evidence", "font": {"size": 12}}})


def velocity_trend(trend: dict[str, Any]) -> go.Figure:
    """velocity_trend(): decided per week and p50 cycle time, the 4 weeks before against
    the last 4, side by side."""
    periods = ["4 weeks before", "Last 4 weeks"]
    colors = ["#cbd5e1", BRAND]
    throughput = [_round(trend[p]["throughput_per_week"]) for p in ("previous", "current")]
    p50 = [_round(trend[p]["p50_days"]) for p in ("previous", "current")]
    traces = [
        go.Bar(x=periods, y=throughput, marker_color=colors, xaxis="x", yaxis="y",
               text=[f"{v:.1f}" for v in throughput], textposition="outside", cliponaxis=False,
               hovertemplate="%{x}: %{y:.1f} decided per week<extra></extra>", showlegend=False),
        go.Bar(x=periods, y=p50, marker_color=colors, xaxis="x2", yaxis="y2",
               text=[f"{v:.1f} d" if v is not None else "no decisions" for v in p50],
               textposition="outside", cliponaxis=False,
               hovertemplate="%{x}: p50 %{y:.1f} days<extra></extra>", showlegend=False),
    ]
    title = {"xanchor": "center", "yref": "paper", "y": 1.0, "yanchor": "bottom",
             "showarrow": False, "font": {"size": 12, "color": MUTED}}
    return _figure(
        traces, height=260,
        xaxis={"domain": [0, 0.45], "showgrid": False},
        xaxis2={"domain": [0.55, 1], "showgrid": False, "anchor": "y2"},
        yaxis={"anchor": "x", "showticklabels": False, "showgrid": False, "rangemode": "tozero"},
        yaxis2={"anchor": "x2", "showticklabels": False, "showgrid": False, "rangemode": "tozero"},
        annotations=[{**title, "xref": "paper", "x": 0.225, "text": "Decided per week"},
                     {**title, "xref": "paper", "x": 0.775, "text": "p50 cycle time"}],
        margin={"l": 8, "r": 8, "t": 36, "b": 32},
        narrow={axis: {"tickvals": periods, "ticktext": ["Before", "Last 4 wk"]}
                for axis in ("xaxis", "xaxis2")},
    )


# --- helpers ------------------------------------------------------------------------------------
def plotly_text(text: str) -> str:
    """`text` as Plotly shows it literally: Plotly reads `<tag>`s (b, i, br, a, span…) in hover
    texts and tick labels and decodes only the entities &amp; &lt; &gt; (and a few others,
    numeric ones too) — not &quot;, which it would show as typed. So &, < and > are escaped,
    quotes are not."""
    return escape(text, quote=False)


def _short(title: str, limit: int = 34) -> str:
    """A title cut to `limit` characters for a tick label (cut before escaping, so that no
    entity is cut in half), escaped for Plotly."""
    if len(title) > limit:
        title = title[: limit - 1].rstrip() + "…"
    return plotly_text(title)


def _count_tick(values: Sequence[int]) -> int | None:
    """Whole-number ticks for small counts (Plotly would otherwise show 0.5 steps)."""
    return 1 if values and max(values) <= 6 else None


def _bands(stats: dict[str, Any], right: float) -> tuple[list[dict], list[dict]]:
    """Vertical bands up to `right`: within p50, p50–p85, p85–p95 and beyond p95 of the
    cycle time."""
    values = [_round(stats.get(f"{name}_days")) for name in ("p50", "p85", "p95")]
    if any(value is None for value in values):
        return [], []
    edges = [float(value) for value in values if value is not None]
    fills = ["rgba(21,128,61,0.07)", "rgba(217,119,6,0.08)", "rgba(220,38,38,0.08)",
             "rgba(220,38,38,0.14)"]
    bounds = [0.0, *edges, max(right, edges[-1])]
    shapes = [{"type": "rect", "yref": "paper", "y0": 0, "y1": 1, "xref": "x",
               "x0": bounds[i], "x1": bounds[i + 1], "fillcolor": fill, "line": {"width": 0},
               "layer": "below"} for i, fill in enumerate(fills)]
    lines, labels = _percentile_lines(stats, axis="x")
    return shapes + lines, labels
