"""Test and coverage reports: parse the files a report group names into a pass/fail summary."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import Any

from simulator._buildspec_model import COVERAGE_REPORT_FORMATS

MAX_REPORT_BYTES = 8 * 1024 * 1024


class ReportError(ValueError):
    """A report file that is not in the declared format."""


@dataclass
class TestCase:
    name: str
    suite: str
    status: str  # SUCCEEDED | FAILED | ERROR | SKIPPED
    message: str = ""


@dataclass
class ReportSummary:
    """One report group: counts (and cases) or line coverage, and the group's status."""

    group: str
    file_format: str
    kind: str  # TEST | CODE_COVERAGE
    status: str = "SUCCEEDED"  # SUCCEEDED | FAILED (a test failed) | INCOMPLETE (bad file)
    total: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    line_coverage: float | None = None
    files: list[str] = field(default_factory=list)
    cases: list[TestCase] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, case: TestCase) -> None:
        self.cases.append(case)
        self.total += 1
        if case.status == "SUCCEEDED":
            self.passed += 1
        elif case.status == "FAILED":
            self.failed += 1
        elif case.status == "ERROR":
            self.errors += 1
        else:
            self.skipped += 1

    def finish(self) -> None:
        if self.problems and not self.total and self.line_coverage is None:
            self.status = "INCOMPLETE"
        elif self.failed or self.errors:
            self.status = "FAILED"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cases"] = data["cases"][:500]  # CodeBuild keeps at most 500 cases per report
        return data


def _xml(data: bytes, name: str) -> ET.Element:
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise ReportError(f"{name}: DOCTYPE/ENTITY declarations are not accepted")
    try:
        return ET.fromstring(data)  # noqa: S314 - see _xml's DOCTYPE refusal above
    except ET.ParseError as exc:
        raise ReportError(f"{name}: not well-formed XML ({exc})") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _junit(root: ET.Element, summary: ReportSummary) -> None:
    for case in root.iter():
        if _local(case.tag) != "testcase":
            continue
        children = {_local(c.tag): c for c in case}
        status = "SUCCEEDED"
        message = ""
        for tag, mapped in (("failure", "FAILED"), ("error", "ERROR"), ("skipped", "SKIPPED")):
            if tag in children:
                status = mapped
                message = children[tag].get("message") or (children[tag].text or "").strip()
                break
        summary.add(
            TestCase(case.get("name", "?"), case.get("classname", ""), status, message[:500])
        )


def _testng(root: ET.Element, summary: ReportSummary) -> None:
    for method in root.iter("test-method"):
        if method.get("is-config") == "true":
            continue
        mapped = {"PASS": "SUCCEEDED", "FAIL": "FAILED", "SKIP": "SKIPPED"}
        summary.add(
            TestCase(method.get("name", "?"), "", mapped.get(method.get("status", ""), "ERROR"))
        )


def _nunit(root: ET.Element, summary: ReportSummary) -> None:
    for case in root.iter("test-case"):
        result = (case.get("result") or "").lower()
        status = {
            "success": "SUCCEEDED",
            "passed": "SUCCEEDED",
            "failure": "FAILED",
            "failed": "FAILED",
            "error": "ERROR",
        }.get(result, "SKIPPED")
        summary.add(TestCase(case.get("name", "?"), "", status))


def _trx(root: ET.Element, summary: ReportSummary) -> None:
    for result in root.iter():
        if _local(result.tag) == "UnitTestResult":
            outcome = result.get("outcome", "")
            status = {"Passed": "SUCCEEDED", "Failed": "FAILED"}.get(outcome, "SKIPPED")
            summary.add(TestCase(result.get("testName", "?"), "", status))


def _cucumber(data: bytes, name: str, summary: ReportSummary) -> None:
    try:
        features = json.loads(data)
    except ValueError as exc:
        raise ReportError(f"{name}: not JSON ({exc})") from exc
    for feature in features if isinstance(features, list) else []:
        for scenario in feature.get("elements", []) if isinstance(feature, dict) else []:
            statuses = [s.get("result", {}).get("status") for s in scenario.get("steps", [])]
            status = (
                "FAILED"
                if "failed" in statuses
                else (
                    "SKIPPED" if statuses and all(s != "passed" for s in statuses) else "SUCCEEDED"
                )
            )
            summary.add(TestCase(scenario.get("name", "?"), feature.get("name", ""), status))


def _coverage(data: bytes, name: str, fmt: str) -> float:
    if fmt == "SIMPLECOV":
        try:
            doc = json.loads(data)
            return float(doc["metrics"]["covered_percent"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ReportError(f"{name}: not a simplecov .resultset/.last_run JSON") from exc
    root = _xml(data, name)
    if fmt == "COBERTURAXML":
        return round(float(root.get("line-rate", 0)) * 100, 2)
    if fmt == "CLOVERXML":
        metrics = root.find("project/metrics")
        if metrics is None:
            raise ReportError(f"{name}: no <project><metrics> element")
        total = int(metrics.get("statements", 0))
        covered = int(metrics.get("coveredstatements", 0))
        return round(100 * covered / total, 2) if total else 0.0
    for counter in root.findall("counter"):  # JACOCOXML
        if counter.get("type") == "LINE":
            missed, covered = int(counter.get("missed", 0)), int(counter.get("covered", 0))
            return round(100 * covered / (missed + covered), 2) if missed + covered else 0.0
    raise ReportError(f"{name}: no LINE counter")


def parse_report_file(summary: ReportSummary, name: str, data: bytes) -> None:
    """Add one file's results to the group's summary (problems are noted, not raised)."""
    fmt = summary.file_format
    # Parse into a scratch summary: a file that breaks half-way adds nothing to the group.
    scratch = ReportSummary(summary.group, fmt, summary.kind)
    try:
        try:
            if fmt in COVERAGE_REPORT_FORMATS:
                coverage = _coverage(data, name, fmt)
                if not math.isfinite(coverage):
                    raise ReportError(f"{name}: line coverage {coverage} is not a number")
                scratch.line_coverage = coverage
            elif fmt == "CUCUMBERJSON":
                _cucumber(data, name, scratch)
            else:
                root = _xml(data, name)
                {
                    "TESTNGXML": _testng,
                    "NUNITXML": _nunit,
                    "NUNIT3XML": _nunit,
                    "VISUALSTUDIOTRX": _trx,
                }.get(fmt, _junit)(root, scratch)
        # The build wrote the file: a value of the wrong type or shape (or absurd nesting)
        # makes it an unreadable report, never an error of the simulator.
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
            if isinstance(exc, ReportError):
                raise
            raise ReportError(f"{name}: not a valid {fmt} report ({exc!s:.120})") from exc
    except ReportError as exc:
        summary.problems.append(str(exc))
        return
    for case in scratch.cases:
        summary.add(case)
    if scratch.line_coverage is not None:
        summary.line_coverage = scratch.line_coverage
    summary.files.append(name)
