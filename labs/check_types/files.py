"""Checks on the learner's files as the checker read them: findings and parsed documents."""

from __future__ import annotations

from typing import Any

from labs.checks import Evidence, Verdict, check, plural, sentence, words
from simulator import Severity


@check("no_error_findings", needs_run=False)
def no_error_findings(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The checker reports no error in the file (or in any file)."""
    wanted = params.get("file")
    errors = [
        f"{name} line {f['line']}: {sentence(f['message'])}"
        for name, findings in evidence.findings.items()
        if wanted in (None, name)
        for f in findings
        if f["severity"] == Severity.ERROR
    ]
    if not errors:
        return Verdict(True)
    more = f" (and {plural(len(errors) - 2, 'more error')})" if len(errors) > 2 else ""
    return Verdict(False, " ".join(errors[:2]) + more)


@check("finding_absent", "code", needs_run=False)
def finding_absent(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A given finding code is not reported."""
    hits = [
        f"{name} line {f['line']}"
        for name, findings in evidence.findings.items()
        if params.get("file") in (None, name)
        for f in findings
        if f["code"] == params["code"]
    ]
    if not hits:
        return Verdict(True)
    return Verdict(False, f"{params['code']} is still reported at {words(hits)}.")


@check("document_has", "file", "path", needs_run=False)
def document_has(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The parsed file holds a key path (dot-separated, e.g. phases.pre_build), whatever its
    format (JSON or YAML, flow or block style, comments)."""
    node = evidence.documents.get(params["file"])
    if node is None:
        return Verdict(False, f"{params['file']} could not be read.")
    for key in str(params["path"]).split("."):
        if not isinstance(node, dict) or key not in node:
            return Verdict(False, f"{params['file']} has no {params['path']}.")
        node = node[key]
    return Verdict(True)
