"""The shipped content covers the whole exam guide: the promises the README makes, kept in CI."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2] / "content"


def _guide_ids() -> set[str]:
    guide = yaml.load((ROOT / "exam-guide.yaml").read_text(), Loader=yaml.CSafeLoader)
    return {
        item["id"]
        for domain in guide["domains"]
        for task in domain["tasks"]
        for item in task["items"]
    }


def _questions() -> list[dict]:
    found: list[dict] = []
    for path in sorted((ROOT / "questions").glob("*.yaml")):
        found.extend(yaml.load(path.read_text(), Loader=yaml.CSafeLoader)["questions"])
    return found


def test_every_guide_item_has_at_least_three_questions() -> None:
    counts = Counter(skill for q in _questions() for skill in q["skills"])
    thin = sorted(item for item in _guide_ids() if counts[item] < 3)
    assert thin == [], f"guide items with fewer than 3 questions: {thin}"


def test_the_bank_holds_600_questions_with_a_third_multiple_response() -> None:
    questions = _questions()
    assert len(questions) >= 600
    assert len({q["id"] for q in questions}) == len(questions)
    multiple = sum(1 for q in questions if q["type"] == "multiple")
    assert multiple * 4 >= len(questions)  # the new questions are a third; the old bank a quarter


def test_flashcards_and_cheat_sheets_are_there_in_number() -> None:
    cards = [
        card
        for path in (ROOT / "flashcards").glob("*.yaml")
        for card in yaml.load(path.read_text(), Loader=yaml.CSafeLoader)["cards"]
    ]
    assert len(cards) >= 500
    assert all(set(card["skills"]) <= _guide_ids() for card in cards)
    assert len(list((ROOT / "cheatsheets").glob("*.md"))) >= 30


def test_at_least_forty_new_lessons_beyond_the_first_thirteen_modules() -> None:
    modules = [p for p in (ROOT / "modules").iterdir() if (p / "module.yaml").exists()]
    lessons = [p for m in modules for p in m.glob("*.md")]
    assert len(modules) >= 24
    assert len(lessons) >= 89
