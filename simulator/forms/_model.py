"""What every pipeline form converts to: get-pipeline JSON, build projects, deployment groups."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from simulator._findings import Finding, Path, Severity, format_path
from simulator._rules import RULES, register

STRUCTURE_DOC = "codepipeline/pipeline-structure"


class PipelineForm(enum.StrEnum):
    """How a pipeline is written."""

    JSON = "json"  # `aws codepipeline get-pipeline` output (or its `pipeline` object)
    CLOUDFORMATION = "cloudformation"  # AWS::CodePipeline::Pipeline in a template
    TERRAFORM = "terraform"  # aws_codepipeline in HCL


class FormError(ValueError):
    """A pipeline form cannot be converted or run; the message says what and how to fix it."""


# Codes of the form readers (Terraform and CloudFormation resources around the pipeline).
FORM_CODES: dict[str, tuple[Severity, str]] = {
    "TF001": (Severity.ERROR, "HCL syntax error"),
    "TF002": (Severity.ERROR, "reference to something not declared"),
    "TF003": (Severity.ERROR, "argument or block not expected here"),
    "TF004": (Severity.ERROR, "required argument or block missing"),
    "TF005": (Severity.INFO, "value known only after apply (not checked)"),
    "TF006": (Severity.ERROR, "resource declared twice"),
    "TF007": (Severity.ERROR, "variable without a default value"),
    "TF008": (Severity.ERROR, "argument set twice"),
    "TF009": (Severity.ERROR, "no aws_codepipeline resource"),
    "FM001": (Severity.WARNING, "CodeBuild project not declared with the pipeline"),
    "FM002": (Severity.ERROR, "CodeDeploy application or group not declared with the pipeline"),
    "FM003": (Severity.ERROR, "deployment configuration does not fit the application"),
    "FM004": (Severity.ERROR, "action provider does not fit the CodeDeploy application"),
}
for _code, (_severity, _summary) in FORM_CODES.items():
    if _code not in RULES:
        register(_code, _severity, _summary, STRUCTURE_DOC, "pipeline")


def form_finding(
    code: str,
    message: str,
    hint: str,
    file: str,
    position: tuple[int, int],
    path: str = "",
    severity: Severity | None = None,
) -> Finding:
    """A finding of a form reader, at the learner's line."""
    default, _ = FORM_CODES[code]
    line, column = position
    return Finding(
        code, severity or default, line, column, path, message, hint, file, STRUCTURE_DOC
    )


@dataclass
class BuildProject:
    """A CodeBuild project declared next to the pipeline (what a build run needs of it)."""

    name: str
    buildspec: str | None = None  # a file name in the source, or the buildspec text itself
    variables: list[dict[str, str]] = field(default_factory=list)  # name, value, type
    image: str | None = None
    privileged: bool = False
    timeout_minutes: int | None = None
    declared_at: str = ""

    @property
    def inline_buildspec(self) -> bool:
        """True when `buildspec` holds the buildspec itself rather than a file name."""
        if self.buildspec is None:
            return False
        text = self.buildspec.lstrip()
        return "\n" in text.strip() or text.startswith(("version:", "{"))


@dataclass
class Conversion:
    """One pipeline form read: the get-pipeline document plus the resources around it.

    `positions`/`key_positions` map paths of `document` to (line, column) in `file`, so a
    finding about the converted pipeline is reported at the learner's own line.
    """

    form: PipelineForm
    file: str
    document: dict[str, Any] | None = None  # {"pipeline": {...}} (None: nothing to convert)
    projects: dict[str, BuildProject] = field(default_factory=dict)
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    deployment_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)  # converted path -> learner's path
    label: str = ""  # the pipeline's resource address (aws_codepipeline.x / logical id)
    # CloudFormation: converted path -> template path, located only when a finding needs it.
    source_paths: dict[Path, Path] = field(default_factory=dict)
    locate: Any = None  # (template path) -> ((line, col) of the value, (line, col) of the key)
    unknown: list[str] = field(default_factory=list)  # values known only after apply

    def place(self, path: Path, value_at: tuple[int, int], key_at: tuple[int, int], shown: str):
        """Record where a converted path comes from."""
        self.positions[path] = value_at
        self.key_positions[path] = key_at
        self.paths[format_path(path)] = shown

    def position_of(self, path: Path) -> tuple[int, int]:
        """(line, column) in the learner's file of a converted path (or its nearest ancestor)."""
        probe = tuple(path)
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            if probe in self.source_paths and self.locate is not None:
                return self.locate(self.source_paths[probe])[0]
            probe = probe[:-1]
        return (1, 1)

    def learner_path(self, converted: str) -> str:
        """The learner's spelling of a converted path (the nearest recorded ancestor)."""
        if not self.paths and self.source_paths:
            self.paths = {format_path(k): format_path(v) for k, v in self.source_paths.items()}
        if converted in self.paths:
            return self.paths[converted]
        best = ""
        for known in self.paths:
            if converted.startswith(known) and len(known) > len(best):
                rest = converted[len(known) :]
                if rest[:1] in (".", "["):
                    best = known
        if not best:
            return converted
        return self.paths[best] + converted[len(best) :]

    @property
    def ok(self) -> bool:
        """True when the form converted without an error finding."""
        return self.document is not None and not any(
            f.severity is Severity.ERROR for f in self.findings
        )
