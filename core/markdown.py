"""Render instructor-written Markdown to sanitised HTML (lessons, questions, lab instructions)."""

from __future__ import annotations

from dataclasses import dataclass

import markdown
import nh3

from core.diagrams import dot_fence_format

# Bump when the rendering pipeline changes, so loaders re-render content whose files did not change.
RENDER_VERSION = "4"

# The five GitHub alert kinds; other `> [!X]` markers render as a plain callout without colour.
CALLOUT_KINDS = ("note", "tip", "important", "warning", "caution")

_EXTENSIONS = [
    "tables",
    "toc",
    "admonition",
    "sane_lists",
    "pymdownx.highlight",
    "pymdownx.superfences",
    "pymdownx.quotes",
]
_EXTENSION_CONFIGS = {
    "toc": {
        "permalink": "#",
        "permalink_class": "heading-anchor",
        "permalink_title": "Link to this section",
        "toc_depth": "2-3",
    },
    # Pygments emits CSS classes (no inline styles); static/css/pygments.css colours them.
    "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight", "guess_lang": False},
    "pymdownx.superfences": {
        "custom_fences": [{"name": "dot", "class": "diagram", "format": dot_fence_format}]
    },
    # GitHub-style `> [!NOTE]` callouts become the same markup as `!!! note` admonitions.
    "pymdownx.quotes": {"callouts": True},
}

# What instructor content may contain. Everything else (script, style, iframe, event handlers,
# javascript: URLs, inline styles) is removed.
_SVG_TAGS = {
    "svg", "g", "title", "polygon", "polyline", "path", "ellipse", "circle", "rect", "line", "text",
    "tspan", "defs", "lineargradient", "radialgradient", "stop",
}  # fmt: skip
_SVG_ATTRIBUTES = {
    "viewBox", "width", "height", "transform", "points", "d", "fill", "fill-opacity", "stroke",
    "stroke-width", "stroke-dasharray", "stroke-opacity", "x", "y", "x1", "y1", "x2", "y2", "cx",
    "cy", "r", "rx", "ry", "text-anchor", "font-family", "font-size", "font-weight", "font-style",
    "offset", "stop-color", "stop-opacity", "gradientUnits", "role", "aria-label", "class",
}  # fmt: skip
ALLOWED_TAGS = (nh3.ALLOWED_TAGS | _SVG_TAGS) - {"img", "map", "area"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"class"},
    "a": {"href", "title", "hreflang"},
    "details": {"open"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
    **{tag: _SVG_ATTRIBUTES for tag in _SVG_TAGS},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Rendered:
    """Rendered HTML and, where the text has headings, its table of contents."""

    html: str
    toc_html: str = ""


def sanitise_html(html: str) -> str:
    """Keep the markup our renderer produces; drop scripts, handlers and unsafe URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        clean_content_tags={"script", "style"},
        strip_comments=True,
    )


def render_markdown(text: str) -> Rendered:
    """Markdown in, sanitised HTML out (with a table of contents when there are headings)."""
    md = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    html = md.convert(text)
    toc_html = sanitise_html(md.toc) if getattr(md, "toc_tokens", None) else ""
    return Rendered(sanitise_html(html), toc_html)
