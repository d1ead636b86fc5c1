"""Markdown rendering: tables, highlighted code, callouts, TOC, dot diagrams, sanitising."""

from __future__ import annotations

import hashlib

import pytest

from core import diagrams
from core.markdown import render_markdown

DOT = "```dot\ndigraph release_flow {\n  source -> build -> deploy\n}\n```\n"


@pytest.fixture(autouse=True)
def diagram_cache(settings, tmp_path):
    """A fresh diagram cache per test."""
    settings.DIAGRAM_CACHE_DIR = tmp_path / "diagrams"
    return settings.DIAGRAM_CACHE_DIR


def test_table():
    html = render_markdown("| key | meaning |\n|---|---|\n| `phases` | build steps |\n").html
    assert "<table>" in html and "<th>key</th>" in html
    assert "<td><code>phases</code></td>" in html


def test_fenced_code_is_highlighted_with_css_classes():
    html = render_markdown("```yaml\nversion: 0.2\nphases:\n  build: {}\n```\n").html
    assert '<div class="highlight"><pre>' in html
    assert '<span class="nt">version</span>' in html  # Pygments token class, not inline style
    assert "style=" not in html


@pytest.mark.parametrize("kind", ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"])
def test_github_callouts(kind):
    html = render_markdown(f"> [!{kind}]\n> Keep **secrets** out of the buildspec.\n").html
    assert f'<div class="admonition {kind.lower()}">' in html
    assert f'<p class="admonition-title">{kind.title()}</p>' in html
    assert "<strong>secrets</strong>" in html
    assert "<blockquote>" not in html


def test_callout_with_custom_title_and_plain_quote():
    html = render_markdown("> [!TIP] Exam shortcut\n> Read the constraint.\n\n> Plain quote\n").html
    assert '<p class="admonition-title">Exam shortcut</p>' in html
    assert "<blockquote>\n<p>Plain quote</p>\n</blockquote>" in html


def test_admonition_syntax():
    html = render_markdown('!!! warning "Cost"\n    Blue/green doubles the fleet.\n').html
    assert '<div class="admonition warning">' in html
    assert '<p class="admonition-title">Cost</p>' in html


def test_table_of_contents_and_heading_anchors():
    rendered = render_markdown("## Build phases\n\ntext\n\n### When a phase fails\n\nmore\n")
    assert '<h2 id="build-phases">' in rendered.html
    assert 'class="heading-anchor" href="#build-phases"' in rendered.html
    assert 'href="#build-phases"' in rendered.toc_html
    assert 'href="#when-a-phase-fails"' in rendered.toc_html


def test_no_headings_no_toc():
    assert render_markdown("Just a paragraph.").toc_html == ""


def test_dot_fence_becomes_inline_svg_and_is_cached(diagram_cache):
    html = render_markdown(DOT).html
    assert '<figure class="diagram"><svg role="img" aria-label="Diagram: release flow"' in html
    assert "<text" in html and ">deploy</text>" in html
    cached = list(diagram_cache.glob("*.svg"))
    source = b"digraph release_flow {\n  source -> build -> deploy\n}"
    assert [path.stem for path in cached] == [hashlib.sha256(source).hexdigest()]


def test_cached_diagram_is_used_without_running_dot(monkeypatch):
    first = render_markdown(DOT).html
    monkeypatch.setenv("PATH", "/nonexistent")  # dot cannot be found any more
    assert render_markdown(DOT).html == first


def test_dot_missing_gives_readable_fallback(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    html = render_markdown(DOT).html
    assert '<figure class="diagram diagram-fallback">' in html
    assert "graphviz `dot` is not installed" in html
    assert "source -&gt; build -&gt; deploy" in html  # the DOT source, escaped, in a <pre>
    assert "<svg" not in html


def test_dot_syntax_error_gives_fallback_with_reason():
    html = render_markdown("```dot\ndigraph { a -> }\n```\n").html
    assert "diagram-fallback" in html and "rejected the diagram" in html


def test_oversized_dot_source_is_not_rendered():
    source = "digraph big {\n" + "a -> b\n" * (diagrams.MAX_SOURCE_CHARS // 7 + 10) + "}"
    html = render_markdown(f"```dot\n{source}\n```\n").html
    assert "diagram-fallback" in html and "longer than" in html


def test_script_and_event_handlers_are_removed():
    text = (
        "Hello <script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        '<p onclick="steal()">click</p>\n\n'
        '[bad](javascript:alert(1)) <a href="javascript:alert(2)">also bad</a> '
        "[good](https://docs.aws.amazon.com/)\n\n"
        '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>\n'
    )
    html = render_markdown(text).html
    for forbidden in (
        "<script",
        "alert(",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "<style",
    ):
        assert forbidden not in html, forbidden
    assert '<a href="https://docs.aws.amazon.com/"' in html
    assert "<p>click</p>" in html


def test_svg_in_content_cannot_carry_script():
    text = '<svg onload="alert(1)"><script>alert(2)</script><a href="javascript:x">x</a></svg>'
    html = render_markdown(text).html
    assert "onload" not in html and "<script" not in html and "javascript:" not in html
