"""Lab files: parsing, validation with precise errors, loading into the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.content import ContentError, ContentErrors, LoadReport
from labs.loading import load_labs
from labs.models import Lab
from labs.spec import LabSpec, parse_lab

LAB = {
    "title": "Fix the buildspec",
    "summary": "A broken buildspec to repair.",
    "domain": 3,
    "task": "3.4",
    "tags": ["codebuild", "buildspec"],
    "difficulty": "easy",
    "minutes": 10,
    "objectives": ["Make the build pass"],
    "instructions": "Fix **it**.",
    "scenario": {"kind": "check", "buildspec": "buildspec.yml"},
    "files": {"buildspec.yml": "starter/buildspec.yml"},
    "reference": {"buildspec.yml": "reference/buildspec.yml"},
    "hints": [{"text": "Look at the phases.", "cost": 2}],
    "checks": [
        {"id": "valid", "type": "no_error_findings", "points": 10, "feedback": "Fix the errors."},
        {"type": "document_has", "file": "buildspec.yml", "path": "phases.pre_build", "points": 5},
    ],
}


def make_lab(root: Path, slug: str = "fix-buildspec", **changes) -> Path:
    lab_dir = root / "labs" / slug
    (lab_dir / "starter").mkdir(parents=True)
    (lab_dir / "reference").mkdir()
    (lab_dir / "starter" / "buildspec.yml").write_text("version: 0.2\nphases: {}\n")
    (lab_dir / "reference" / "buildspec.yml").write_text(
        "version: 0.2\nphases:\n  pre_build:\n    commands: [echo hi]\n"
    )
    data = {**LAB, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    (lab_dir / "lab.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return lab_dir


def test_parse_lab_reads_files_and_checks(tmp_path):
    spec = parse_lab(make_lab(tmp_path))
    assert spec.slug == "fix-buildspec"
    assert spec.files["buildspec.yml"].startswith("version: 0.2")
    assert "pre_build" in spec.reference["buildspec.yml"]
    assert [c.id for c in spec.checks] == ["valid", "document_has-2"]
    assert spec.max_points == 15
    assert LabSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    ("changes", "message", "line"),
    [
        ({"domain": 7}, "domain must be 1–4", 3),
        ({"tags": ["codebuld"]}, "did you mean 'codebuild'", 5),
        ({"difficulty": "impossible"}, "difficulty must be one of", None),
        ({"title": None}, "missing required key 'title'", None),
        (
            {"checks": [{"type": "build_stat", "equals": "SUCCEEDED"}]},
            "did you mean 'build_status'",
            None,
        ),
        ({"checks": [{"type": "build_status"}]}, "missing parameter(s) equals", None),
        (
            {"checks": [{"type": "image_pushed", "repository": "r", "tag_pattern": "("}]},
            "not a valid regular expression",
            None,
        ),
        ({"scenario": {"kind": "teleport"}}, "scenario.kind must be one of", None),
        (
            {"scenario": {"kind": "build", "buildspec": "buildspec.yml"}},
            "needs scenario.world",
            None,
        ),
        ({"files": {"buildspec.yml": "starter/missing.yml"}}, "not found inside the lab", None),
        ({"reference": {"other.yml": "reference/buildspec.yml"}}, "exactly the files", None),
    ],
)
def test_bad_lab_files_name_the_problem(tmp_path, changes, message, line):
    lab_dir = make_lab(tmp_path, **changes)
    with pytest.raises(ContentError) as info:
        parse_lab(lab_dir)
    assert message in str(info.value)
    assert str(info.value).startswith(str(lab_dir / "lab.yaml")) or "missing.yml" in str(info.value)
    if line is not None:
        assert info.value.line is not None


def test_unknown_top_level_key_suggests_the_right_one(tmp_path):
    lab_dir = make_lab(tmp_path)
    text = (lab_dir / "lab.yaml").read_text().replace("objectives:", "objectivs:")
    (lab_dir / "lab.yaml").write_text(text)
    with pytest.raises(ContentError, match="did you mean 'objectives'"):
        parse_lab(lab_dir)


def test_tree_paths_cannot_escape_the_lab(tmp_path):
    lab_dir = make_lab(tmp_path, scenario={"kind": "check", "source": "../../etc"})
    with pytest.raises(ContentError, match="not found inside the lab"):
        parse_lab(lab_dir)


@pytest.mark.django_db
def test_load_labs_is_idempotent_and_unpublishes_removed_labs(tmp_path):
    make_lab(tmp_path, "one")
    make_lab(tmp_path, "two")
    report = LoadReport()
    load_labs(tmp_path, report)
    assert report.counts == {"labs created": 2}
    again = LoadReport()
    load_labs(tmp_path, again)
    assert again.counts == {}
    import shutil

    shutil.rmtree(tmp_path / "labs" / "two")
    load_labs(tmp_path, LoadReport())
    assert Lab.objects.get(slug="two").published is False
    assert Lab.objects.get(slug="one").published is True


@pytest.mark.django_db
def test_one_bad_lab_loads_nothing(tmp_path):
    make_lab(tmp_path, "good")
    make_lab(tmp_path, "bad", minutes=-1)
    with pytest.raises(ContentErrors) as info:
        load_labs(tmp_path, LoadReport())
    assert "minutes must be a positive" in str(info.value)
    assert not Lab.objects.exists()
