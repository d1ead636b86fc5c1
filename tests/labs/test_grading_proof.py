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


@cache
def graded(slug: str, kind: str, name: str) -> GradeResult:
    spec = spec_of(slug)
    files = {**spec.reference, **spec.variants[kind][name]}
    return grade(spec, files, approval="approved")


def variants(kind: str) -> list[tuple[str, str]]:
    return [(slug, name) for slug in SLUGS for name in spec_of(slug).variants.get(kind, {})]


def test_every_lab_has_three_alternatives_and_three_cheats():
    for slug in SLUGS:
        spec = spec_of(slug)
        assert len(spec.variants.get("alternatives", {})) >= 3, slug
        assert len(spec.variants.get("cheats", {})) >= 3, slug


@pytest.mark.parametrize(("slug", "name"), variants("alternatives"))
def test_a_correct_answer_written_differently_keeps_its_marks(slug, name):
    result = graded(slug, "alternatives", name)
    lost = [r["id"] for r in result.results if not r["passed"]]
    assert result.percent >= spec_of(slug).bands["alternatives"], (slug, name, lost)


@pytest.mark.parametrize(("slug", "name"), variants("cheats"))
def test_a_submission_that_skips_the_task_stays_below_the_band(slug, name):
    result = graded(slug, "cheats", name)
    assert result.percent < spec_of(slug).bands["cheats"], (slug, name, result.percent)


@pytest.mark.parametrize(("slug", "name"), variants("cheats") + variants("alternatives"))
def test_messages_are_plain_sentences(slug, name):
    kind = "cheats" if name in spec_of(slug).variants.get("cheats", {}) else "alternatives"
    for r in graded(slug, kind, name).results:
        for text in (r["detail"], r["feedback"], r["title"]):
            assert UNWELCOME.search(text) is None, (slug, name, text)


def test_validate_lab_runs_every_variant_and_fails_a_broken_band(tmp_path, capsys):
    call_command("validate_lab", "buildspec-secrets")
    out = capsys.readouterr().out
    assert "ok    buildspec-secrets: cheat plaintext-beside-mapping" in out
    assert "ok    buildspec-secrets: alternative json" in out
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
