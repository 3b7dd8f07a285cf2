"""Each report's chart, drawn from its table with matplotlib's object API (no pyplot, no GUI backend) as SVG.

The SVG is served as its own image/svg+xml response and shown with <img>: matplotlib writes style attributes
inside the SVG, which the pages' Content-Security-Policy would refuse inline.

matplotlib is imported when the first chart is drawn, not with the module: it is half a second of every web and
worker process's start, and most never draw a chart."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from .tables import Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = [
    "#0b5394",
    "#e69f00",
    "#cc3311",
    "#009e73",
    "#56b4e9",
    "#882255",
    "#999933",
    "#6a3d9a",
    "#999999",
    "#44aa99",
    "#332288",
    "#ddcc77",
]
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "ductogram-reports",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


MOST_TICKS = 20


def _numbers(values) -> list[float]:
    return [float(v) if v is not None else 0.0 for v in values]


def _empty(ax, message: str = "No data for this period and these filters.") -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def _stacked(ax, labels, series: dict[str, list], horizontal: bool = False) -> None:
    base = [0.0] * len(labels)
    positions = list(range(len(labels)))
    for index, (name, values) in enumerate(series.items()):
        values = _numbers(values)
        colour = COLOURS[index % len(COLOURS)]
        if horizontal:
            ax.barh(positions, values, left=base, label=name, color=colour)
        else:
            ax.bar(positions, values, bottom=base, label=name, color=colour)
        base = [b + v for b, v in zip(base, values, strict=True)]
    if horizontal:
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
    else:
        step = -(-len(labels) // MOST_TICKS)  # a long period labels every n-th week, so the labels stay legible
        ax.set_xticks(positions[::step], labels[::step], rotation=45, ha="right")
    ax.legend(fontsize=7, frameon=False, loc="best")


def _nonzero(table: Table, columns: list[str]) -> dict[str, list]:
    return {c: table.column(c) for c in columns if any(table.column(c))}


def weekly(fig: Figure, table: Table) -> None:
    ax = fig.subplots()
    series = _nonzero(table, table.columns[1:])
    if not series:
        return _empty(ax)
    _stacked(ax, table.column("Week"), series)
    ax.set_ylabel("Appointments")


def _rates(fig: Figure, table: Table, label_column: str, horizontal: bool) -> None:
    ax = fig.subplots()
    if not any(table.column("Appointments due")):
        return _empty(ax)
    labels = table.column(label_column)
    positions = list(range(len(labels)))
    width = 0.4
    for offset, (column, colour) in enumerate(
        [("Did-not-attend rate (%)", COLOURS[2]), ("Late-cancellation rate (%)", COLOURS[1])]
    ):
        shifted = [p + (offset - 0.5) * width for p in positions]
        values = _numbers(table.column(column))
        if horizontal:
            ax.barh(shifted, values, height=width, label=column, color=colour)
        else:
            ax.bar(shifted, values, width=width, label=column, color=colour)
    if horizontal:
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.set_xlabel("% of appointments due")
    else:
        ax.set_xticks(positions, labels)
        ax.set_ylabel("% of appointments due")
    ax.legend(fontsize=7, frameon=False)


def attendance(fig: Figure, table: Table) -> None:
    _rates(fig, table, "Month", horizontal=False)


def engagement(fig: Figure, table: Table) -> None:
    _rates(fig, table, "Patients who", horizontal=True)


def reminders(fig: Figure, table: Table) -> None:
    ax = fig.subplots()
    if not table.rows:
        return _empty(ax)
    labels = [
        f"{channel} · {stage}" for channel, stage in zip(table.column("Channel"), table.column("Stage"), strict=True)
    ]
    _stacked(ax, labels, _nonzero(table, ["Sent", "Failed", "Skipped", "Still to go", "Cancelled"]), horizontal=True)
    ax.set_xlabel("Reminders")


def _hbars(ax, labels, values, colour=COLOURS[0], xlabel="") -> None:
    positions = list(range(len(labels)))
    ax.barh(positions, _numbers(values), color=colour)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reminder_reasons(fig: Figure, table: Table) -> None:
    ax = fig.subplots()
    if not table.rows:
        return _empty(ax, "No reminder failed or was skipped.")
    labels = [
        _short(f"{c} {o.lower()}: {r}") for c, o, r in zip(*(table.column(n) for n in table.columns[:3]), strict=True)
    ]
    _hbars(ax, labels, table.column("Reminders"), COLOURS[2], "Reminders")


def durations(fig: Figure, table: Table) -> None:
    ax = fig.subplots()
    if not table.rows:
        return _empty(ax, "No performed procedure with a start and end logged.")
    labels = [f"{by}: {name}" for by, name in zip(table.column("By"), table.column("Name"), strict=True)]
    positions = list(range(len(labels)))
    low, mid, high = (_numbers(table.column(f"Actual, {p}")) for p in ("10th percentile", "median", "90th percentile"))
    ax.hlines(positions, low, high, color=COLOURS[0], linewidth=3, label="Actual, 10th to 90th percentile")
    ax.plot(mid, positions, "o", color=COLOURS[0], label="Actual, median")
    ax.plot(
        _numbers(table.column("Expected, median")),
        positions,
        "|",
        markersize=14,
        color=COLOURS[2],
        label="Expected (booked), median",
    )
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlabel("Minutes")
    ax.legend(fontsize=7, frameon=False)


def lead_time(fig: Figure, table: Table) -> None:
    ax = fig.subplots()
    if not any(table.column("Appointments")):
        return _empty(ax)
    positions = list(range(len(table.rows)))
    ax.bar(positions, table.column("Appointments"), color=COLOURS[0])
    ax.set_xticks(positions, table.column("Lead time"), rotation=30, ha="right")
    ax.set_ylabel("Appointments")


def noshow_risk(fig: Figure, table: Table) -> None:
    ax = fig.subplots()
    if not any(table.column("Appointments")):
        return _empty(ax)
    counts = zip(table.column("Risk band"), table.column("Appointments"), strict=True)
    labels = [f"{band}\n({n} appointments)" for band, n in counts]
    positions = list(range(len(labels)))
    ax.bar(positions, _numbers(table.column("Did-not-attend rate (%)")), color=COLOURS[2])
    ax.set_xticks(positions, labels)
    ax.set_xlabel("Risk band predicted two days before")
    ax.set_ylabel("% did not attend")


def utilisation(fig: Figure, table: Table) -> None:
    ax = fig.subplots()
    if not table.rows:
        return _empty(ax, "No rooms.")
    _hbars(ax, table.column("Room"), table.column("Utilisation (%)"), COLOURS[3], "% of open minutes booked")


def results(fig: Figure, table: Table) -> None:
    sections = list(dict.fromkeys(table.column("Section")))
    axes = fig.subplots(2, 2).flatten()
    for ax, section, colour in zip(axes, sections, COLOURS, strict=False):
        rows = [row for row in table.rows if row[0] == section]
        _hbars(ax, [_short(row[1], 32) for row in rows], [row[2] for row in rows], colour)
        ax.set_title(section, fontsize=9)


def followups(fig: Figure, table: Table) -> None:
    ax = fig.subplots()
    if not any(table.column("Total")):
        return _empty(ax, "No follow-ups open.")
    series = _nonzero(table, ["Radiologist to act", "Schedulers to act"])
    _stacked(ax, table.column("Open for"), series, horizontal=True)
    ax.set_xlabel("Follow-ups open")


DRAW = {
    "weekly": (weekly, (8, 3.8)),
    "attendance": (attendance, (8, 3.2)),
    "engagement": (engagement, (8, 3.2)),
    "noshow-risk": (noshow_risk, (8, 3.0)),
    "reminders": (reminders, (8, 4.2)),
    "reminder-reasons": (reminder_reasons, (8, 3.6)),
    "durations": (durations, (8, 3.6)),
    "lead-time": (lead_time, (8, 3.2)),
    "utilisation": (utilisation, (8, 3.0)),
    "results": (results, (9, 6.5)),
    "followups": (followups, (8, 2.6)),
}


def svg(slug: str, table: Table) -> bytes:
    import matplotlib

    matplotlib.use("Agg")  # never a GUI backend, whatever imports pyplot later
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    draw, size = DRAW[slug]
    with rc_context(STYLE):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig, table)
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
