"""Grade a lab submission: check the files, run the scenario in the simulator, judge the checks.

Plain Python on top of `simulator` (no ORM here), so graders and `validate_lab` share it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import simulator
from labs.checks import CHECKS
from labs.runs import RunOutput, run_scenario
from labs.spec import LabSpec

# Which checker kind each scenario key names.
FILE_KINDS = {"buildspec": "buildspec", "appspec": "appspec", "pipeline": "pipeline",
              "template": "template"}  # fmt: skip


@dataclass
class GradeResult:
    """What a grading produced; `awaiting_approval` means the pipeline paused at an approval."""

    findings: dict[str, list[dict[str, Any]]]
    outcome: dict[str, Any]
    results: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    pictures: dict[str, str] = field(default_factory=dict)
    awaiting_approval: bool = False
    paused_state: dict[str, Any] | None = None

    @property
    def earned(self) -> int:
        return sum(r["points"] for r in self.results if r["passed"])

    @property
    def max_points(self) -> int:
        return sum(r["points"] for r in self.results)


def file_kinds(spec: LabSpec) -> dict[str, str]:
    """The checker kind of each editable file (auto for files the scenario does not name)."""
    kinds = {name: "auto" for name in spec.files}
    for key, kind in FILE_KINDS.items():
        name = spec.scenario.get(key)
        if name in kinds:
            kinds[name] = kind
    return kinds


def check_files(spec: LabSpec, files: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The simulator's findings for every editable file."""
    findings = {}
    kinds = file_kinds(spec)
    options = {}
    if spec.scenario.get("platform"):
        options["platform"] = spec.scenario["platform"]
    if spec.scenario.get("image"):
        options["image"] = spec.scenario["image"]
    for name, text in files.items():
        kind = kinds.get(name, "auto")
        extra = options if kind == "appspec" or "image" in options else {}
        if kind != "appspec":
            extra = {k: v for k, v in extra.items() if k != "platform"}
        report = simulator.check(text, kind=kind, filename=name, **extra)
        findings[name] = findings_with_lessons(report)
    return findings


def findings_with_lessons(report) -> list[dict[str, Any]]:
    """The report's findings as dicts, each with `doc`: the lesson that teaches the rule."""
    return [{**f.to_dict(), "doc": f.doc} for f in report.findings]


def judge(spec: LabSpec, outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """Evaluate every check against the outcome."""
    results = []
    for check in spec.checks:
        try:
            verdict = CHECKS[check.type].judge(outcome, check.params)
            passed, detail = verdict.passed, verdict.detail
        except (KeyError, TypeError, ValueError) as exc:
            # A check that cannot read the outcome (e.g. the scenario never ran) fails, with why.
            passed, detail = False, f"could not evaluate: {exc}"
        results.append(
            {
                "id": check.id,
                "title": check.title or CHECKS[check.type].summary,
                "type": check.type,
                "points": check.points,
                "passed": passed,
                "feedback": "" if passed else check.feedback,
                "detail": "" if passed else detail,
                "lesson": check.lesson or spec.lesson,
            }
        )
    return results


def grade(
    spec: LabSpec,
    files: dict[str, str],
    *,
    approval: str | None = None,
    resume: dict[str, Any] | None = None,
    on_log: Callable[[str], None] | None = None,
    on_picture: Callable[[str, str], None] | None = None,
) -> GradeResult:
    """Check, run and judge one submission."""
    files = {name: files.get(name, text) for name, text in spec.files.items()}
    findings = check_files(spec, files)
    outcome: dict[str, Any] = {"files": files, "findings": findings}
    run: RunOutput | None = None
    blocking = spec.scenario.get("require_valid", True) and any(
        f["severity"] == "error" for fs in findings.values() for f in fs
    )
    if spec.scenario["kind"] != "check" and not blocking:
        run = run_scenario(
            spec, files, approval=approval, resume=resume, on_log=on_log, on_picture=on_picture
        )
        outcome.update(run.outcome)
    elif blocking and on_log:
        on_log("The checker found errors, so nothing was run. Fix them and run again.")
    if run and run.awaiting_approval:
        return GradeResult(
            findings, outcome, log=run.log, pictures=run.pictures,
            awaiting_approval=True, paused_state=run.paused_state,
        )  # fmt: skip
    log = run.log if run else "The checker found errors, so nothing was run."
    return GradeResult(
        findings, outcome, judge(spec, outcome), log=log, pictures=run.pictures if run else {}
    )
