"""Hostile content files: each one fails load_content with `file:line: reason`, DB untouched."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from core.content import ContentErrors, load_all, read_text
from core.documents import load, load_front_matter
from core.models import Skill
from courses.models import Lesson, Module
from labs.models import Lab
from quizzes.models import Option, Question
from tests.courses.content import write_content
from tests.labs.test_spec import make_lab

QUESTIONS = textwrap.dedent(
    """\
    questions:
      - id: codebuild-phase-01
        skills: ["4.1.s6"]
        tags: [codebuild]
        difficulty: medium
        type: single
        choose: 1
        stem: "A build fails in pre_build. Which phase runs next?"
        options:
          - {text: "POST_BUILD", correct: true, explanation: "post_build still runs."}
          - {text: "INSTALL", correct: false, explanation: "install ran earlier."}
          - {text: "BUILD", correct: false, explanation: "build is skipped."}
          - {text: "None", correct: false, explanation: "post_build runs."}
        lesson: codebuild-basics/buildspec-structure
    """
)

# Every kind of content file, as a path under the content root.
LESSON = "modules/codebuild-basics/buildspec-structure.md"
MODULE = "modules/codebuild-basics/module.yaml"
QUESTION_FILE = "questions/bank.yaml"
LAB = "labs/fix-buildspec/lab.yaml"
GUIDE = "exam-guide.yaml"
TARGETS = [LESSON, MODULE, QUESTION_FILE, LAB, GUIDE]

# "Billion laughs" inside a value the loaders read: 9 levels of 9 aliases, 9**9 strings if
# anything (validation, repr, JSON) ever expanded it.
LAUGHS = (
    "["
    + ", ".join(
        ["&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        + [f"&a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    )
    + "]"
)
# YAML documents (front matter for lessons): each must be refused, never run or expanded.
HOSTILE_YAML = {
    "alias-bomb": f"title: {LAUGHS}\n",
    "alias-bomb-in-list": f"tags: {LAUGHS}\n",
    "recursive-alias": "title: &t [*t]\n",
    "python-object": "title: !!python/object/apply:os.system ['echo pwned']\n",
    "python-name": "title: !!python/name:os.system\n",
    "deep-flow": "title: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "deep-block": "title:\n" + "".join(" " * n + "- \n" for n in range(1, 400)),
    "long-number": "title: " + "9" * 10_000 + "\n",
    "syntax": "title: [unclosed\n",
    "duplicate-key": "title: one\ntitle: two\n",
    "two-documents": "title: one\n---\ntitle: two\n",
}
HOSTILE_BYTES = {
    "latin-1": "title: Caf\u00e9 cr\u00e8me\n".encode("latin-1"),
    "binary": b"title: x\n\x00\x01\x02\x03PK\x03\x04\xff\xfe",
    "utf-16": "title: x\n".encode("utf-16"),
    "control-char": b"title: x\x07y\n",
}


def _bytes_for(target: str, payload: str | bytes) -> bytes:
    """The payload as the whole file, or as a lesson's front matter."""
    data = payload if isinstance(payload, bytes) else payload.encode()
    if target.endswith(".md"):
        return b"---\n" + data + b"---\nBody.\n"
    return data


def _snapshot() -> dict[str, list]:
    return {
        "modules": list(
            Module.objects.values_list("slug", "title", "source_hash", "loaded_at").order_by("pk")
        ),
        "lessons": list(
            Lesson.objects.values_list("slug", "title", "source_hash", "loaded_at").order_by("pk")
        ),
        "questions": list(
            Question.objects.values_list("external_id", "stem_html", "updated_at").order_by("pk")
        ),
        "options": Option.objects.count(),
        "labs": list(Lab.objects.values_list("slug", "source_hash", "published").order_by("pk")),
        "skills": list(Skill.objects.values_list("code", "text", "active").order_by("pk")),
    }


@pytest.fixture
def root(db, tmp_path) -> Path:
    """A valid tree with every kind of file, loaded once (so a bad reload could damage it)."""
    root = write_content(tmp_path / "content")
    (root / QUESTION_FILE).write_text(QUESTIONS)
    make_lab(root)
    load_all(root)
    assert Question.objects.count() == 1 and Lab.objects.count() == 1
    return root


def _assert_refused(root: Path, target: str) -> list[str]:
    before = _snapshot()
    with pytest.raises(ContentErrors) as caught:
        load_all(root)
    messages = [str(e) for e in caught.value.errors]
    path = re.escape(str(root / target))
    # path:line: or path:line:column: (files validated by core.documents also give the column)
    assert any(re.match(rf"^{path}:\d+(:\d+)?: \S", m) for m in messages), messages
    assert _snapshot() == before
    return messages


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", sorted(HOSTILE_YAML))
def test_hostile_yaml_is_refused_with_file_and_line(root, target, name):
    (root / target).write_bytes(_bytes_for(target, HOSTILE_YAML[name]))
    _assert_refused(root, target)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", sorted(HOSTILE_BYTES))
def test_undecodable_files_are_refused_with_file_and_line(root, target, name):
    (root / target).write_bytes(_bytes_for(target, HOSTILE_BYTES[name]))
    _assert_refused(root, target)


@pytest.mark.parametrize("target", TARGETS)
def test_huge_files_are_refused_before_parsing(root, target):
    filler = "# " + "x" * 78 + "\n"
    (root / target).write_bytes(_bytes_for(target, "title: big\n" + filler * 40_000))
    messages = _assert_refused(root, target)
    assert any("limit" in m for m in messages), messages


def test_python_tags_never_run(root, tmp_path):
    marker = tmp_path / "pwned"
    (root / LAB).write_text(f"title: !!python/object/apply:os.system ['touch {marker}']\n")
    messages = _assert_refused(root, LAB)
    assert not marker.exists()
    assert any("not allowed" in m for m in messages), messages


ORDINARY = """\
title: "Buildspec: phases"
order: 3
mode: 0644
published: yes
ratio: 1.5
nothing:
tags: [codebuild, buildspec]
nested: {a: [1, {b: true}]}
text: |
  two
  lines
"""


def test_the_loader_reads_ordinary_yaml_exactly_like_safe_load(tmp_path):
    path = tmp_path / "ordinary.yaml"
    assert load(path, ORDINARY).data == yaml.safe_load(ORDINARY)
    assert load(path, "").data is None
    assert load(path, "# only a comment\n").data is None
    # Front matter is the same document, its positions counted from the file's second line.
    front = load_front_matter(path.with_suffix(".md"), f"---\n{ORDINARY}---\nBody.\n")
    assert front.document.data == yaml.safe_load(ORDINARY)
    assert front.document.position(("tags",), key=True) == (8, 1)
    assert (front.body, front.body_first_line) == ("Body.\n", len(ORDINARY.splitlines()) + 3)


def test_crlf_files_read_like_lf_files(tmp_path):
    path = tmp_path / "crlf.md"
    path.write_bytes(b"---\r\ntitle: x\r\n---\r\nBody\r\n")
    assert read_text(path) == "---\ntitle: x\n---\nBody\n"


@pytest.mark.parametrize(
    ("target", "content", "line"),
    [
        (LESSON, b"---\ntitle: x\ntags: !!python/name:os.system\n---\nBody\n", 3),
        (QUESTION_FILE, b"questions:\n  - id: x\n    stem: " + b"[" * 100 + b"\n", 3),
        (LAB, b"title: x\nsummary: caf\xe9\n", 2),
        (MODULE, b"title: x\n\nsummary: a\x00b\n", 3),
    ],
)
def test_errors_point_at_the_offending_line(root, target, content, line):
    (root / target).write_bytes(content)
    messages = _assert_refused(root, target)
    where = re.escape(f"{root / target}:{line}")
    assert any(re.match(rf"^{where}(:\d+)?: ", m) for m in messages), messages
