"""Lab files: parsing, validation with precise errors, loading into the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.content import ContentErrors, LoadReport
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
    ("changes", "where", "message"),
    [
        ({"domain": 7}, "3:9", "unknown exam domain 7 (hint: one of 1, 2, 3, 4)"),
        (
            {"tags": ["codebuld"]},
            "6:3",
            "unknown topic tag 'codebuld' (hint: did you mean 'codebuild'?)",
        ),
        (
            {"difficulty": "impossible"},
            "8:13",
            "unknown difficulty 'impossible' (hint: one of easy, medium, hard)",
        ),
        ({"title": None}, "1:1", "missing required key 'title' (hint: add 'title: …')"),
        (
            {"task": 3.4},
            "4:7",
            "'task' must be text, not 3.4 (hint: quote it: task: \"3.4\" (YAML reads an "
            "unquoted 3.4 as a number))",
        ),
        (
            {"minutes": -1},
            "9:10",
            "'minutes' must be at least 1 (found -1) (hint: a positive whole number)",
        ),
        (
            {"checks": [{"type": "build_stat", "equals": "SUCCEEDED"}]},
            "24:9",
            "check 1: unknown check type 'build_stat' (hint: did you mean 'build_status'?)",
        ),
        (
            {"checks": [{"type": "build_status"}]},
            "24:3",
            "check 'build_status-1': missing parameter(s) equals for type 'build_status'",
        ),
        (
            {"checks": [{"type": "image_pushed", "repository": "r", "tag_pattern": "("}]},
            "24:3",
            "check 'image_pushed-1': 'tag_pattern' is not a valid regular expression",
        ),
        (
            {
                "checks": [
                    {"id": "a", "type": "no_error_findings"},
                    {"id": "a", "type": "no_error_findings", "points": 5},
                ]
            },
            "26:7",
            "duplicate check id 'a'",
        ),
        (
            {"hints": [{"text": "Look.", "cost": -1}]},
            "22:9",
            "hint 1: 'cost' must be at least 0 (found -1)",
        ),
        (
            {"scenario": {"kind": "teleport"}},
            "14:9",
            "unknown scenario kind 'teleport' (hint: one of check, build, deploy, pipeline,",
        ),
        (
            {"scenario": {"kind": "build", "buildspec": "buildspec.yml"}},
            "13:1",
            "a build scenario needs scenario.world (a world.yaml)",
        ),
        (
            {"scenario": {"kind": "deploy", "world": "w.yaml", "appspec": "buildspec.yml"}},
            "13:1",
            "a deploy scenario needs scenario.group",
        ),
        (
            {"scenario": {"kind": "pipeline", "world": "w.yaml", "pipeline": "p.json"}},
            "16:13",
            "scenario.pipeline names 'p.json', which is not in files (hint: files: buildspec.yml)",
        ),
        (
            {"files": {"buildspec.yml": "starter/missing.yml"}},
            "17:18",
            "file 'starter/missing.yml' not found inside the lab",
        ),
        (
            {"reference": {"other.yml": "reference/buildspec.yml"}},
            "19:3",
            "reference must provide exactly the files learners edit (hint: files: buildspec.yml)",
        ),
        (
            {"skills": ["3.4.s3", "3.4.s99"]},
            "34:3",
            "unknown skill id '3.4.s99' (hint: task 3.4 has 3.4.k1–3.4.k3 and 3.4.s1–3.4.s8)",
        ),
        (
            # Written, skills name what the lab teaches: an empty list is refused like a lesson's.
            {"skills": []},
            "32:9",
            "'skills' must be a non-empty list of exam-guide ids (hint: write skills: [",
        ),
        (
            {"bands": {"cheats": 0}},
            "33:11",
            "'cheats' must be at least 1 (found 0) (hint: a whole percent",
        ),
    ],
)
def test_bad_lab_files_name_the_problem(tmp_path, changes, where, message):
    lab_dir = make_lab(tmp_path, **changes)
    with pytest.raises(ContentErrors) as info:
        parse_lab(lab_dir)
    [error] = info.value.errors
    assert str(error).startswith(f"{lab_dir / 'lab.yaml'}:{where}: {message}")


def test_every_problem_of_a_lab_is_reported_at_once(tmp_path):
    lab_dir = make_lab(tmp_path, domain=7, minutes=0, checks=[{"type": "build_stat"}])
    with pytest.raises(ContentErrors) as info:
        parse_lab(lab_dir)
    lab_yaml = lab_dir / "lab.yaml"
    assert [str(e) for e in info.value.errors] == [
        f"{lab_yaml}:3:9: unknown exam domain 7 (hint: one of 1, 2, 3, 4)",
        f"{lab_yaml}:9:10: 'minutes' must be at least 1 (found 0) (hint: a positive whole number)",
        f"{lab_yaml}:24:9: check 1: unknown check type 'build_stat' "
        "(hint: did you mean 'build_status'?)",
    ]
    # Once lab.yaml is valid, every file and folder it names that cannot be read.
    lab_dir = make_lab(
        tmp_path / "files",
        files={"buildspec.yml": "starter/gone.yml"},
        reference={"buildspec.yml": "reference/gone.yml"},
        scenario={"kind": "check", "buildspec": "buildspec.yml", "source": "src"},
    )
    (lab_dir / "cheats" / "empty").mkdir(parents=True)
    with pytest.raises(ContentErrors) as info:
        parse_lab(lab_dir)
    assert [str(e).removeprefix(f"{lab_dir}/") for e in info.value.errors] == [
        "lab.yaml:18:18: file 'starter/gone.yml' not found inside the lab",
        "lab.yaml:20:18: file 'reference/gone.yml' not found inside the lab",
        "lab.yaml:16:11: folder 'src' not found inside the lab",
        "cheats/empty: cheats/empty must hold only files the learner edits (buildspec.yml)",
    ]


def test_unknown_top_level_key_suggests_the_right_one(tmp_path):
    lab_dir = make_lab(tmp_path)
    text = (lab_dir / "lab.yaml").read_text().replace("objectives:", "objectivs:")
    (lab_dir / "lab.yaml").write_text(text)
    with pytest.raises(ContentErrors) as info:
        parse_lab(lab_dir)
    # The misspelt key, with the "missing required key 'objectives'" it also causes.
    assert [str(e) for e in info.value.errors] == [
        f"{lab_dir / 'lab.yaml'}:1:1: missing required key 'objectives' (hint: add 'objectives: …')",
        f"{lab_dir / 'lab.yaml'}:10:1: unknown key 'objectivs' (hint: did you mean 'objectives'?)",
    ]


def test_tree_paths_cannot_escape_the_lab(tmp_path):
    lab_dir = make_lab(tmp_path, scenario={"kind": "check", "source": "../../etc"})
    with pytest.raises(ContentErrors, match="not found inside the lab"):
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
    assert "'minutes' must be at least 1 (found -1)" in str(info.value)
    assert not Lab.objects.exists()


def test_lab_commands_report_every_problem_of_a_lab(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    make_lab(tmp_path, domain=7, minutes=0)
    make_lab(tmp_path, "other", difficulty="impossible")
    lab_yaml = tmp_path / "labs" / "fix-buildspec" / "lab.yaml"
    with pytest.raises(CommandError, match=r"^2 grading proof\(s\) failed$"):
        call_command("validate_lab", root=tmp_path)
    assert capsys.readouterr().err.splitlines() == [
        f"{lab_yaml}:3:9: unknown exam domain 7 (hint: one of 1, 2, 3, 4)",
        f"{lab_yaml}:9:10: 'minutes' must be at least 1 (found 0) (hint: a positive whole number)",
        f"{tmp_path / 'labs' / 'other' / 'lab.yaml'}:8:13: unknown difficulty 'impossible' "
        "(hint: one of easy, medium, hard)",
    ]
    with pytest.raises(CommandError) as info:
        call_command("grade_lab", "fix-buildspec", root=tmp_path)
    assert str(info.value).splitlines() == [
        f"{lab_yaml}:3:9: unknown exam domain 7 (hint: one of 1, 2, 3, 4)",
        f"{lab_yaml}:9:10: 'minutes' must be at least 1 (found 0) (hint: a positive whole number)",
    ]
