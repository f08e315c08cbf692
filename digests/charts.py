"""The weekly edition's chart: items per topic over the last 8 weeks, as a PNG.

matplotlib is imported lazily (it is slow to import and only the weekly edition needs it) and
drawn through the Agg canvas directly, without pyplot's global state, so it is safe in a
worker thread and needs no display.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from digests.model import TopicCatalog
from digests.render.common import MONTHS
from storage.digests import week_start

WEEKS = 8


def chart_weeks(end: datetime, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the `weeks` weeks ending with the one `end` falls in."""
    last = week_start(end)
    return [last - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def topic_chart_png(
    counts: Mapping[str, Sequence[int]],
    weeks: Sequence[date],
    *,
    title: str,
    catalog: TopicCatalog | None = None,
) -> bytes:
    catalog = catalog or TopicCatalog()
    # Imported here on purpose: only the weekly edition pays for matplotlib.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(weeks)))
    for topic, values in counts.items():
        axes.plot(positions, list(values), marker="o", linewidth=1.8, label=catalog.title(topic))
    axes.set_xticks(positions)
    axes.set_xticklabels([f"{week.day} {MONTHS[week.month - 1]}" for week in weeks])
    axes.set_ylabel("items first seen")
    axes.set_xlabel("week starting (UTC)")
    axes.set_title(title)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    if counts:
        axes.legend(loc="upper left", fontsize="small", frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    # No metadata: the same counts give the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
