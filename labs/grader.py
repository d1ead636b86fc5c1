"""Grade a lab submission: check the files, run the scenario in the simulator, judge the checks.

Plain Python on top of `simulator`'s public API (no ORM here), so the Celery task, `validate_lab`
and `grade_lab` share it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import simulator
from labs.checks import CHECKS, Evidence, judge_one
from labs.spec import LabSpec

# Which checker kind each scenario key names.
FILE_KINDS = {
    "buildspec": "buildspec",
    "appspec": "appspec",
    "pipeline": "pipeline",
    "template": "template",
}
# Handler code (Lambda functions, scripts) is judged by running it; the document checker reads
# only YAML, JSON and Terraform, so these files get no checker kind ("code") and no findings.
CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts", ".sh", ".java", ".go", ".rb")
NOT_SIMULATED_CODE = "SIM001"
BLOCKED_LOG = "The checker found errors in your files, so nothing ran. Fix them and run again."
FILES_ONLY_LOG = "This lab grades your files as written: nothing runs."


@dataclass
class GradeResult:
    """What a grading produced; `awaiting_approval` means the pipeline paused at an approval."""

    findings: dict[str, list[dict[str, Any]]]
    result: simulator.ScenarioResult
    results: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    pictures: dict[str, str] = field(default_factory=dict)
    paused_state: dict[str, Any] | None = None

    @property
    def awaiting_approval(self) -> bool:
        return self.result.status == simulator.RunStatus.PAUSED

    @property
    def outcome(self) -> dict[str, Any]:
        """The typed result as JSON, with secret values redacted: what a submission stores."""
        return self.result.redacted().to_dict()

    @property
    def earned(self) -> int:
        return sum(r["points"] for r in self.results if r["passed"])

    @property
    def max_points(self) -> int:
        return sum(r["points"] for r in self.results)

    @property
    def percent(self) -> float:
        return round(100 * self.earned / self.max_points, 1) if self.max_points else 0.0


def file_kinds(spec: LabSpec) -> dict[str, str]:
    """The checker kind of each editable file: auto for documents the scenario does not name,
    code for handler code and scripts (never read by the document checker)."""
    kinds = {
        name: "code" if name.lower().endswith(CODE_SUFFIXES) else "auto" for name in spec.files
    }
    for key, kind in FILE_KINDS.items():
        name = spec.scenario.get(key)
        if name in kinds:
            kinds[name] = kind
    return kinds


def check_files(spec: LabSpec, files: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The simulator's findings for every editable file."""
    findings: dict[str, list[dict[str, Any]]] = {}
    kinds = file_kinds(spec)
    for name, text in files.items():
        kind = kinds.get(name, "auto")
        if kind == "code":
            findings[name] = []
            continue
        platform = spec.scenario.get("platform") if kind == "appspec" else None
        report = simulator.check(
            text,
            kind=kind,
            filename=name,
            platform=platform or None,
            image=spec.scenario.get("image") or None,
        )
        findings[name] = findings_with_lessons(report)
    return findings


def findings_with_lessons(report: simulator.Report) -> list[dict[str, Any]]:
    """The report's findings as dicts, each with `doc`: the lesson that teaches the rule."""
    return [{**f.to_dict(), "doc": f.doc} for f in report.findings]


def parsed_documents(files: dict[str, str]) -> dict[str, Any]:
    """Each file as the services read it (YAML or JSON, comments and style gone)."""
    docs: dict[str, Any] = {}
    for name, text in files.items():
        loaded = simulator.load_document(text, filename=name)
        docs[name] = loaded.data if not loaded.findings else None
    return docs


def judge(spec: LabSpec, evidence: Evidence) -> list[dict[str, Any]]:
    """Evaluate every check against the evidence."""
    results = []
    for check in spec.checks:
        ctype = CHECKS[check.type]
        verdict = judge_one(ctype, evidence, check.params)
        results.append(
            {
                "id": check.id,
                "title": check.title or ctype.summary,
                "type": check.type,
                "points": check.points,
                "passed": verdict.passed,
                "not_run": verdict.not_run,
                # The lab's advice only where the learner's run showed the problem.
                "feedback": "" if verdict.passed or verdict.not_run else check.feedback,
                "detail": "" if verdict.passed else verdict.detail,
                "lesson": check.lesson or spec.lesson,
            }
        )
    return results


def _note_findings(result: simulator.ScenarioResult) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for note in result.notes:
        if note.level != simulator.NoteLevel.NOT_SIMULATED:
            continue
        out.setdefault(note.file, []).append(
            {
                "code": NOT_SIMULATED_CODE,
                "severity": simulator.Severity.WARNING.value,
                "line": None,
                "column": None,
                "path": note.path,
                "message": note.message[0].upper() + note.message[1:] + ".",
                "hint": "This setting changes what AWS does; the run here ignores it.",
                "doc": "",
            }
        )
    return out


def scenario_of(spec: LabSpec) -> simulator.Scenario:
    return simulator.Scenario(
        spec.scenario["kind"], spec.scenario, spec.trees, spec.world, spec.slug
    )


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
    kind = spec.scenario["kind"]
    blocking = spec.scenario.get("require_valid", True) and any(
        f["severity"] == simulator.Severity.ERROR for fs in findings.values() for f in fs
    )
    run = None
    if kind == "check":
        result = simulator.ScenarioResult(kind="check", status=simulator.RunStatus.FILES_ONLY)
        log = FILES_ONLY_LOG
    elif blocking:
        result = simulator.ScenarioResult(
            kind=kind, status=simulator.RunStatus.BLOCKED, message=BLOCKED_LOG
        )
        log = BLOCKED_LOG
        if on_log:
            on_log(BLOCKED_LOG)
    else:
        run = simulator.run_scenario(
            scenario_of(spec),
            files,
            approval=approval,
            resume=resume,
            on_log=on_log,
            on_picture=on_picture,
        )
        result, log = run.result, run.log
        for name, notes in _note_findings(result).items():
            findings.setdefault(name, []).extend(notes)
    pictures = run.pictures if run else {}
    if run is not None and run.awaiting_approval:
        return GradeResult(
            findings, result, log=log, pictures=pictures, paused_state=run.paused_state
        )
    evidence = Evidence(
        files=files,
        documents=parsed_documents(files),
        findings=findings,
        result=result,
        secret_values=run.secret_values if run else simulator.world_secret_values(spec.world),
        log=log,
        scenario=spec.scenario,
    )
    return GradeResult(findings, result, judge(spec, evidence), log=log, pictures=pictures)
