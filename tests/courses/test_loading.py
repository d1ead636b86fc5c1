"""load_content for study modules: idempotence, precise errors, unpublishing, admin edits."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.content import ContentErrors
from core.models import Skill
from courses.models import Lesson, LessonProgress, Module
from courses.services import lesson_save_from_admin, module_save_from_admin

from .content import load, write_lesson, write_module

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    """Every module and lesson row, all columns: equal snapshots = nothing changed."""
    modules = list(Module.objects.order_by("pk").values_list())
    lessons = list(Lesson.objects.order_by("pk").values_list())
    return modules + lessons


def lesson_path(root, module="codebuild-basics", slug="build-phases"):
    return root / "modules" / module / f"{slug}.md"


def replace_line(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture line {old!r} missing"
    path.write_text(text.replace(old, new, 1))


def test_loads_modules_and_lessons_with_rendered_html(content_root):
    report = load(content_root)
    assert report.counts == {"modules created": 2, "lessons created": 3}
    assert list(Module.objects.values_list("slug", flat=True)) == [
        "codebuild-basics",
        "codedeploy-basics",
    ]
    lesson = Lesson.objects.get(slug="buildspec-structure")
    assert lesson.module.slug == "codebuild-basics"
    assert (lesson.order, lesson.domain, lesson.task, lesson.minutes) == (1, 3, "3.4", 10)
    assert lesson.tags == ["codebuild", "buildspec"]
    assert '<h2 id="exam-focus">' in lesson.body_html
    assert 'href="#exam-focus"' in lesson.toc_html
    assert "pre_build" in lesson.body_text and "<" not in lesson.body_text
    assert lesson.published and not lesson.edited_in_admin and len(lesson.source_hash) == 64


def test_second_run_changes_nothing(content_root):
    load(content_root)
    before = snapshot()
    report = load(content_root)
    assert report.counts == {"modules unchanged": 2, "lessons unchanged": 3}
    assert snapshot() == before


def test_changed_file_updates_only_that_lesson(content_root):
    load(content_root)
    other_before = Lesson.objects.get(slug="appspec-hooks").loaded_at
    replace_line(lesson_path(content_root), "minutes: 10", "minutes: 25")
    report = load(content_root)
    assert report.counts["lessons updated"] == 1 and report.counts["lessons unchanged"] == 2
    assert Lesson.objects.get(slug="build-phases").minutes == 25
    assert Lesson.objects.get(slug="appspec-hooks").loaded_at == other_before


BAD_LESSONS = [
    # (description, old line, new line, expected "line:column", expected message fragment)
    ("bad YAML", "tags: [codebuild]", "tags: [codebuild", "7:8", "invalid YAML"),
    ("missing key", "minutes: 10\n", "", "2:1", "missing required key 'minutes'"),
    ("wrong type", "minutes: 10", "minutes: ten", "7:10", "'minutes' must be a whole number"),
    (
        "zero minutes",
        "minutes: 10",
        "minutes: 0",
        "7:10",
        "'minutes' must be at least 1 (found 0)",
    ),
    ("unknown tag", "tags: [codebuild]", "tags: [codebuld]", "6:8", "did you mean 'codebuild'?"),
    ("unknown key", 'title: "Build', 'titel: "Build', "2:1", "unknown key 'titel'"),
    (
        "unquoted task",
        'task: "3.4"',
        "task: 3.4",
        "5:7",
        "'task' must be text, not 3.4 (hint: quote it: task: \"3.4\"",
    ),
    ("unknown task", 'task: "3.4"', 'task: "3.9"', "5:7", "unknown exam task '3.9'"),
    ("task outside domain", 'task: "3.4"', 'task: "2.1"', "5:7", "belongs to domain 2"),
    (
        "domain out of range",
        "domain: 3",
        "domain: 5",
        "4:9",
        "unknown exam domain 5 (hint: one of 1",
    ),
    (
        "tags not a list",
        "tags: [codebuild]",
        "tags: codebuild",
        "6:7",
        "'tags' must be a list, not 'codebuild' (hint: write tags: [codebuild, buildspec])",
    ),
    ("tag twice", "tags: [codebuild]", "tags: [codebuild, codebuild]", "6:19", "listed twice"),
    ("duplicate order", "order: 2", "order: 1", "3", "order 1 is also used by lesson"),
    (
        "unknown skill id",
        '"3.4.s3", "3.4.k3"',
        '"3.4.s33", "3.4.k3"',
        "8:10",
        "unknown skill id '3.4.s33' (hint: task 3.4 has 3.4.k1–3.4.k3 and 3.4.s1–3.4.s8)",
    ),
    ("typo in a skill id", '"3.4.s3", "3.4.k3"', '"3.4s3"', "8:10", "did you mean '3.4.s3'?"),
    ("task id as a skill", '"3.4.s3", "3.4.k3"', '"3.4"', "8:10", "name an item of task 3.4"),
    (
        "skill twice",
        '"3.4.s3", "3.4.k3"',
        '"3.4.s3", "3.4.s3"',
        "8:20",
        "'3.4.s3' is listed twice",
    ),
    ("skills not a list", '["3.4.s3", "3.4.k3"]', '"3.4.s3"', "8:9", "must be a non-empty list"),
    (
        "missing skills",
        'skills: ["3.4.s3", "3.4.k3"]\n',
        "",
        "2:1",
        "missing required key 'skills'",
    ),
    (
        "domain disagrees with the first skill",
        '"3.4.s3", "3.4.k3"',
        '"1.2.s1", "3.4.k3"',
        "4:9",
        "'domain' is 3 but the first skill 1.2.s1 belongs to domain 1",
    ),
    (
        "task disagrees with the first skill",
        '"3.4.s3", "3.4.k3"',
        '"3.3.s1"',
        "5:7",
        "'task' is 3.4 but the first skill 3.3.s1 belongs to task 3.3",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [case[1:] for case in BAD_LESSONS],
    ids=[case[0] for case in BAD_LESSONS],
)
def test_bad_lesson_names_file_and_line_and_changes_nothing(content_root, old, new, where, message):
    load(content_root)
    before = snapshot()
    path = lesson_path(content_root)
    replace_line(path, old, new)
    # A new, valid module in the same run must not be loaded either (all or nothing).
    write_module(content_root, "new-module", "New module", 9)
    write_lesson(content_root, "new-module", "first", "First", 1, "codebuild", "Text.")
    with pytest.raises(ContentErrors) as caught:
        load(content_root)
    texts = [str(error) for error in caught.value.errors]
    assert any(text.startswith(f"{path}:{where}: ") and message in text for text in texts), texts
    assert snapshot() == before
    assert not Module.objects.filter(slug="new-module").exists()


def test_missing_front_matter(content_root):
    path = lesson_path(content_root)
    path.write_text("# No front matter\n\nJust text.\n")
    with pytest.raises(ContentErrors) as caught:
        load(content_root)
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:1: missing front matter (hint: start the file with a line '---')"
    ]
    assert not Module.objects.exists()


def test_every_problem_is_reported_in_one_run(content_root):
    replace_line(lesson_path(content_root), "minutes: 10", "minutes: -1")
    module_yaml = content_root / "modules" / "codedeploy-basics" / "module.yaml"
    replace_line(module_yaml, "domain: 3", "domian: 3")
    (content_root / "modules" / "codedeploy-basics" / "Bad_Name.md").write_text("---\n---\n")
    with pytest.raises(ContentErrors) as caught:
        load(content_root)
    texts = "\n".join(str(e) for e in caught.value.errors)
    assert f"{lesson_path(content_root)}:7:10: 'minutes' must be at least 1 (found -1)" in texts
    assert f"{module_yaml}:4:1: unknown key 'domian' (hint: did you mean 'domain'?)" in texts
    assert f"{module_yaml}:1:1: missing required key 'domain'" in texts
    assert "lesson file name 'Bad_Name' is not a valid slug" in texts


def test_module_yaml_errors(content_root):
    module_yaml = content_root / "modules" / "codebuild-basics" / "module.yaml"
    replace_line(module_yaml, "order: 1", "order: 2")  # same as codedeploy-basics
    replace_line(module_yaml, 'title: "CodeBuild basics"', "title: [not, text]")
    with pytest.raises(ContentErrors) as caught:
        load(content_root)
    texts = "\n".join(str(e) for e in caught.value.errors)
    assert f"{module_yaml}:1:8: 'title' must be text, not ['not', 'text']" in texts


def test_duplicate_module_order(content_root):
    module_yaml = content_root / "modules" / "codedeploy-basics" / "module.yaml"
    replace_line(module_yaml, "order: 2", "order: 1")
    with pytest.raises(ContentErrors) as caught:
        load(content_root)
    other_yaml = content_root / "modules" / "codebuild-basics" / "module.yaml"
    assert sorted(str(e) for e in caught.value.errors) == [
        f"{other_yaml}:3: order 1 is also used by module 'codedeploy-basics' ({module_yaml}) "
        "(hint: give each module its own position)",
        f"{module_yaml}:3: order 1 is also used by module 'codebuild-basics' ({other_yaml}) "
        "(hint: give each module its own position)",
    ]


def test_missing_exam_focus_is_a_warning(content_root):
    path = lesson_path(content_root)
    path.write_text(path.read_text().replace("## Exam focus", "## Summary"))
    report = load(content_root)
    assert report.warnings == [f"{path}: lesson has no '## Exam focus' section"]
    assert Lesson.objects.filter(slug="build-phases", published=True).exists()


def test_removed_lesson_is_unpublished_and_progress_kept(content_root, learner):
    load(content_root)
    lesson = Lesson.objects.get(slug="build-phases")
    LessonProgress.objects.create(user=learner, lesson=lesson)
    lesson_path(content_root).unlink()
    report = load(content_root)
    assert report.counts["lessons unpublished"] == 1
    lesson.refresh_from_db()
    assert not lesson.published
    assert LessonProgress.objects.filter(user=learner, lesson=lesson).exists()
    # Putting the file back publishes the same row again (same id, same progress).
    write_lesson(content_root, "codebuild-basics", "build-phases", "Back", 2, "codebuild", "Hi.")
    load(content_root)
    lesson.refresh_from_db()
    assert lesson.published and lesson.title == "Back"


def test_removed_module_is_unpublished(content_root):
    load(content_root)
    folder = content_root / "modules" / "codedeploy-basics"
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    report = load(content_root)
    assert report.counts["modules unpublished"] == 1
    assert not Module.objects.get(slug="codedeploy-basics").published
    assert Lesson.objects.filter(module__slug="codedeploy-basics").count() == 1


def test_admin_edit_is_kept_until_force(content_root):
    load(content_root)
    lesson = Lesson.objects.get(slug="build-phases")
    lesson.body_markdown = "Edited by an instructor."
    lesson_save_from_admin(lesson, changed=True)
    module = Module.objects.get(slug="codebuild-basics")
    module.title = "Renamed in admin"
    module_save_from_admin(module, changed=True)
    replace_line(lesson_path(content_root), "minutes: 10", "minutes: 30")

    report = load(content_root)
    assert "kept admin edit of lesson codebuild-basics/build-phases; use --force to overwrite" in (
        report.warnings
    )
    assert "kept admin edit of module codebuild-basics; use --force to overwrite" in report.warnings
    lesson.refresh_from_db()
    assert lesson.body_markdown == "Edited by an instructor." and lesson.minutes == 10
    assert Module.objects.get(slug="codebuild-basics").title == "Renamed in admin"

    report = load(content_root, force=True)
    assert not report.warnings
    lesson.refresh_from_db()
    assert lesson.minutes == 30 and "pre_build" in lesson.body_markdown
    assert not lesson.edited_in_admin
    assert Module.objects.get(slug="codebuild-basics").title == "CodeBuild basics"


def test_admin_created_lesson_is_not_unpublished(content_root):
    load(content_root)
    module = Module.objects.get(slug="codebuild-basics")
    extra = Lesson(module=module, slug="admin-only", title="Admin only", domain=3, task="3.4")
    extra.body_markdown = "Written in the admin."
    lesson_save_from_admin(extra, changed=True)
    report = load(content_root)
    assert "kept admin edit of lesson codebuild-basics/admin-only" in report.warnings[0]
    assert Lesson.objects.get(slug="admin-only").published


def test_load_content_command_reports_errors_and_force(content_root, settings):
    settings.CONTENT_LOADERS = ["courses.loading.load_modules"]
    out, err = StringIO(), StringIO()
    call_command("load_content", root=content_root, stdout=out, stderr=err)
    assert "2 modules created" in out.getvalue()

    lesson = Lesson.objects.get(slug="build-phases")
    lesson.title = "Admin title"
    lesson_save_from_admin(lesson, changed=True)
    out, err = StringIO(), StringIO()
    call_command("load_content", root=content_root, stdout=out, stderr=err)
    assert "warning: kept admin edit of lesson codebuild-basics/build-phases" in err.getvalue()
    call_command("load_content", "--force", root=content_root, stdout=out, stderr=err)
    assert Lesson.objects.get(slug="build-phases").title == "Build phases and failures"

    replace_line(lesson_path(content_root), "minutes: 10", "minutes: many")
    err = StringIO()
    with pytest.raises(CommandError, match=re.escape("1 content error(s); nothing was changed.")):
        call_command("load_content", root=content_root, stdout=StringIO(), stderr=err)
    assert f"{lesson_path(content_root)}:7:10: 'minutes' must be a whole number, not 'many'" in (
        err.getvalue()
    )


def test_force_rerenders_unchanged_files(content_root):
    load(content_root)
    report = load(content_root, force=True)
    assert report.counts == {"modules updated": 2, "lessons updated": 3}


def test_unrendered_diagram_is_a_warning(content_root, monkeypatch, settings, tmp_path):
    settings.DIAGRAM_CACHE_DIR = tmp_path / "diagrams"
    monkeypatch.setenv("PATH", "/nonexistent")
    body = "Flow:\n\n```dot\ndigraph { a -> b }\n```\n"
    path = write_lesson(content_root, "codebuild-basics", "flow", "Flow", 3, "codebuild", body)
    report = load(content_root)
    assert report.warnings == [
        f"{path}: dot diagram shown as source: graphviz `dot` is not installed on the server"
    ]
    assert "diagram-fallback" in Lesson.objects.get(slug="flow").body_html


def test_reserved_slug_empty_body_and_binary_file(content_root):
    write_module(content_root, "search", "Search", 7)
    write_lesson(content_root, "search", "x", "X", 1, "codebuild", "Text.")
    replace_line(lesson_path(content_root), "When pre_build fails", "")
    empty = write_lesson(content_root, "codebuild-basics", "empty", "Empty", 5, "codebuild", "")
    empty.write_text(empty.read_text().split("## Exam focus")[0])
    binary = content_root / "modules" / "codedeploy-basics" / "binary.md"
    binary.write_bytes(b"---\ntitle: \xff\xfe\n---\n")
    with pytest.raises(ContentErrors) as caught:
        load(content_root)
    texts = "\n".join(str(e) for e in caught.value.errors)
    assert "module folder name 'search' is reserved" in texts
    assert f"{empty}:10: the lesson has no body" in texts
    assert f"{binary}:2: not UTF-8 text" in texts


def test_module_without_lessons_is_a_warning(content_root):
    folder = write_module(content_root, "coming-soon", "Coming soon", 5)
    report = load(content_root)
    assert report.warnings == [f"{folder}: module has no lessons yet"]
    assert Module.objects.get(slug="coming-soon").published


def test_skills_are_stored_in_order_and_linked(content_root):
    load(content_root)
    lesson = Lesson.objects.get(slug="build-phases")
    assert lesson.skills == ["3.4.s3", "3.4.k3"]
    assert lesson.skills_index == "|3.4.s3|3.4.k3|"
    assert sorted(lesson.skill_links.values_list("code", flat=True)) == ["3.4.k3", "3.4.s3"]
    assert Skill.objects.get(code="3.4.s3").lessons.count() == 3


def test_domain_and_task_are_derived_from_the_first_skill_when_omitted(content_root):
    path = lesson_path(content_root)
    text = path.read_text().replace("domain: 3\n", "").replace('task: "3.4"\n', "")
    path.write_text(text.replace('["3.4.s3", "3.4.k3"]', '["1.2.s1", "3.4.k3"]'))
    load(content_root)
    lesson = Lesson.objects.get(slug="build-phases")
    assert (lesson.domain, lesson.task) == (1, "1.2")
    assert lesson.skills == ["1.2.s1", "3.4.k3"]


def test_changing_skills_relinks_the_lesson(content_root):
    load(content_root)
    replace_line(lesson_path(content_root), '["3.4.s3", "3.4.k3"]', '["3.4.s6"]')
    load(content_root)
    lesson = Lesson.objects.get(slug="build-phases")
    assert list(lesson.skill_links.values_list("code", flat=True)) == ["3.4.s6"]
    assert lesson.skills_index == "|3.4.s6|"


def test_missing_exam_guide_is_an_error_when_lessons_name_skills(content_root):
    (content_root / "exam-guide.yaml").unlink()
    with pytest.raises(ContentErrors) as caught:
        load(content_root)
    texts = [str(e) for e in caught.value.errors]
    assert texts == [
        f"{content_root / 'exam-guide.yaml'}: the exam guide file is missing (hint: questions "
        "and lessons name skill ids defined there; restore it from git)"
    ]
    assert not Module.objects.exists()


def test_the_real_lessons_validate_and_all_name_skills():
    from core.guide import read_guide
    from courses.validation import read_modules
    from tests.courses.content import EXAM_GUIDE

    root = EXAM_GUIDE.parent
    guide = read_guide(root)
    modules, errors, _warnings = read_modules(root / "modules", guide)
    assert [str(e) for e in errors] == []
    lessons = [lesson for module in modules for lesson in module.lessons]
    assert len(lessons) >= 49
    for lesson in lessons:
        assert lesson.skills, lesson.path
        first = guide.skills[lesson.skills[0]]
        assert (lesson.domain, lesson.task) == (first.domain, first.task), lesson.path


def test_module_yaml_blank_title_and_not_a_mapping(content_root):
    module_yaml = content_root / "modules" / "codebuild-basics" / "module.yaml"
    replace_line(module_yaml, 'title: "CodeBuild basics"', 'title: "   "')
    other_yaml = content_root / "modules" / "codedeploy-basics" / "module.yaml"
    other_yaml.write_text("- title\n- summary\n")
    with pytest.raises(ContentErrors) as caught:
        load(content_root)
    assert [str(e) for e in caught.value.errors] == [
        f"{module_yaml}:1:8: 'title' must be non-empty text",
        f"{other_yaml}:1:1: the file must be a mapping of keys to values, not ['title', "
        "'summary'] (hint: keys: title, summary, order, domain)",
    ]
