"""Render instructor-written Markdown to sanitised HTML (lessons, questions, lab instructions)."""

from __future__ import annotations

from dataclasses import dataclass

import markdown
import nh3

# NOTE: the courses work extends this module (callouts, dot diagrams, code highlighting);
# the public surface stays `render_markdown(text) -> Rendered`.

_EXTENSIONS = ["tables", "fenced_code", "toc", "admonition", "pymdownx.superfences"]


@dataclass(frozen=True)
class Rendered:
    """Rendered HTML and, where the text has headings, its table of contents."""

    html: str
    toc_html: str = ""


def render_markdown(text: str) -> Rendered:
    """Markdown in, sanitised HTML out."""
    md = markdown.Markdown(extensions=_EXTENSIONS)
    html = md.convert(text)
    return Rendered(nh3.clean(html), nh3.clean(getattr(md, "toc", "")))
