"""A small, valid study-module tree written into a temporary folder for tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.db import transaction

from core.content import LoadReport
from core.guide import load_exam_guide
from courses.loading import load_modules

MODULE_YAML = """\
title: "{title}"
summary: "{summary}"
order: {order}
domain: 3
"""

LESSON_MD = """\
---
title: "{title}"
order: {order}
domain: 3
task: "3.4"
tags: [{tags}]
minutes: 10
skills: ["3.4.s3", "3.4.k3"]
---
{body}

## Exam focus
- {focus}
"""

# The real blueprint: lessons and questions name its skill ids.
EXAM_GUIDE = Path(__file__).resolve().parents[2] / "content" / "exam-guide.yaml"

# module slug → (title, order, {lesson slug: (title, order, tags, body)})
TREE = {
    "codebuild-basics": (
        "CodeBuild basics",
        1,
        {
            "buildspec-structure": (
                "Buildspec structure",
                1,
                "codebuild, buildspec",
                "A buildspec has phases: install, pre_build, build and post_build.",
            ),
            "build-phases": (
                "Build phases and failures",
                2,
                "codebuild",
                "When pre_build fails the build phase is skipped; post_build still runs.",
            ),
        },
    ),
    "codedeploy-basics": (
        "CodeDeploy basics",
        2,
        {
            "appspec-hooks": (
                "Appspec hooks",
                1,
                "codedeploy, appspec",
                "Lifecycle hooks such as BeforeInstall run scripts from the revision.",
            ),
        },
    ),
}


def write_module(root: Path, slug: str, title: str, order: int) -> Path:
    folder = root / "modules" / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "module.yaml").write_text(
        MODULE_YAML.format(title=title, summary=f"All about {title}.", order=order)
    )
    return folder


def write_lesson(
    root: Path, module: str, slug: str, title: str, order: int, tags: str, body: str
) -> Path:
    path = root / "modules" / module / f"{slug}.md"
    path.write_text(
        LESSON_MD.format(title=title, order=order, tags=tags, body=body, focus=f"{title} matters.")
    )
    return path


def write_content(root: Path) -> Path:
    """Write TREE under root/modules, the exam guide, and empty questions/ and labs/."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAM_GUIDE, root / "exam-guide.yaml")
    for slug, (title, order, lessons) in TREE.items():
        write_module(root, slug, title, order)
        for lesson_slug, (lesson_title, lesson_order, tags, body) in lessons.items():
            write_lesson(root, slug, lesson_slug, lesson_title, lesson_order, tags, body)
    (root / "questions").mkdir(exist_ok=True)
    (root / "labs").mkdir(exist_ok=True)
    return root


def load(root: Path, *, force: bool = False) -> LoadReport:
    """Run the courses loader (after the exam guide, as load_all does), in a transaction."""
    report = LoadReport(force=force)
    with transaction.atomic():
        load_exam_guide(root, LoadReport())
        load_modules(root, report)
    return report
