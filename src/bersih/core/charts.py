"""Bar charts drawn on the server as SVG geometry (no script, no inline style): the dashboards'.

A chart is a dict the templates ``core/includes/chart_*.html`` draw with SVG presentation attributes
and the classes of ``core/charts.css``; the same figures are always given as a table too. Include one
with ``chart``, ``id``, ``title``, ``label_heading`` and optionally ``value_heading`` (default "Cases").
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
ROW = 26  # height of one row of a horizontal chart
LABEL_WIDTH = 220  # room for the labels left of a horizontal chart's bars
VALUE_ROOM = 60  # room for the value right of the longest bar
COLUMN_HEIGHT = 160  # plot height of a column chart
AXIS_ROOM = 22  # room under the columns for their labels


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float
    show_label: bool = True


def _scale(values: list[int]) -> int:
    return max([*values, 1])


def horizontal(items: list[tuple[str, int]]) -> dict:
    """One bar per row, the label on the left and the value after the bar."""
    top = _scale([value for _label, value in items])
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = []
    for index, (label, value) in enumerate(items):
        width = round(room * value / top, 1)
        y = index * ROW
        bars.append(
            Bar(
                label=label,
                value=value,
                x=LABEL_WIDTH,
                y=y + 4,
                width=max(width, 1 if value else 0),
                height=ROW - 8,
                text_x=LABEL_WIDTH + width + 6,
                text_y=y + ROW / 2 + 5,
            )
        )
    return {"width": WIDTH, "height": max(len(items), 1) * ROW, "bars": bars, "label_x": LABEL_WIDTH - 8}


def columns(items: list[tuple[str, int]], *, label_every: int = 1) -> dict:
    """One column per item (hours, days); every ``label_every``-th column is labelled below."""
    top = _scale([value for _label, value in items])
    count = max(len(items), 1)
    step = WIDTH / count
    bars = []
    for index, (label, value) in enumerate(items):
        height = round(COLUMN_HEIGHT * value / top, 1)
        x = round(index * step, 1)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=x + 1,
                y=COLUMN_HEIGHT - height,
                width=max(round(step - 2, 1), 1),
                height=height,
                text_x=round(x + step / 2, 1),
                text_y=COLUMN_HEIGHT + 16,
                show_label=index % label_every == 0,
            )
        )
    return {
        "width": WIDTH,
        "height": COLUMN_HEIGHT + AXIS_ROOM,
        "bars": bars,
        "base_y": COLUMN_HEIGHT,
        "top": top,
    }
