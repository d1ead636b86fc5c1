"""The site shell in real Chromium at 1366×900 and 390×844: header, theme, focus, long input,
favicon, offline API docs, the instructor home and the admin's width."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, MOBILE, VIEWPORTS, no_horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_mobile_header_is_one_row_and_the_menu_opens_and_closes(open_page, role, request):
    user = request.getfixturevalue(role)
    page = open_page(MOBILE, user)
    page.goto("/dashboard/")
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] <= 64  # was ~230 px (three rows)
    tops = {
        round(page.locator(sel).bounding_box()["y"])
        for sel in (".brand", "#theme-toggle", "#menu-toggle")
    }
    assert max(tops) - min(tops) <= 12, tops  # one row
    menu = page.locator("#nav-menu")
    expect(menu).to_be_hidden()
    page.locator("#menu-toggle").click()
    expect(menu).to_be_visible()
    expect(page.locator("#menu-toggle")).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Labs")).to_be_visible()
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    if role == "instructor":
        expect(menu.get_by_role("link", name="Instructor")).to_be_visible()
    # Touch targets in the open menu are at least 40 px tall.
    assert menu.get_by_role("link", name="Labs").bounding_box()["height"] >= 40
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(page.locator("#menu-toggle")).to_be_focused()
    assert no_horizontal_overflow(page) == 0


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_desktop_header_is_one_row(open_page, role, request):
    page = open_page(DESKTOP, request.getfixturevalue(role))
    page.goto("/dashboard/")
    assert page.locator(".site-header").bounding_box()["height"] <= 64
    expect(page.locator("#menu-toggle")).to_be_hidden()
    expect(page.get_by_role("link", name="Labs")).to_be_visible()


def test_theme_toggle_cycles_system_light_dark_and_back_to_system(open_page):
    page = open_page(DESKTOP, color_scheme="dark")
    page.goto("/")
    toggle = page.locator("#theme-toggle")
    root = page.locator("html")
    expect(toggle).to_have_attribute("data-mode", "system")
    expect(root).to_have_attribute("data-theme", "auto")
    toggle.click()
    expect(root).to_have_attribute("data-theme", "light")
    bg_light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    toggle.click()
    expect(root).to_have_attribute("data-theme", "dark")
    page.reload()  # remembered
    expect(root).to_have_attribute("data-theme", "dark")
    page.locator("#theme-toggle").click()
    expect(root).to_have_attribute("data-theme", "auto")
    expect(page.locator("#theme-toggle")).to_have_attribute("data-mode", "system")
    assert page.evaluate("localStorage.getItem('pa-theme')") is None
    page.reload()  # "system" follows the OS (dark here) again
    expect(root).to_have_attribute("data-theme", "auto")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != bg_light
    label = page.locator("#theme-toggle").get_attribute("aria-label")
    assert "System" in label and "Switch to Light" in label


def _rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return r, g, b


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_autofocused_username_ring_is_blue_not_error_like(open_page, viewport):
    page = open_page(VIEWPORTS[viewport])
    page.goto("/accounts/login/")
    field = page.get_by_label("Username")
    expect(field).to_be_focused()
    r, g, b = _rgb(field.evaluate("e => getComputedStyle(e).outlineColor"))
    assert b > r + 80 and b > g, (r, g, b)  # blue, far from the error red (#b91c1c)
    error_red = _rgb("rgb(185, 28, 28)")
    assert abs(r - error_red[0]) + abs(g - error_red[1]) + abs(b - error_red[2]) > 200


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_a_300_character_search_does_not_widen_the_page(open_page, viewport):
    page = open_page(VIEWPORTS[viewport])
    page.goto("/study/search/?q=" + "x" * 300)
    expect(page.get_by_role("heading", name="Search lessons")).to_be_visible()
    assert no_horizontal_overflow(page) == 0


def test_favicon_is_served_from_the_page_and_from_favicon_ico(open_page):
    page = open_page(DESKTOP)
    page.goto("/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and "svg" in response.headers["content-type"]
    ico = page.request.get("/favicon.ico")
    assert ico.status == 200 and "<svg" in ico.text()


def test_api_docs_load_swagger_ui_from_our_own_static_files(open_page, learner, live_server):
    page = open_page(DESKTOP, learner)
    ours = urlparse(live_server.url).netloc
    outside: list[str] = []

    def only_ours(route):
        if urlparse(route.request.url).netloc != ours:
            outside.append(route.request.url)
            route.abort()  # as offline: nothing from a CDN
        else:
            route.continue_()

    page.route("**/*", only_ours)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Pipeline Academy API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert outside == []


def test_instructors_land_on_their_home_with_item_and_lab_statistics(open_page, instructor):
    page = open_page(DESKTOP)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ines")
    page.get_by_label("Password").fill("pw-instructor-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/instructor/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Instructor")).to_have_attribute("aria-current", "page")
    for name in ("Content health", "Questions to look at", "Labs", "Question reports"):
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text("None yet.")).to_have_count(0)


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_admin_question_page_fits_the_viewport(open_page, instructor, viewport):
    from tests.quizzes.bank import make_question

    question = make_question("wide-admin", skills=[])
    page = open_page(VIEWPORTS[viewport], instructor)
    page.goto(f"/admin/quizzes/question/{question.pk}/change/")
    expect(page.get_by_text("As a learner sees it")).to_be_visible()
    assert no_horizontal_overflow(page) <= 1  # was 1,883 px wide at 1366
    tags = page.locator("textarea[name=tags]")
    assert "[" not in tags.input_value()  # a list, one per line, not JSON
