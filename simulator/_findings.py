"""Findings and reports: what a check says about one file, in one shape for CLI, API and web."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

PathPart = str | int
Path = tuple[PathPart, ...]


class Severity(enum.StrEnum):
    """How bad a finding is: only errors make a file fail (and the CLI exit 1)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def format_path(path: Path) -> str:
    """`("phases", "build", "commands", 2)` -> `phases.build.commands[2]`."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part and all(ch.isalnum() or ch in "-_" for ch in part):
            out.append(f".{part}" if out else part)
        else:
            # Keys such as report-group ARNs contain dots and colons: quote them.
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or note) at one place in one file."""

    code: str
    severity: Severity
    line: int
    column: int
    path: str
    message: str
    hint: str = ""
    file: str = "<input>"
    doc: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The exact JSON shape the CLI prints and graders read (`doc` stays an attribute)."""
        return {
            "code": self.code,
            "severity": str(self.severity),
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }

    def to_text(self) -> str:
        """Compiler-style line: `buildspec.yml:12:7: error BS012 message (hint)`."""
        text = f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code} {self.message}"
        if self.path:
            text += f" [{self.path}]"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


@dataclass(slots=True)
class Report:
    """Every finding for one file, and what kind of file it was checked as."""

    file: str
    kind: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings that make the file fail."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not self.errors

    def codes(self) -> list[str]:
        """Finding codes in order (handy in tests and graders)."""
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        """`{"file", "kind", "findings": [...]}` as the CLI's JSON output."""
        return {
            "file": self.file,
            "kind": self.kind,
            "findings": [f.to_dict() for f in self.findings],
        }
