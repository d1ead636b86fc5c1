"""The rule catalogue: every check is a small function registered under a stable code."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from simulator._findings import Finding, Path, Severity, format_path
from simulator._loading import LOAD_DOC, LOADING_CODES, Loaded


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What the web app lists for a rule: its code, default severity, summary and lesson."""

    code: str
    severity: Severity
    summary: str
    doc: str
    kind: str


RULES: dict[str, RuleInfo] = {}
_BY_KIND: dict[str, list[Callable[[Context], None]]] = {}


def register(code: str, severity: Severity, summary: str, doc: str, kind: str) -> RuleInfo:
    """Add a code to the catalogue (codes are stable: never reuse one for a new meaning)."""
    if code in RULES:
        raise ValueError(f"rule code {code} registered twice")
    info = RuleInfo(code, severity, summary, doc, kind)
    RULES[code] = info
    return info


# A rule reads the context and reports findings on it; a decorator registers one.
RuleCheck: TypeAlias = Callable[["Context"], None]
RuleDecorator: TypeAlias = Callable[[RuleCheck], RuleCheck]


def rule(code: str, severity: Severity, summary: str, *, doc: str, kind: str) -> RuleDecorator:
    """Decorator: register `func` as the check for `code`, run for files of `kind`."""

    def wrap(func: RuleCheck) -> RuleCheck:
        register(code, severity, summary, doc, kind)
        _BY_KIND.setdefault(kind, []).append(func)
        return func

    return wrap


def rules_for(kind: str) -> list[Callable[[Context], None]]:
    """The check functions of one kind, in registration order."""
    return _BY_KIND.get(kind, [])


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """`did you mean 'phases'?` for a misspelt key or enum value, else ''."""
    if not isinstance(word, str):
        return ""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f"did you mean '{lowered[word.lower()]}'?"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    if not close:
        close = [lowered[m] for m in difflib.get_close_matches(word.lower(), lowered, 1, 0.75)]
    return f"did you mean '{close[0]}'?" if close else ""


def join_hint(*parts: str) -> str:
    """Join non-empty hint parts with a space."""
    return " ".join(p for p in parts if p)


@dataclass
class Context:
    """What a rule sees: the loaded document, options, and a way to report findings."""

    loaded: Loaded
    file: str
    options: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> Any:
        """The plain Python data of the document."""
        return self.loaded.data

    def report(
        self,
        code: str,
        path: Path,
        message: str,
        hint: str = "",
        *,
        key: bool = False,
        severity: Severity | None = None,
    ) -> None:
        """Add a finding for `code` at `path` (the key's position when `key` is true)."""
        info = RULES[code]
        line, column = self.loaded.position(path, key=key)
        self.findings.append(
            Finding(
                code=code,
                severity=severity or info.severity,
                line=line,
                column=column,
                path=format_path(path),
                message=message,
                hint=hint,
                file=self.file,
                doc=info.doc,
            )
        )


for _code, (_severity, _summary) in LOADING_CODES.items():
    register(_code, _severity, _summary, LOAD_DOC, "any")
