"""Loading question YAML: validation with file and line, idempotent upsert, admin edits, export."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command

from core.content import ContentErrors, LoadReport
from core.guide import load_exam_guide
from core.models import Skill
from quizzes.exporting import export_questions
from quizzes.loading import load_questions
from quizzes.models import Option, Question
from quizzes.services import question_mark_admin_edit

GOOD = textwrap.dedent(
    """\
    questions:
      - id: codebuild-prebuild-failure-01
        skills: ["4.1.s6", "3.3.k2"]
        tags: [codebuild, buildspec]
        difficulty: medium
        type: single
        choose: 1
        stem: |
          A build fails in `pre_build`. Which phase runs next?
        options:
          - text: "POST_BUILD"
            correct: true
            explanation: "post_build runs even after a build-phase failure."
          - text: "INSTALL"
            correct: false
            explanation: "install ran earlier."
          - text: "BUILD"
            correct: false
            explanation: "build is skipped after a pre_build failure."
          - text: "UPLOAD_ARTIFACTS only"
            correct: false
            explanation: "Not the next phase."
        lesson: codebuild-buildspec/build-phases-and-failures
        references:
          - "AWS CodeBuild User Guide — Build specification reference"
      - id: secrets-rotation-multi-01
        skills: ["2.3.s2", "2.2.s4"]
        tags: [rotation, secrets-manager]
        difficulty: hard
        type: multiple
        choose: 2
        stem: |
          Which services rotate automatically? (Choose two.)
        options:
          - text: "Secrets Manager with a rotation schedule"
            correct: true
            explanation: "Rotation Lambda on a schedule."
          - text: "KMS customer managed keys with rotation enabled"
            correct: true
            explanation: "KMS rotates key material yearly when enabled."
          - text: "Parameter Store SecureString"
            correct: false
            explanation: "No built-in rotation."
          - text: "IAM database authentication tokens stored in a file"
            correct: false
            explanation: "Tokens are generated, not rotated secrets."
          - text: "A plaintext environment variable"
            correct: false
            explanation: "Nothing rotates it."
        lesson: config-and-secrets/secrets-manager-rotation
        cheatsheet: secrets-manager
        references:
          - title: "AWS Secrets Manager User Guide — Rotate secrets"
            url: "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html"
    """
)

EXAM_GUIDE = Path(__file__).resolve().parents[2] / "content" / "exam-guide.yaml"


def write_bank(root: Path, files: dict[str, str]) -> Path:
    folder = root / "questions"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAM_GUIDE, root / "exam-guide.yaml")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root


def load(root: Path, *, force: bool = False) -> LoadReport:
    report = LoadReport()
    if force:
        report.force = True  # what `load_content --force` sets
    load_exam_guide(root, LoadReport())  # load_all runs it first
    load_questions(root, report)
    return report


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as info:
        load(root)
    return [str(e) for e in info.value.errors]


@pytest.mark.django_db
def test_load_creates_questions_options_and_html(tmp_path):
    report = load(write_bank(tmp_path, {"codebuild.yaml": GOOD}))
    assert report.counts["questions created"] == 2
    q = Question.objects.get(external_id="codebuild-prebuild-failure-01")
    assert (q.domain, q.task, q.tags, q.type, q.choose) == (
        4,
        "4.1",
        ["codebuild", "buildspec"],
        "single",
        1,
    )
    assert "<code>pre_build</code>" in q.stem_html
    assert q.tags_index == "|codebuild|buildspec|"
    assert q.source_file == "questions/codebuild.yaml"
    assert list(q.options.values_list("position", "correct")) == [
        (0, True),
        (1, False),
        (2, False),
        (3, False),
    ]
    assert (
        Question.objects.get(external_id="secrets-rotation-multi-01")
        .options.filter(correct=True)
        .count()
        == 2
    )


@pytest.mark.django_db
def test_second_load_changes_nothing_and_keeps_option_rows(tmp_path):
    root = write_bank(tmp_path, {"a.yaml": GOOD})
    load(root)
    option_ids = list(Option.objects.order_by("pk").values_list("pk", flat=True))
    stamps = list(Question.objects.order_by("pk").values_list("updated_at", flat=True))
    report = load(root)
    assert report.counts == {"questions unchanged": 2}
    assert list(Option.objects.order_by("pk").values_list("pk", flat=True)) == option_ids
    assert list(Question.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


@pytest.mark.django_db
def test_edit_updates_in_place_and_removal_unpublishes(tmp_path):
    root = write_bank(tmp_path, {"a.yaml": GOOD})
    load(root)
    first_option = Option.objects.get(
        question__external_id="codebuild-prebuild-failure-01", position=0
    )
    changed = GOOD.replace("post_build runs even", "post_build still runs")
    # Keep only the first question in the file: the second is removed from disk.
    changed = changed[: changed.index("  - id: secrets-rotation-multi-01")]
    write_bank(tmp_path, {"a.yaml": changed})
    report = load(root)
    assert report.counts == {"questions updated": 1, "questions unpublished": 1}
    first_option.refresh_from_db()
    assert first_option.explanation == "post_build still runs after a build-phase failure."
    assert not Question.objects.get(external_id="secrets-rotation-multi-01").published


@pytest.mark.django_db
def test_admin_edit_is_kept_unless_forced(tmp_path):
    root = write_bank(tmp_path, {"a.yaml": GOOD})
    load(root)
    q = Question.objects.get(external_id="codebuild-prebuild-failure-01")
    q.stem_markdown = "Edited in the admin"
    question_mark_admin_edit(q)
    write_bank(tmp_path, {"a.yaml": GOOD.replace("Which phase runs next?", "What runs next?")})
    report = load(root)
    assert any(
        "kept admin edit of question 'codebuild-prebuild-failure-01'" in w for w in report.warnings
    )
    q.refresh_from_db()
    assert q.stem_markdown == "Edited in the admin"
    load(root, force=True)
    q.refresh_from_db()
    assert "What runs next?" in q.stem_markdown
    assert q.edited_in_admin_at is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'skills: ["4.1.s6", "3.3.k2"]',
            'skills: ["4.1.s66", "3.3.k2"]',
            "a.yaml:3:14: question 'codebuild-prebuild-failure-01': unknown skill id '4.1.s66' "
            "(hint: task 4.1 has 4.1.k1–4.1.k7 and 4.1.s1–4.1.s6)",
        ),
        (
            'skills: ["4.1.s6", "3.3.k2"]',
            'skills: ["4.1"]',
            "a.yaml:3:14: question 'codebuild-prebuild-failure-01': unknown skill id '4.1' "
            "(hint: name an item of task 4.1, e.g. '4.1.k1' or '4.1.s1')",
        ),
        (
            'skills: ["4.1.s6", "3.3.k2"]',
            "skills: []",
            "a.yaml:3:13: question 'codebuild-prebuild-failure-01': 'skills' must be a non-empty list",
        ),
        (
            'skills: ["4.1.s6", "3.3.k2"]',
            'skills: ["4.1.s6", "4.1.s6"]',
            "a.yaml:3:24: question 'codebuild-prebuild-failure-01': skill '4.1.s6' is listed twice",
        ),
        (
            'skills: ["4.1.s6", "3.3.k2"]',
            'domain: 4\n    task: "4.1"',
            "a.yaml:3:5: question 'codebuild-prebuild-failure-01': 'domain' is no longer written "
            "in a question (hint: name what the question tests with skills:",
        ),
        (
            'skills: ["4.1.s6", "3.3.k2"]',
            'skills: ["4.1.s6", "3.3.k2"]\n    task: "3.4"',
            "a.yaml:4:5: question 'codebuild-prebuild-failure-01': 'task' is no longer written",
        ),
        (
            '    skills: ["4.1.s6", "3.3.k2"]\n',
            "",
            "a.yaml:2:5: question 'codebuild-prebuild-failure-01': missing required key 'skills' "
            '(hint: exam-guide ids, e.g. skills: ["1.2.s1", "1.2.k5"])',
        ),
        (
            "tags: [codebuild, buildspec]",
            "tags: [codebiuld]",
            "a.yaml:4:12: question 'codebuild-prebuild-failure-01': unknown topic tag 'codebiuld' "
            "(hint: did you mean 'codebuild'?)",
        ),
        (
            "difficulty: medium",
            "difficulty: tricky",
            "a.yaml:5:17: question 'codebuild-prebuild-failure-01': unknown difficulty 'tricky' "
            "(hint: one of easy, medium, hard)",
        ),
        (
            "    choose: 2\n",
            "    choose: 3\n",
            "a.yaml:31:13: question 'secrets-rotation-multi-01': choose is 3 but 2 option(s) "
            "are correct",
        ),
        (
            '        explanation: "install ran earlier."\n',
            "",
            "a.yaml:14:9: question 'codebuild-prebuild-failure-01', option 2: missing required key "
            "'explanation' (hint: every option explains why it is right or wrong)",
        ),
        (
            '"INSTALL"',
            '"post_build"',
            "a.yaml:14:9: question 'codebuild-prebuild-failure-01': option 2 is a duplicate of "
            "option 1",
        ),
        (
            "lesson: codebuild-buildspec/build-phases-and-failures",
            "lesson: build phases",
            "a.yaml:23:13: question 'codebuild-prebuild-failure-01': 'lesson' 'build phases' is "
            "not in the expected form (hint: <module-slug>/<lesson-slug> of the lesson",
        ),
        (
            "cheatsheet: secrets-manager",
            "cheatsheet: Secrets Manager",
            "a.yaml:51:17: question 'secrets-rotation-multi-01': 'cheatsheet' 'Secrets Manager' "
            "is not in the expected form (hint: a cheat sheet slug:",
        ),
        (
            'url: "https://docs.aws.amazon.com/secretsmanager/',
            'url: "http://docs.aws.amazon.com/secretsmanager/',
            "a.yaml:54:14: question 'secrets-rotation-multi-01', reference 1: 'url' "
            "'http://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html' "
            "is not in the expected form (hint: an https:// link to the AWS documentation page",
        ),
        (
            '        url: "https://docs',
            '        link: "https://docs',
            "a.yaml:54:9: question 'secrets-rotation-multi-01', reference 1: unknown key 'link' "
            "(hint: allowed keys: title, url)",
        ),
        (
            '      - "AWS CodeBuild User Guide — Build specification reference"',
            "      - 42",
            "a.yaml:25:9: question 'codebuild-prebuild-failure-01', reference 1: 'references' "
            "must be a mapping of keys to values or text, not 42 (hint: write - {title:",
        ),
        (
            "    difficulty: medium\n",
            "    difficulty: medium\n    dificulty: hard\n",
            "a.yaml:6:5: question 'codebuild-prebuild-failure-01': unknown key 'dificulty' "
            "(hint: did you mean 'difficulty'?)",
        ),
        (
            '        correct: true\n        explanation: "post_build',
            '        correct: false\n        explanation: "post_build',
            "no option is marked correct",
        ),
        (
            "    type: single\n",
            "    type: multiple\n",
            "a multiple-response question needs at least 5 options, found 4",
        ),
        (
            "  - id: secrets-rotation-multi-01",
            "  - id: codebuild-prebuild-failure-01",
            "duplicate question id 'codebuild-prebuild-failure-01' (first defined at a.yaml:2)",
        ),
        (
            "questions:\n",
            "questons:\n",
            "a.yaml:1:1: unknown key 'questons' (hint: did you mean 'questions'?)",
        ),
        (
            "    choose: 1\n",
            "    choose: true\n",
            "a.yaml:7:13: question 'codebuild-prebuild-failure-01': 'choose' must be a whole "
            "number, not True (hint: how many options are correct)",
        ),
        (
            '        correct: true\n        explanation: "post_build',
            '        correct: "yes"\n        explanation: "post_build',
            "a.yaml:12:18: question 'codebuild-prebuild-failure-01', option 1: 'correct' must be "
            "true or false, not 'yes'",
        ),
        ("stem: |\n      A build", "stem: |\n    A build", "invalid YAML"),
    ],
)
@pytest.mark.django_db
def test_bad_files_are_rejected_with_file_and_line_and_nothing_loaded(tmp_path, old, new, expected):
    assert old in GOOD
    root = write_bank(tmp_path, {"a.yaml": GOOD.replace(old, new, 1)})
    messages = errors_of(root)
    assert any(expected in m for m in messages), messages
    assert all(m.startswith(str(tmp_path / "questions" / "a.yaml")) for m in messages)
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_errors_from_several_files_are_all_reported(tmp_path):
    root = write_bank(
        tmp_path,
        {"a.yaml": GOOD.replace('"4.1.s6"', '"9.9.s9"'), "b.yaml": "questions: {}\n"},
    )
    messages = errors_of(root)
    assert any("a.yaml:3" in m for m in messages)
    assert any("b.yaml:1:12: 'questions' must be a list, not {}" in m for m in messages)


@pytest.mark.django_db
def test_export_round_trips(tmp_path):
    load(write_bank(tmp_path / "in", {"codebuild.yaml": GOOD}))
    written = export_questions(tmp_path / "out")
    assert written == {"questions/codebuild.yaml": 2}
    shutil.copy(EXAM_GUIDE, tmp_path / "out" / "exam-guide.yaml")
    before = {
        q.external_id: (
            q.stem_markdown,
            q.skills,
            (q.domain, q.task),
            q.cheatsheet,
            q.tags,
            q.references,
            q.lesson_ref,
            list(q.options.values_list("text", "correct", "explanation")),
        )
        for q in Question.objects.all()
    }
    Question.objects.all().delete()
    load(tmp_path / "out")
    after = {
        q.external_id: (
            q.stem_markdown,
            q.skills,
            (q.domain, q.task),
            q.cheatsheet,
            q.tags,
            q.references,
            q.lesson_ref,
            list(q.options.values_list("text", "correct", "explanation")),
        )
        for q in Question.objects.all()
    }
    assert after == before
    # Exporting the re-loaded bank gives the same bytes: the format is stable.
    export_questions(tmp_path / "again")
    assert (tmp_path / "again/questions/codebuild.yaml").read_text() == (
        tmp_path / "out/questions/codebuild.yaml"
    ).read_text()


@pytest.mark.django_db
def test_export_command_writes_files(tmp_path, capsys):
    load(write_bank(tmp_path / "in", {"codebuild.yaml": GOOD}))
    call_command("export_questions", "--out", str(tmp_path / "out"))
    assert "Exported 2 question(s)." in capsys.readouterr().out
    assert (tmp_path / "out/questions/codebuild.yaml").exists()


@pytest.mark.django_db
def test_load_content_command_reports_errors_and_changes_nothing(tmp_path, settings):
    from django.core.management.base import CommandError

    write_bank(tmp_path, {"a.yaml": GOOD.replace("choose: 2", "choose: 1")})
    (tmp_path / "modules").mkdir()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("load_content", "--root", str(tmp_path))
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_skills_decide_task_and_domain_and_are_linked(tmp_path):
    load(write_bank(tmp_path, {"a.yaml": GOOD}))
    q = Question.objects.get(external_id="codebuild-prebuild-failure-01")
    assert q.skills == ["4.1.s6", "3.3.k2"]
    assert (q.domain, q.task) == (4, "4.1")  # from the first skill, not the second (3.3)
    assert q.skills_index == "|4.1.s6|3.3.k2|"
    assert sorted(q.skill_links.values_list("code", flat=True)) == ["3.3.k2", "4.1.s6"]
    assert list(
        Skill.objects.get(code="2.3.s2").questions.values_list("external_id", flat=True)
    ) == ["secrets-rotation-multi-01"]


@pytest.mark.django_db
def test_reordering_skills_moves_the_question_to_the_new_first_skills_domain(tmp_path):
    root = write_bank(tmp_path, {"a.yaml": GOOD})
    load(root)
    write_bank(tmp_path, {"a.yaml": GOOD.replace('["4.1.s6", "3.3.k2"]', '["3.3.k2", "4.1.s6"]')})
    report = load(root)
    assert report.counts["questions updated"] == 1
    q = Question.objects.get(external_id="codebuild-prebuild-failure-01")
    assert (q.domain, q.task, q.skills) == (3, "3.3", ["3.3.k2", "4.1.s6"])


@pytest.mark.django_db
def test_references_accept_links_and_plain_titles_and_cheatsheet_is_stored(tmp_path):
    report = load(write_bank(tmp_path, {"a.yaml": GOOD}))
    plain = Question.objects.get(external_id="codebuild-prebuild-failure-01")
    linked = Question.objects.get(external_id="secrets-rotation-multi-01")
    assert plain.references == [
        {"title": "AWS CodeBuild User Guide — Build specification reference", "url": ""}
    ]
    assert linked.references == [
        {
            "title": "AWS Secrets Manager User Guide — Rotate secrets",
            "url": "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html",
        }
    ]
    assert (plain.cheatsheet, linked.cheatsheet) == ("", "secrets-manager")
    # The cheat sheet file does not exist in this root: a warning naming it, not an error.
    assert any(
        "links cheat sheet 'secrets-manager', which does not exist" in w for w in report.warnings
    )
    (tmp_path / "cheatsheets").mkdir()
    (tmp_path / "cheatsheets" / "secrets-manager.md").write_text("---\ntitle: x\n---\n")
    assert not any("cheat sheet" in w for w in load(tmp_path).warnings)


@pytest.mark.django_db
def test_missing_exam_guide_is_reported(tmp_path):
    root = write_bank(tmp_path, {"a.yaml": GOOD})
    (root / "exam-guide.yaml").unlink()
    messages = errors_of(root)
    assert messages == [
        f"{root / 'exam-guide.yaml'}: the exam guide file is missing (hint: questions and "
        "lessons name skill ids defined there; restore it from git)"
    ]
    assert Question.objects.count() == 0


def test_the_real_bank_validates_and_domains_come_from_the_first_skill():
    """Every question file in content/ passes validation against the real exam guide."""
    from core.guide import read_guide
    from quizzes.validation import parse_file

    root = EXAM_GUIDE.parent
    guide = read_guide(root)
    specs, errors = [], []
    for path in sorted((root / "questions").glob("*.yaml")):
        file_specs, file_errors = parse_file(path, root, guide)
        specs += file_specs
        errors += [str(e) for e in file_errors]
    assert errors == []
    assert len(specs) >= 200
    for spec in specs:
        first = guide.skills[spec.skills[0]]
        assert (spec.domain, spec.task) == (first.domain, first.task), spec.external_id
