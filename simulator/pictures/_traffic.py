"""An SVG chart of a deployment's traffic over (virtual) time, with its lifecycle events."""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable
from typing import Any

WIDTH = 640
LEFT, RIGHT, TOP = 60, 24, 58
PLOT_HEIGHT = 190
EVENT_COLOURS = {"Succeeded": "#2e7d32", "Failed": "#c62828", "InProgress": "#1565c0"}
MAX_EVENT_MARKS = 40
# Text sizes in the chart's own units: the page never scales the chart below its legible width
# (static/js/site.js keeps the smallest text at 11 px or more and lets the chart scroll instead).
TITLE_SIZE, AXIS_SIZE, LABEL_SIZE = 15, 12, 12
LANE_HEIGHT = 17
MAX_LANES = 8
CHAR_WIDTH = 0.6  # average glyph width per font size unit (Helvetica/Arial), for label placement


def _result_dict(result: Any) -> dict[str, Any]:
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def traffic_svg(result: Any, *, title: str | None = None) -> str:
    """Step chart of percent on the new version against minutes; hook events as ticks."""
    data = _result_dict(result)
    points = [(float(p["minute"]), float(p["percent_new"])) for p in data.get("traffic", [])]
    events = [
        e
        for e in data.get("events", [])
        if e.get("start") is not None and e.get("status") in EVENT_COLOURS
    ]
    end_minute: float = max(
        [m for m, _p in points] + [(e["end"] or e["start"]) / 60 for e in events] + [1.0]
    )
    plot_w = WIDTH - LEFT - RIGHT

    def x(minute: float) -> float:
        return LEFT + plot_w * minute / end_minute

    def y(percent: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - percent / 100)

    labels, hidden = _event_labels(events[:MAX_EVENT_MARKS], x)
    lanes = max((lane for *_rest, lane in labels), default=-1) + 1
    axis_bottom = TOP + PLOT_HEIGHT
    labels_top = axis_bottom + 46
    height = labels_top + lanes * LANE_HEIGHT + (LANE_HEIGHT if hidden else 0) + 8
    heading, subheading = (title, "") if title else _default_title(data)
    full = f"{heading} ({subheading})" if subheading else heading

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" '
        f'role="img" aria-label="{html.escape(full)}" data-min-font="{AXIS_SIZE}">',
        f"<title>{html.escape(full)}</title>",
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="{TITLE_SIZE}" font-weight="bold">'
        f"{html.escape(heading)}</text>",
    ]
    if subheading:
        parts.append(
            f'<text x="{LEFT}" y="40" font-size="{AXIS_SIZE}" fill="#37474f">'
            f"{html.escape(subheading)}</text>"
        )
    for percent in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(percent):.1f}" '
            f'y2="{y(percent):.1f}" stroke="#e0e0e0"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y(percent) + 4:.1f}" font-size="{AXIS_SIZE}" '
            f'text-anchor="end">{percent}%</text>'
        )
    for tick in _ticks(end_minute):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{axis_bottom + 16}" font-size="{AXIS_SIZE}" '
            f'text-anchor="middle">{tick:g}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{axis_bottom + 32}" font-size="{AXIS_SIZE}" '
        'text-anchor="middle">minutes (virtual clock)</text>'
    )
    if points:
        path = [f"M{x(points[0][0]):.1f},{y(points[0][1]):.1f}"]
        for (_m0, p0), (m1, p1) in itertools.pairwise(points):
            path.append(f"L{x(m1):.1f},{y(p0):.1f}L{x(m1):.1f},{y(p1):.1f}")
        path.append(f"L{x(end_minute):.1f},{y(points[-1][1]):.1f}")
        parts.append(
            f'<path d="{"".join(path)}" fill="none" stroke="#1565c0" stroke-width="2.5">'
            "<title>percent of traffic on the new version</title></path>"
        )
    for event in events[:MAX_EVENT_MARKS]:
        minute = event["start"] / 60
        colour = EVENT_COLOURS[event["status"]]
        label = html.escape(f"{event['event']} ({event['target']}): {event['status']}")
        parts.append(
            f'<line x1="{x(minute):.1f}" x2="{x(minute):.1f}" y1="{TOP}" '
            f'y2="{axis_bottom}" stroke="{colour}" stroke-dasharray="2,3" '
            f'stroke-opacity="0.6"><title>{label}</title></line>'
        )
    for text, lx, anchor, colour, lane in labels:
        parts.append(
            f'<text x="{lx:.1f}" y="{labels_top + lane * LANE_HEIGHT}" font-size="{LABEL_SIZE}" '
            f'fill="{colour}" text-anchor="{anchor}">{html.escape(text)}</text>'
        )
    more = hidden + max(0, len(events) - MAX_EVENT_MARKS)
    if more:
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{labels_top + lanes * LANE_HEIGHT}" '
            f'font-size="{LABEL_SIZE}" text-anchor="end">+{more} more event'
            f"{'s' if more != 1 else ''} (see the log)</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# A placed label: text, x, text-anchor, colour, lane.
Label = tuple[str, float, str, str, int]


def _event_labels(
    events: list[dict[str, Any]], x: Callable[[float], float]
) -> tuple[list[Label], int]:
    """Labels that never overlap: same-name events at one spot merge ("Install ×3"), the rest
    go to the first lane with room; what does not fit in MAX_LANES is counted, not drawn."""
    groups: list[dict[str, Any]] = []
    for event in events:
        ex = x(event["start"] / 60)
        colour = EVENT_COLOURS[event["status"]]
        for group in groups:
            if group["name"] == event["event"] and abs(group["x"] - ex) < 4:
                group["count"] += 1
                # A failure anywhere in the group is what the reader must see.
                if event["status"] == "Failed":
                    group["colour"] = colour
                break
        else:
            groups.append({"name": event["event"], "x": ex, "count": 1, "colour": colour})
    lane_ends: list[float] = []
    placed: list[Label] = []
    hidden = 0
    for group in sorted(groups, key=lambda g: g["x"]):
        text = group["name"] + (f" ×{group['count']}" if group["count"] > 1 else "")
        width = _text_width(text, LABEL_SIZE)
        # Near the right edge a label ends at its mark instead of starting there.
        if group["x"] + width > WIDTH - 4:
            left, anchor = group["x"] - width, "end"
        else:
            left, anchor = group["x"], "start"
        left = max(left, 4.0)
        for lane, end in enumerate(lane_ends):
            if left >= end + 8:
                lane_ends[lane] = left + width
                break
        else:
            if len(lane_ends) >= MAX_LANES:
                hidden += group["count"]
                continue
            lane_ends.append(left + width)
            lane = len(lane_ends) - 1
        placed.append((text, group["x"], anchor, group["colour"], lane))
    return placed, hidden


def _default_title(data: dict[str, Any]) -> tuple[str, str]:
    """The heading (id, status, rollback) and, on its own line, the deployment configuration."""
    text = f"Deployment {data.get('deployment_id', '')}: {data.get('status', '')}"
    if data.get("rolled_back"):
        text += ", rolled back"
    return text, str(data.get("config") or "")


def _ticks(end: float) -> list[float]:
    for step in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 240, 480):
        if end / step <= 8:
            return [i * step for i in range(int(end / step) + 1)]
    return [0.0, end]
