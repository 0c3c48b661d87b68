"""Charts of a Table (matplotlib, no pyplot): area over time, change per period, per region.

Charts read the Table only; they never measure geometry. Every label from the data (status
classes, region names) and the title is shown literally: ``$`` would otherwise start
matplotlib's mathtext (``cost $\\foo$`` fails to draw, ``$x^2$`` draws a formula).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from geotools.errors import OutputError, UsageError
from geotools.output import write_bytes
from geotools.regions import OUTSIDE
from geotools.render.style import (
    CHART_FORMATS,
    CHART_KINDS,
    GAINED,
    LINE_COLORS,
    LOST,
    NET,
    main_status,
)
from geotools.table import TOTAL


def literal(text: object) -> str:
    """``text`` as matplotlib shows it literally (no mathtext)."""
    return str(text).replace("$", r"\$")


def _totals(table: pd.DataFrame) -> pd.DataFrame:
    rows = table[table["region"] == TOTAL]
    if rows.empty:
        raise UsageError(
            "the table has no rows to chart; choose a range inside the data or a shorter --period"
        )
    return rows.sort_values(["status", "period_start"])


def area_chart(table: pd.DataFrame, title: str | None = None) -> Figure:
    """Area held per status at each period edge (the snapshots S(t) the Table used)."""
    rows = _totals(table)
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = fig.add_subplot()
    lines, labels = [], []
    for i, (status, group) in enumerate(rows.groupby("status", sort=True)):
        x = [group["period_start"].iloc[0], *group["period_end"]]
        y = [group["area_from_km2"].iloc[0], *group["area_to_km2"]]
        color = LINE_COLORS[i % len(LINE_COLORS)]
        lines += ax.plot(x, y, marker="o", markersize=3, color=color)
        labels.append(literal(status))
    ax.set_ylabel("area, km²")
    ax.set_title(literal(title or "Area held at each period edge"))
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    # handles and labels given: a class named "_x" is shown too, not taken for a hidden line
    ax.legend(lines, labels, loc="best", frameon=False)
    fig.autofmt_xdate()
    return fig


def change_chart(table: pd.DataFrame, title: str | None = None) -> Figure:
    """Gained (up), lost (down) and net per period: one panel per status."""
    rows = _totals(table)
    statuses = sorted(rows["status"].unique())
    fig = Figure(figsize=(9, 1.2 + 3.2 * len(statuses)), layout="constrained")
    axes = fig.subplots(len(statuses), 1, squeeze=False, sharex=True)[:, 0]
    for ax, status in zip(axes, statuses, strict=True):
        group = rows[rows["status"] == status]
        x = list(range(len(group)))
        ax.bar(x, group["gained_km2"], color=GAINED, label="gained")
        ax.bar(x, -group["lost_km2"], color=LOST, label="lost")
        ax.plot(x, group["net_km2"], color=NET, marker="o", markersize=3, linewidth=1, label="net")
        ax.axhline(0, color="#444444", linewidth=0.6)
        ax.set_ylabel(literal(f"{status}, km²"))
        ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        labels = period_labels(list(group["period_start"]))
        step = max(1, len(labels) // 14)
        ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
        ax.legend(loc="best", frameon=False, ncols=3)
    axes[0].set_title(literal(title or "Gained, lost and net per period"))
    return fig


def region_chart(
    table: pd.DataFrame, status: str | None = None, title: str | None = None
) -> Figure:
    """Gained, lost and net per region, summed over the Table's periods (one status).

    ``status``: the class to show (default: occupied, else the first; see ``main_status``).
    """
    _totals(table)  # the same error as the other charts for an empty table
    rows = table[table["region"] != TOTAL]
    if rows.empty:
        raise UsageError("the table has no region rows; pass --by REGIONS to chart by region")
    status = main_status(list(rows["status"].unique()), status)
    rows = rows[rows["status"] == status]
    sums = rows.groupby(["region", "region_name"], sort=False)[
        ["gained_km2", "lost_km2", "net_km2"]
    ].sum()
    sums = sums[(sums["gained_km2"] > 0) | (sums["lost_km2"] > 0)]
    sums = sums.sort_values("net_km2")
    fig = Figure(figsize=(9, 1.4 + 0.38 * max(1, len(sums))), layout="constrained")
    ax = fig.add_subplot()
    names = [
        literal(name) if code != OUTSIDE else "outside all regions" for code, name in sums.index
    ]
    y = list(range(len(sums)))
    ax.barh(y, sums["gained_km2"], color=GAINED, label="gained", height=0.7)
    ax.barh(y, -sums["lost_km2"], color=LOST, label="lost", height=0.7)
    ax.scatter(sums["net_km2"], y, color=NET, zorder=3, s=14, label="net")
    ax.set_yticks(y, names)
    ax.axvline(0, color="#444444", linewidth=0.6)
    ax.set_xlabel(literal(f"{status}, km²"))
    ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    start, end = table["period_start"].min(), table["period_end"].max()
    ax.set_title(
        literal(title or f"By region, {start.isoformat()} → {end.isoformat()} (sum of periods)")
    )
    ax.legend(loc="lower right", frameon=False)
    if sums.empty:
        ax.text(0.5, 0.5, "no change in any region", transform=ax.transAxes, ha="center")
    return fig


def default_window(table: pd.DataFrame) -> int:
    """The rolling window of the rate chart: 30 days for daily rows, 4 weeks for weekly rows,
    else three of the longest periods (a 93-day window holds any three calendar months)."""
    days = int(table["days"].max()) if not table.empty else 1
    if days <= 1:
        return 30
    if days <= 7:
        return 28
    return 3 * days


def _one_status(table: pd.DataFrame, status: str | None) -> tuple[str, pd.DataFrame]:
    rows = _totals(table)
    chosen = main_status(list(rows["status"].unique()), status)
    assert chosen is not None  # _totals refused an empty table
    return chosen, rows[rows["status"] == chosen].sort_values("period_start")


def rate_chart(
    table: pd.DataFrame,
    status: str | None = None,
    title: str | None = None,
    window: int | None = None,
) -> Figure:
    """Gained (up) and lost (down) km² a day per period, with the rolling net km² a day over
    ``window`` days (see geotools.trends; default ``default_window``), for one status."""
    from geotools.trends import trend

    status, rows = _one_status(table, status)
    window = window or default_window(rows)
    rolled = trend(rows, [window])
    fig = Figure(figsize=(9, 4.4), layout="constrained")
    ax = fig.add_subplot()
    starts = list(rows["period_start"])
    widths = list(rows["days"])
    ax.bar(starts, rows["gained_km2_per_day"], width=widths, align="edge", color=GAINED,
           label="gained a day", linewidth=0)  # fmt: skip
    ax.bar(starts, -rows["lost_km2_per_day"], width=widths, align="edge", color=LOST,
           label="lost a day", linewidth=0)  # fmt: skip
    ax.plot(
        list(rolled["date"]),
        rolled[f"net_km2_per_day_{window}d"],
        color=NET,
        linewidth=1.6,
        label=f"net a day, {window}-day rolling",
    )
    ax.axhline(0, color="#444444", linewidth=0.6)
    ax.set_ylabel(literal(f"{status}, km² a day"))
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title(literal(title or "Km² a day, with the rolling net pace"))
    ax.legend(loc="best", frameon=False, ncols=3)
    fig.autofmt_xdate()
    return fig


def cumulative_chart(
    table: pd.DataFrame, status: str | None = None, title: str | None = None
) -> Figure:
    """Gained, lost and net km² summed since the first period (one status)."""
    status, rows = _one_status(table, status)
    x = [rows["period_start"].iloc[0], *rows["period_end"]]
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for column, color, label, sign in [
        ("gained_km2", GAINED, "gained", 1.0),
        ("lost_km2", LOST, "lost (down)", -1.0),
        ("net_km2", NET, "net", 1.0),
    ]:
        y = [0.0, *(sign * rows[column].cumsum())]
        ax.plot(x, y, color=color, linewidth=1.6 if column == "net_km2" else 1.1, label=label)
    ax.axhline(0, color="#444444", linewidth=0.6)
    ax.set_ylabel(literal(f"{status}, km² since {x[0].isoformat()}"))
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title(literal(title or f"Cumulative change since {x[0].isoformat()}"))
    ax.legend(loc="best", frameon=False, ncols=3)
    fig.autofmt_xdate()
    return fig


def make_chart(
    table: pd.DataFrame,
    kind: str,
    title: str | None = None,
    status: str | None = None,
    window: int | None = None,
    *,
    footer: str | None = None,
) -> Figure:
    """One chart by name: ``area``, ``change``, ``regions`` (of ``status``, see region_chart),
    ``rate`` (rolling over ``window`` days, see rate_chart) or ``cumulative``.

    ``footer``: a source line under the chart (the source, the snapshot dates and the
    equal-area CRS; see geotools.render.context.credit_text).
    """
    if kind == "rate":
        fig = rate_chart(table, status=status, title=title, window=window)
    elif kind == "cumulative":
        fig = cumulative_chart(table, status=status, title=title)
    elif kind == "area":
        fig = area_chart(table, title)
    elif kind == "change":
        fig = change_chart(table, title)
    elif kind == "regions":
        fig = region_chart(table, status=status, title=title)
    else:
        raise UsageError(f"unknown chart {kind!r}; use one of {', '.join(CHART_KINDS)}")
    if footer:
        add_footer(fig, footer)
    return fig


def add_footer(fig: Figure, text: str) -> None:
    """A small grey source line at the chart's foot (laid out with the chart, not over it)."""
    fig.supxlabel(literal(text), x=0.01, ha="left", fontsize=7.5, color="#555555")


def period_labels(starts: list[dt.date]) -> list[str]:
    """Tick labels of periods: 'Nov 2024' when every period starts on the 1st of a month
    (monthly or longer periods), else the ISO day."""
    if starts and all(d.day == 1 for d in starts):
        return [d.strftime("%b %Y") for d in starts]
    return [d.isoformat() for d in starts]


def chart_bytes(fig: Figure, fmt: str) -> bytes:
    """The figure as PNG, SVG or PDF bytes (no creation dates in SVG and PDF)."""
    buf = io.BytesIO()
    metadata: dict[str, str | None] = {"Software": "geotools"}
    if fmt == "svg":
        metadata = {"Date": None}
    elif fmt == "pdf":
        metadata = {"CreationDate": None}
    # svg.fonttype none: the text stays text (searchable, selectable), not outlines
    with matplotlib.rc_context({"svg.hashsalt": "geotools", "svg.fonttype": "none"}):
        fig.savefig(buf, format=fmt, dpi=150, metadata=metadata)
    return buf.getvalue()


def write_chart(fig: Figure, dest: str | Path) -> None:
    """Write a figure atomically; the format comes from the extension (.png, .svg, .pdf)."""
    write_bytes(dest, chart_bytes(fig, chart_format(dest)))


def chart_format(dest: str | Path) -> str:
    """png, svg or pdf, from the extension of ``dest`` (OutputError otherwise)."""
    dest = Path(dest)
    fmt = CHART_FORMATS.get(dest.suffix.lower())
    if fmt is None:
        raise OutputError(f"unknown chart format {dest.suffix!r}; use .png, .svg or .pdf", dest)
    return fmt
