"""Render DOT to SVG with Graphviz when it is installed, with a plain fallback when it is not."""

from __future__ import annotations

import html
import shutil
import subprocess

DOT_TIMEOUT_SECONDS = 10.0


class RenderError(RuntimeError):
    """Graphviz ran but could not render the graph."""


def dot_available() -> bool:
    return shutil.which("dot") is not None


def render_svg(dot_source: str, *, timeout: float = DOT_TIMEOUT_SECONDS) -> str:
    """SVG text for a DOT graph; without Graphviz, an SVG that shows the DOT source and says so."""
    binary = shutil.which("dot")
    if binary is None:
        return fallback_svg(
            dot_source,
            "Graphviz `dot` is not installed: showing the DOT source. "
            "Install graphviz to get the drawing.",
        )
    try:
        done = subprocess.run(
            [binary, "-Tsvg"],
            input=dot_source.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"dot did not finish within {timeout:g} s") from exc
    if done.returncode != 0:
        raise RenderError(f"dot failed: {done.stderr.decode(errors='replace').strip()[:500]}")
    return done.stdout.decode()


def fallback_svg(text: str, note: str) -> str:
    """A plain SVG with a note and the text, one line per row."""
    rows = [note, "", *text.splitlines()]
    width = max(len(r) for r in rows) * 7 + 20
    height = len(rows) * 16 + 20
    body = "".join(
        f'<text x="10" y="{20 + i * 16}" font-family="monospace" font-size="12">'
        f"{html.escape(row)}</text>"
        for i, row in enumerate(rows)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="white"/>'
        f"{body}</svg>\n"
    )
