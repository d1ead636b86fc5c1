"""Every lab proves its grading: alternatives pass, cheats fail, messages read as sentences."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from labs.grader import GradeResult, grade
from labs.spec import LabSpec, parse_lab

pytestmark = pytest.mark.sandbox

LABS_DIR = Path(settings.CONTENT_ROOT) / "labs"
SLUGS = sorted(p.name for p in LABS_DIR.iterdir() if (p / "lab.yaml").is_file())
# What must never reach a learner: Python values, Markdown backticks, regex syntax.
UNWELCOME = re.compile(r"\bNone\b|\[\]|`|\\[dswb]|\(\?|\[0-9|\{\d|\bTrue\b|\bFalse\b")


@cache
def spec_of(slug: str) -> LabSpec:
    return parse_lab(LABS_DIR / slug)


def test_every_lab_has_three_alternatives_and_three_cheats():
    for slug in SLUGS:
        spec = spec_of(slug)
        assert len(spec.variants.get("alternatives", {})) >= 3, slug
        assert len(spec.variants.get("cheats", {})) >= 3, slug


@pytest.mark.parametrize("slug", SLUGS)
def test_validate_lab_proves_the_grading_of_every_lab(slug, monkeypatch, capsys):
    """`validate_lab` (as `make test` runs it): reference 100 %, starter less, every alternative
    at or above its band, every cheat below; and every message a plain sentence."""
    from labs.management.commands import validate_lab

    seen: list[GradeResult] = []

    def recording_grade(*args, **kwargs):
        seen.append(grade(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(validate_lab, "grade", recording_grade)
    try:
        call_command("validate_lab", slug)
    except CommandError:
        pytest.fail(capsys.readouterr().out)
    spec = spec_of(slug)
    variants = sum(len(v) for v in spec.variants.values())
    assert len(seen) == 2 + variants  # reference, starter, every variant
    for result in seen:
        for r in result.results:
            for text in (r["detail"], r["feedback"], r["title"]):
                assert UNWELCOME.search(text) is None, (slug, r["id"], text)


def test_validate_lab_fails_when_a_correct_answer_is_not_graded_as_one(tmp_path, capsys):
    # A "correct answer" that is not correct makes the command fail.
    lab = tmp_path / "labs" / "buildspec-secrets"
    import shutil

    shutil.copytree(LABS_DIR / "buildspec-secrets", lab)
    cheat = lab / "cheats" / "plaintext-beside-mapping" / "buildspec.yml"
    shutil.copytree(cheat.parent, lab / "alternatives" / "not-really")
    with pytest.raises(CommandError, match="grading proof"):
        call_command("validate_lab", "buildspec-secrets", root=tmp_path)
    assert "FAIL  buildspec-secrets: alternative not-really" in capsys.readouterr().out


def test_grade_lab_grades_given_files_as_json(tmp_path, capsys):
    cheat = LABS_DIR / "buildspec-secrets" / "cheats" / "plaintext-beside-mapping"
    call_command(
        "grade_lab",
        "buildspec-secrets",
        "--file",
        f"buildspec.yml={cheat / 'buildspec.yml'}",
        "--format",
        "json",
    )
    data = json.loads(capsys.readouterr().out)
    assert data["max"] == 100 and data["earned"] == 65 and data["percent"] == 65.0
    failed = [c for c in data["checks"] if not c["passed"]]
    assert [c["id"] for c in failed] == ["no-plaintext-secret"]
    assert "DB_PASSWORD_FALLBACK" in failed[0]["detail"]


def test_grade_lab_defaults_to_the_reference_and_prints_text(capsys):
    call_command("grade_lab", "stacksets-template")
    out = capsys.readouterr().out
    assert "100/100 (100 %)" in out and "FAIL" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-lab"], "no lab named"),
        (["buildspec-secrets", "--file", "appspec.yml=x"], "this lab edits buildspec.yml"),
        (["buildspec-secrets", "--file", "buildspec.yml"], "NAME=PATH"),
        (["buildspec-secrets", "--file", "buildspec.yml=/nonexistent"], "cannot read"),
    ],
)
def test_grade_lab_explains_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("grade_lab", *args)
