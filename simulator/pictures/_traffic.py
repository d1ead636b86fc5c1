"""An SVG chart of a deployment's traffic over (virtual) time, with its lifecycle events."""

from __future__ import annotations

import html
import itertools
from typing import Any

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 30, 120
EVENT_COLOURS = {"Succeeded": "#2e7d32", "Failed": "#c62828", "InProgress": "#1565c0"}
MAX_EVENT_MARKS = 40


def _result_dict(result: Any) -> dict[str, Any]:
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def traffic_svg(result: Any, *, title: str | None = None) -> str:
    """Step chart of percent on the new version against minutes; hook events as ticks."""
    data = _result_dict(result)
    points = [(float(p["minute"]), float(p["percent_new"])) for p in data.get("traffic", [])]
    events = [
        e
        for e in data.get("events", [])
        if e.get("start") is not None and e.get("status") in EVENT_COLOURS
    ]
    end_minute = max(
        [m for m, _p in points] + [(e["end"] or e["start"]) / 60 for e in events] + [1.0]
    )
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(minute: float) -> float:
        return LEFT + plot_w * minute / end_minute

    def y(percent: float) -> float:
        return TOP + plot_h * (1 - percent / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif" '
        'role="img">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="18" font-size="13">'
        f"{html.escape(title or _default_title(data))}</text>",
    ]
    for percent in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(percent):.1f}" '
            f'y2="{y(percent):.1f}" stroke="#e0e0e0"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y(percent) + 4:.1f}" font-size="10" '
            f'text-anchor="end">{percent}%</text>'
        )
    for tick in _ticks(end_minute):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{TOP + plot_h + 14}" font-size="10" '
            f'text-anchor="middle">{tick:g}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h + 28}" font-size="10" '
        'text-anchor="middle">minutes (virtual clock)</text>'
    )
    if points:
        path = [f"M{x(points[0][0]):.1f},{y(points[0][1]):.1f}"]
        for (_m0, p0), (m1, p1) in itertools.pairwise(points):
            path.append(f"L{x(m1):.1f},{y(p0):.1f}L{x(m1):.1f},{y(p1):.1f}")
        path.append(f"L{x(end_minute):.1f},{y(points[-1][1]):.1f}")
        parts.append(
            f'<path d="{"".join(path)}" fill="none" stroke="#1565c0" stroke-width="2">'
            "<title>percent of traffic on the new version</title></path>"
        )
    for index, event in enumerate(events[:MAX_EVENT_MARKS]):
        minute = event["start"] / 60
        colour = EVENT_COLOURS[event["status"]]
        label = html.escape(f"{event['event']} ({event['target']}): {event['status']}")
        parts.append(
            f'<line x1="{x(minute):.1f}" x2="{x(minute):.1f}" y1="{TOP}" '
            f'y2="{TOP + plot_h}" stroke="{colour}" stroke-dasharray="2,3" '
            f'stroke-opacity="0.6"><title>{label}</title></line>'
        )
        ly = TOP + plot_h + 40 + (index % 4) * 18
        anchor = "end" if x(minute) > WIDTH - 120 else "start"
        parts.append(
            f'<text x="{x(minute):.1f}" y="{ly}" font-size="9" fill="{colour}" '
            f'text-anchor="{anchor}">{html.escape(event["event"])}</text>'
        )
    if len(events) > MAX_EVENT_MARKS:
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" font-size="9" '
            f'text-anchor="end">+{len(events) - MAX_EVENT_MARKS} more events</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _default_title(data: dict[str, Any]) -> str:
    text = f"Deployment {data.get('deployment_id', '')}: {data.get('status', '')}"
    if data.get("config"):
        text += f" ({data['config']})"
    if data.get("rolled_back"):
        text += ", rolled back"
    return text


def _ticks(end: float) -> list[float]:
    for step in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 240, 480):
        if end / step <= 10:
            return [i * step for i in range(int(end / step) + 1)]
    return [0.0, end]
