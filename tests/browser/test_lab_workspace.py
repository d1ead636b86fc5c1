"""The lab workspace and the submission page in real Chromium, at 1366×900 and 390×844."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.content import LoadReport
from labs.loading import load_labs
from labs.models import HintReveal, Lab, Submission
from tests.browser.conftest import DESKTOP, MOBILE, VIEWPORTS, no_horizontal_overflow
from tests.labs.test_spec import make_lab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One line far wider than any editor: it must wrap (or scroll), never be cut off unseen.
LONG_LINE = "      - echo " + "x" * 240
STARTER = "version: 0.2\nphases:\n  prebuild:\n    commands:\n" + LONG_LINE + "\n"


@pytest.fixture
def lab(db, tmp_path) -> Lab:
    lab_dir = make_lab(tmp_path)
    (lab_dir / "starter" / "buildspec.yml").write_text(STARTER)
    load_labs(tmp_path, LoadReport())
    return Lab.objects.get(slug="fix-buildspec")


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_desktop_instructions_and_editor_side_by_side_with_a_draggable_divider(
    open_page, learner, lab
):
    page = open_page(DESKTOP, learner)
    page.goto(f"/labs/{lab.slug}/")
    expect(page.locator(".cm-editor")).to_be_visible()
    instructions, editor = _box(page, ".lab-instructions"), _box(page, ".lab-editor")
    assert editor["x"] >= instructions["x"] + instructions["width"]  # side by side
    assert editor["width"] >= 600 and instructions["width"] >= 450  # uses the screen
    font = page.locator(".cm-content").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert font >= 13

    handle = page.locator("[data-splitter]")
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] - 250, box["y"] + 40, steps=5)
    page.mouse.up()
    assert _box(page, ".lab-editor")["width"] > editor["width"] + 150
    before = int(handle.get_attribute("aria-valuenow"))
    handle.focus()
    page.keyboard.press("ArrowRight")
    assert int(handle.get_attribute("aria-valuenow")) == before + 5
    page.reload()  # the split is remembered
    assert int(page.locator("[data-splitter]").get_attribute("aria-valuenow")) == before + 5
    assert no_horizontal_overflow(page) == 0


def test_mobile_stacks_instructions_then_editor(open_page, learner, lab):
    page = open_page(MOBILE, learner)
    page.goto(f"/labs/{lab.slug}/")
    expect(page.locator(".cm-editor")).to_be_visible()
    instructions, editor = _box(page, ".lab-instructions"), _box(page, ".lab-editor")
    assert editor["y"] >= instructions["y"] + instructions["height"]
    assert editor["width"] >= 330
    expect(page.locator("[data-splitter]")).to_be_hidden()
    assert no_horizontal_overflow(page) == 0


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_long_lines_wrap_and_can_scroll_instead(open_page, learner, lab, viewport):
    page = open_page(VIEWPORTS[viewport], learner)
    page.goto(f"/labs/{lab.slug}/")
    scroller = page.locator(".cm-scroller")
    expect(scroller).to_be_visible()
    line = page.locator(".cm-line", has_text="xxxxxxxx")
    content_box = _box(page, ".cm-content")
    # Wrapped: the whole line is inside the editor, on several visual rows.
    assert (
        line.bounding_box()["x"] + line.bounding_box()["width"]
        <= content_box["x"] + content_box["width"] + 1
    )
    assert line.bounding_box()["height"] > 2 * 18
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    page.get_by_label("Wrap long lines").uncheck()
    # Not wrapped: the editor scrolls sideways to show the rest (and the page does not widen).
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth + 100")
    assert no_horizontal_overflow(page) == 0


def test_findings_panel_lists_every_finding_and_jumps_to_its_line(open_page, learner, lab):
    page = open_page(MOBILE, learner)
    page.goto(f"/labs/{lab.slug}/")
    panel = page.locator('[data-findings-for="buildspec.yml"]')
    expect(panel.locator("[data-findings-summary]")).to_contain_text(
        re.compile(r"\d+ errors? in buildspec\.yml"), timeout=15_000
    )
    items = panel.locator(".finding")
    count = items.count()
    assert count >= 1
    markers = page.locator(".cm-lint-marker")
    assert markers.count() >= 1
    first = items.first
    expect(first.locator(".finding-text code")).to_have_text(re.compile(r"[A-Z]+\d+"))
    jump = first.get_by_role("button", name=re.compile(r"^Go to line \d+"))
    line = int(re.search(r"line (\d+)", jump.get_attribute("aria-label")).group(1))
    assert jump.bounding_box()["height"] >= 36  # a touch target
    jump.tap() if False else jump.click()
    expect(page.locator(".cm-activeLineGutter").first).to_have_text(str(line))
    expect(page.locator(".cm-content")).to_be_focused()
    # Keyboard: the jump buttons are reachable with Tab and work with Enter.
    jump.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".cm-content")).to_be_focused()
    lesson_links = panel.locator(".finding-lesson a")
    if lesson_links.count():
        assert lesson_links.first.get_attribute("href").startswith("/study/")


def _paste_into_editor(page, text: str) -> None:
    """Select everything in the first editor and paste `text`, as a learner's paste does."""
    page.locator(".cm-content").first.click()
    page.keyboard.press("Control+a")
    page.evaluate(
        """text => { const dt = new DataTransfer(); dt.setData('text/plain', text);
             document.querySelector('.cm-content').dispatchEvent(new ClipboardEvent('paste',
               {clipboardData: dt, bubbles: true, cancelable: true})); }""",
        text,
    )


def test_a_two_megabyte_paste_says_the_real_limit(open_page, learner, lab):
    page = open_page(DESKTOP, learner)
    page.goto(f"/labs/{lab.slug}/")
    expect(page.locator(".cm-editor")).to_be_visible()
    _paste_into_editor(page, "# " + "y" * 2_000_000 + "\n")
    summary = page.locator('[data-findings-for="buildspec.yml"] [data-findings-summary]')
    expect(summary).to_contain_text("at most 200,000 bytes", timeout=15_000)
    expect(summary).to_contain_text("2,000,003 bytes")
    expect(summary).not_to_contain_text("offline")
    assert (
        page.locator('[data-findings-for="buildspec.yml"]').get_attribute("data-state")
        == "too-large"
    )
    colour = summary.evaluate("e => getComputedStyle(e).color")
    r, g, _b = (int(v) for v in re.findall(r"\d+", colour)[:3])
    assert r > g  # shown as a problem (red), never green


def test_a_rate_limited_check_says_so_and_retries(open_page, learner, lab):
    page = open_page(DESKTOP, learner)
    calls = {"n": 0}

    def limited(route):
        calls["n"] += 1
        if calls["n"] == 1:
            route.fulfill(
                status=429,
                headers={"Retry-After": "2", "Content-Type": "application/json"},
                body=json.dumps({"detail": "Request was throttled."}),
            )
        else:
            route.continue_()

    page.route("**/api/check/", limited)
    page.goto(f"/labs/{lab.slug}/")
    summary = page.locator('[data-findings-for="buildspec.yml"] [data-findings-summary]')
    expect(summary).to_contain_text("pauses for 2 seconds")
    # After the pause it checks again by itself and shows the findings.
    expect(summary).to_contain_text(re.compile(r"errors? in buildspec\.yml"), timeout=10_000)


def test_offline_says_offline_and_recovers(open_page, learner, lab):
    page = open_page(DESKTOP, learner)
    page.goto(f"/labs/{lab.slug}/")
    summary = page.locator('[data-findings-for="buildspec.yml"] [data-findings-summary]')
    expect(summary).to_contain_text("in buildspec.yml", timeout=15_000)
    page.context.set_offline(True)
    _paste_into_editor(page, "version: 0.2\nphases: {}\n")
    expect(summary).to_contain_text("You are offline")
    page.context.set_offline(False)
    expect(summary).to_contain_text("in buildspec.yml", timeout=10_000)


def test_a_hint_is_revealed_only_after_confirming_its_cost(open_page, learner, lab):
    page = open_page(MOBILE, learner)
    page.goto(f"/labs/{lab.slug}/")
    expect(page.get_by_text("Look at the phases.")).to_have_count(0)
    page.locator("summary", has_text="Reveal hint 1").click()
    confirm = page.get_by_role("button", name="Yes, reveal hint 1 for 2 points")
    expect(confirm).to_be_visible()
    expect(page.get_by_text(re.compile("takes 2 points off"))).to_be_visible()
    assert not HintReveal.objects.exists()  # opening the disclosure costs nothing
    confirm.click()
    expect(page.get_by_text("Look at the phases.")).to_be_visible()
    assert HintReveal.objects.count() == 1


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_submission_page_updates_itself_after_the_decision(
    open_page, learner, lab, monkeypatch, decision
):
    """The grading (a worker) finishes after the click; the page shows it without a reload."""
    from labs import services

    monkeypatch.setattr(services, "grading_enqueue", lambda pk: None)  # no worker here
    sub = Submission.objects.create(
        user=learner,
        lab=lab,
        number=1,
        files={"buildspec.yml": "version: 0.2\n"},
        status=Submission.Status.AWAITING_APPROVAL,
        max_score=15,
        created_at=timezone.now(),
    )
    page = open_page(DESKTOP, learner)
    page.goto(f"/labs/submissions/{sub.pk}/")
    page.get_by_role("button", name=decision.capitalize()).click()
    status = page.locator("#submission-status")
    expect(status).to_have_attribute(
        "data-approval", {"approve": "approved", "reject": "rejected"}[decision]
    )
    expect(page.get_by_text("this page updates by itself")).to_be_visible()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    # The worker finishes the grading now.
    Submission.objects.filter(pk=sub.pk).update(
        status=Submission.Status.GRADED,
        score=15,
        percent=100.0,
        results=[],
        finished_at=timezone.now(),
    )
    expect(status).to_have_attribute("data-status", "graded", timeout=10_000)
    expect(page.locator(".score")).to_contain_text("15 / 15")
    assert navigations == []  # no reload: the status swapped in place


def _pictures() -> dict[str, str]:
    from simulator.pictures import dot_available, pipeline_dot, render_svg, traffic_svg
    from tests.simulator.pictures.test_pictures import six_stage

    events = [
        {
            "target": f"i-web-{n}",
            "event": name,
            "status": "Succeeded",
            "start": n * 90 + s,
            "end": n * 90 + s + 4,
        }
        for n in range(3)
        for name, s in (
            ("ApplicationStop", 0),
            ("DownloadBundle", 3),
            ("BeforeInstall", 6),
            ("Install", 9),
            ("AfterInstall", 12),
            ("ApplicationStart", 15),
            ("ValidateService", 20),
        )
    ]
    pictures = {
        "traffic": traffic_svg(
            {
                "deployment_id": "d-ABCDEFGHI",
                "status": "Succeeded",
                "traffic": [],
                "events": events,
                "config": "CodeDeployDefault.OneAtATime",
            }
        )
    }
    if dot_available():
        pictures["pipeline"] = render_svg(pipeline_dot(six_stage()))
    return pictures


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_pictures_keep_legible_text_no_overlaps_and_no_stray_captions(
    open_page, learner, lab, viewport
):
    pictures = _pictures()
    sub = Submission.objects.create(
        user=learner,
        lab=lab,
        number=1,
        files={},
        status=Submission.Status.GRADED,
        score=15,
        max_score=15,
        percent=100.0,
        results=[],
        pictures=pictures,
        created_at=timezone.now(),
        finished_at=timezone.now(),
    )
    page = open_page(VIEWPORTS[viewport], learner)
    page.goto(f"/labs/submissions/{sub.pk}/")
    expect(page.locator(".picture svg").first).to_be_visible()
    expect(page.locator(".picture figcaption")).to_have_count(0)
    for stray in ("traffic", "pipeline"):
        expect(page.get_by_text(stray, exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Traffic on the new version")).to_be_visible()
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('.picture svg')].flatMap(svg => {
             const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
             return [...svg.querySelectorAll('text')].map(t =>
               parseFloat(t.getAttribute('font-size') || getComputedStyle(t).fontSize) * scale);
           }))"""
    )
    assert smallest >= 11, smallest  # was ~9 px on desktop, 3–4 px on mobile
    # Lifecycle labels on the traffic chart: no two overlap on screen.
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('[data-picture=traffic] text[fill]')]
                 .map(t => { const r = t.getBoundingClientRect();
                             return [r.left, r.right, r.top, r.bottom]; })"""
    )
    assert len(boxes) >= 7
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a[1] <= b[0] + 0.5 or b[1] <= a[0] + 0.5 or a[3] <= b[2] + 0.5 or b[3] <= a[2] + 0.5
            )
            assert apart, (a, b)
    # A wider picture scrolls inside its frame, never the page; the frame is keyboard-scrollable.
    assert no_horizontal_overflow(page) == 0
    for frame in page.locator(".picture").all():
        if frame.evaluate("e => e.scrollWidth > e.clientWidth + 1"):
            assert frame.get_attribute("tabindex") == "0"
            # Zoom out to the whole picture and back to the readable size.
            zoom = frame.locator("xpath=preceding-sibling::button[1]")
            expect(zoom).to_have_text("Show the whole picture")
            zoom.click()
            expect(zoom).to_have_attribute("aria-pressed", "true")
            assert frame.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
            zoom.click()
            assert frame.evaluate("e => e.scrollWidth > e.clientWidth + 1")
