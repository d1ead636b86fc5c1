"""The exam blueprint (content/exam-guide.yaml): the real file, its loader and its errors."""

from __future__ import annotations

import collections
import re
import shutil
from pathlib import Path

import pytest

from core.content import ContentErrors, LoadReport
from core.exam import DOMAINS, TASKS
from core.guide import check_skill_list, guide_for, load_exam_guide, read_guide
from core.models import Skill

REAL_ROOT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def guide_root(tmp_path) -> Path:
    """A content root holding a copy of the real guide, to break in tests."""
    shutil.copy(REAL_ROOT / "exam-guide.yaml", tmp_path / "exam-guide.yaml")
    return tmp_path


def edit(root: Path, old: str, new: str) -> Path:
    path = root / "exam-guide.yaml"
    text = path.read_text()
    assert old in text, f"fixture text {old!r} missing"
    path.write_text(text.replace(old, new, 1))
    return path


def errors(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        read_guide(root)
    return [str(e) for e in caught.value.errors]


def line_of(root: Path, needle: str) -> int:
    for number, line in enumerate((root / "exam-guide.yaml").read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_real_guide_has_every_domain_task_and_item_in_order():
    guide = read_guide(REAL_ROOT)
    assert (guide.exam, guide.version) == ("DVA-C02", "2.1")
    assert "docs.aws.amazon.com" in guide.source
    per_task = collections.Counter(spec.task for spec in guide.skills.values())
    assert set(per_task) == set(TASKS)
    # The guide lists knowledge and skill items for every task statement.
    for task in TASKS:
        kinds = {s.kind for s in guide.skills.values() if s.task == task}
        assert kinds == {"knowledge", "skill"}, task
    # About 136 items in all (131 in version 2.1 as we transcribed it).
    assert 125 <= len(guide.skills) <= 140
    assert [s.position for s in guide.skills.values()] == list(range(1, len(guide.skills) + 1))
    # Knowledge items are numbered k1..kn and skills s1..sn, in order, inside each task.
    for task in TASKS:
        for letter in "ks":
            numbers = [
                s.number
                for s in guide.skills.values()
                if s.task == task and s.code.split(".")[2][0] == letter
            ]
            assert numbers == list(range(1, len(numbers) + 1)), (task, letter)
    assert all(guide.skills[c].domain == int(c[0]) for c in guide.skills)
    assert sum(weight for _name, weight in DOMAINS.values()) == 100


@pytest.mark.django_db
def test_loader_creates_skills_then_changes_nothing_then_retires_removed_ids(guide_root):
    report = LoadReport()
    load_exam_guide(guide_root, report)
    total = len(read_guide(guide_root).skills)
    assert report.counts == {"skills created": total}
    skill = Skill.objects.get(code="1.3.k6")
    assert (skill.domain, skill.task, skill.kind, skill.number) == (1, "1.3", "knowledge", 6)
    assert "dynamodb" in skill.topics and skill.active
    again = LoadReport()
    load_exam_guide(guide_root, again)
    assert again.counts == {"skills unchanged": total}
    # Drop the last item of task 4.3: its row stays (history hangs on it) but goes inactive.
    path = guide_root / "exam-guide.yaml"
    text = path.read_text()
    path.write_text(text[: text.index('          - id: "4.3.s4"')])
    third = LoadReport()
    load_exam_guide(guide_root, third)
    assert third.counts == {"skills unchanged": total - 1, "skills retired": 1}
    assert not Skill.objects.get(code="4.3.s4").active


@pytest.mark.django_db
def test_text_change_updates_the_row(guide_root):
    load_exam_guide(guide_root, LoadReport())
    edit(guide_root, "Idempotency: repeating", "Idempotency (safe retries): repeating")
    report = LoadReport()
    load_exam_guide(guide_root, report)
    assert report.counts["skills updated"] == 1
    assert Skill.objects.get(code="1.1.k2").text.startswith("Idempotency (safe retries)")


@pytest.mark.django_db
def test_missing_guide_is_a_warning_for_the_loader_alone(tmp_path):
    report = LoadReport()
    load_exam_guide(tmp_path, report)
    assert report.warnings == [
        f"{tmp_path / 'exam-guide.yaml'}: no exam guide; skills were left as they are"
    ]
    assert not Skill.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "offset", "message"),
    [
        # offset: the error's line relative to the line of `old` (items are 4 lines long).
        ('id: "1.1.k2"', 'id: "1.1.k3"', 4, "duplicate item id 1.1.k3"),
        ('id: "1.1.k3"', 'id: "1.1.k4"', 0, "item 1.1.k4 is out of sequence: expected 1.1.k3"),
        ('id: "1.1.k1"', 'id: "1.2.k1"', 0, "item 1.2.k1 is listed under task 1.1"),
        ('id: "1.1.k1"', 'id: "1.1.x1"', 0, "'id' '1.1.x1' is not in the expected form"),
        (
            "kind: knowledge",
            "kind: skill",
            0,
            "item '1.1.k1': kind must be 'knowledge' for a '.k' id, not 'skill'",
        ),
        (
            "topics: [architecture-patterns, event-driven",
            "topics: [architecture-pattern, event-driven",
            0,
            "unknown topic tag 'architecture-pattern' (hint: did you mean 'architecture-patterns'?)",
        ),
        ("weight: 32", "weight: 30", 0, "domain 1 weight must be 32"),
        ('id: "1.3"', 'id: "1.4"', 0, "unknown exam task '1.4'"),
        ('id: "2.1"', 'id: "1.3"', 0, "task 1.3 is listed under domain 2"),
        (
            'title: "Develop code for AWS Lambda"',
            'title: "Write Lambda code"',
            0,
            "task 1.2 title 'Write Lambda code' differs from core/exam.py",
        ),
        ("    weight: 32\n", "    weight: 32\n    weigth: 1\n", 1, "unknown key 'weigth'"),
        ('guide_version: "2.1"', "guide_version: 2.1", 0, "'guide_version' must be text, not 2.1"),
        ('text: "Idempotency', "text: [Idempotency", 1, "invalid YAML"),
    ],
)
def test_bad_guide_names_file_and_line(guide_root, old, new, offset, message):
    line = line_of(guide_root, old.split("\n")[0]) + offset
    path = edit(guide_root, old, new)
    texts = errors(guide_root)
    where = re.escape(f"{path}:{line}")
    assert any(re.match(rf"^{where}:\d+: ", t) and message in t for t in texts), (line, texts)


def test_a_missing_task_and_a_missing_domain_are_reported(guide_root):
    path = guide_root / "exam-guide.yaml"
    text = path.read_text()
    # Cut task 4.3 (the end of the file) and, separately, check a missing domain.
    path.write_text(text[: text.index('      - id: "4.3"')])
    assert any("task statement 4.3" in t and "is missing" in t for t in errors(guide_root))
    path.write_text(text[: text.index("  - number: 4")])
    assert any(
        "domain 4 (Troubleshooting and Optimization) is missing" in t for t in errors(guide_root)
    )


def test_hostile_or_empty_guide_is_refused(guide_root):
    path = guide_root / "exam-guide.yaml"
    path.write_text("exam: &a [*a]\n")
    assert any(t.startswith(f"{path}:1:") for t in errors(guide_root))
    path.write_text("")
    assert errors(guide_root) == [f"{path}:1: the exam guide is empty"]


def test_guide_for_rereads_a_changed_file(guide_root):
    first = guide_for(guide_root)
    assert guide_for(guide_root) is first  # parsed once per file version
    edit(guide_root, "Idempotency: repeating", "Idempotency - repeating")
    assert guide_for(guide_root).skills["1.1.k2"].text.startswith("Idempotency - repeating")


@pytest.mark.parametrize(
    ("value", "message", "hint"),
    [
        ([], "'skills' must be a non-empty list of exam-guide ids", "write skills:"),
        ("1.1.k1", "'skills' must be a non-empty list of exam-guide ids", "write skills:"),
        ([1.1], "skill id must be quoted text, not 1.1", "write skills:"),
        (["1.1.k9"], "unknown skill id '1.1.k9'", "task 1.1 has 1.1.k1–1.1.k6 and 1.1.s1–1.1.s6"),
        (["1.1k1"], "unknown skill id '1.1k1'", "did you mean '1.1.k1'?"),
        (["2.2"], "unknown skill id '2.2'", "name an item of task 2.2"),
        (["1.1.k1", "1.1.k1"], "skill '1.1.k1' is listed twice", ""),
    ],
)
def test_check_skill_list(value, message, hint):
    guide = read_guide(REAL_ROOT)
    _codes, problems = check_skill_list(value, guide)
    assert any(message == m and hint in h for _i, m, h in problems), problems


def test_check_skill_list_keeps_the_order():
    guide = read_guide(REAL_ROOT)
    assert check_skill_list(["4.3.s3", "1.1.k1"], guide) == (["4.3.s3", "1.1.k1"], [])
