"""Render ```dot fences to inline SVG with graphviz, cached on disk by the hash of the source."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from html import escape
from pathlib import Path

from django.conf import settings

# A lesson diagram is a few dozen lines; anything far larger is a mistake or an attack on the
# renderer, and `dot` on a huge graph can run for minutes.
MAX_SOURCE_CHARS = 20_000
DOT_TIMEOUT_SECONDS = 10
# Site-wide defaults: transparent background (works on light and dark themes), the site's font.
_DOT_ARGS = [
    "-Tsvg",
    "-Gbgcolor=transparent",
    "-Gfontname=sans-serif",
    "-Nfontname=sans-serif",
    "-Efontname=sans-serif",
]
_GRAPH_NAME = re.compile(r"^\s*(?:strict\s+)?(?:di)?graph\s+\"?([\w -]+?)\"?\s*\{", re.IGNORECASE)


class DiagramError(Exception):
    """`dot` is missing, timed out, or rejected the source."""


def _cache_path(source: str) -> Path:
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return Path(settings.DIAGRAM_CACHE_DIR) / f"{digest}.svg"


def _run_dot(source: str) -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise DiagramError("graphviz `dot` is not installed on the server")
    try:
        done = subprocess.run(
            [dot, *_DOT_ARGS],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DiagramError(f"`dot` took longer than {DOT_TIMEOUT_SECONDS} s") from exc
    except OSError as exc:
        raise DiagramError(f"`dot` could not run: {exc.strerror}") from exc
    if done.returncode != 0:
        first = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no details"])[0]
        raise DiagramError(f"`dot` rejected the diagram: {first}")
    svg = done.stdout.decode("utf-8", "replace")
    # Drop the XML prologue, doctype and comments: we inline the <svg> element itself.
    start = svg.find("<svg")
    if start < 0:
        raise DiagramError("`dot` produced no SVG")
    return svg[start:]


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def dot_to_svg(source: str) -> str:
    """SVG for a DOT source, from the disk cache or a fresh `dot` run; raises DiagramError."""
    if len(source) > MAX_SOURCE_CHARS:
        raise DiagramError(f"diagram source is longer than {MAX_SOURCE_CHARS} characters")
    path = _cache_path(source)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    svg = _run_dot(source)
    # An unwritable cache only costs speed; the diagram still renders.
    with contextlib.suppress(OSError):
        _write_atomically(path, svg)
    return svg


def _label(source: str) -> str:
    match = _GRAPH_NAME.match(source)
    name = match.group(1).replace("_", " ").strip() if match else ""
    return f"Diagram: {name}" if name and name.lower() != "g" else "Diagram"


def dot_fence_format(source: str, language: str, class_name: str, options, md, **kwargs) -> str:
    """pymdownx.superfences formatter: inline SVG, or the DOT source with a note on failure."""
    try:
        svg = dot_to_svg(source)
    except DiagramError as exc:
        return (
            '<figure class="diagram diagram-fallback">'
            f'<figcaption class="muted">Diagram not rendered ({escape(str(exc))}); '
            "its source follows.</figcaption>"
            f'<pre><code class="language-dot">{escape(source)}</code></pre></figure>'
        )
    label = escape(_label(source), quote=True)
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{label}"', 1)
    return f'<figure class="diagram">{svg}</figure>'
