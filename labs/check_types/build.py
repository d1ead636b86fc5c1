"""Checks on the CodeBuild build: its status, phases, commands, artifacts, exported variables."""

from __future__ import annotations

import json
import re
from typing import Any

from labs.checks import Evidence, Verdict, as_list, check, command_matches, sentence, words


def _build(evidence: Evidence):
    return evidence.result.build


@check("build_status", "equals")
def build_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The build ended with the given status (SUCCEEDED, FAILED, ...)."""
    build = _build(evidence)
    if build is None:
        return Verdict(False, "No build ran.", not_run=True)
    if build.status == params["equals"]:
        return Verdict(True)
    reason = f" {sentence(build.reason)}" if build.reason else ""
    return Verdict(False, f"The build ended {build.status}.{reason}")


@check("phase_status", "phase", "equals")
def phase_status(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A phase ended with a status; `ran` and `skipped` test whether it ran at all."""
    build = _build(evidence)
    if build is None:
        return Verdict(False, "No build ran.", not_run=True)
    phase = build.phase(params["phase"])
    status = phase.status if phase else None
    wanted = params["equals"]
    if wanted == "ran":
        ok = status not in (None, "SKIPPED")
    elif wanted == "skipped":
        ok = status in (None, "SKIPPED")
    else:
        ok = status == wanted
    name = params["phase"].upper()
    return Verdict(ok, f"{name} ended {status}." if status else f"{name} never ran.")


@check("command_ran", "command")
def command_ran(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A command ran (in a phase, if set) and succeeded, with an exit status nothing hid."""
    phase = str(params.get("phase") or "").upper()
    wanted = [str(c) for c in as_list(params["command"])]
    label = wanted[0]
    hidden, failed, elsewhere = "", None, ""
    for command in evidence.result.commands:
        for option in wanted:
            ok, masking = command_matches(command.command, option)
            if not ok:
                continue
            if phase and command.phase.upper() != phase:
                elsewhere = command.phase
                continue
            if masking:
                hidden = masking
                continue
            if command.succeeded:
                return Verdict(True)
            failed = command
    where = f" in {phase}" if phase else ""
    if failed is not None:
        code = failed.exit_code
        status = f"exit status {code}" if code is not None else failed.status.lower()
        return Verdict(False, f"{label} ran{where} but failed ({status}).")
    if hidden:
        return Verdict(
            False,
            f"{label} ran{where}, but its exit status was hidden by the "
            f"operator {hidden} after it, so a failure would not stop the build.",
        )
    if elsewhere:
        return Verdict(False, f"{label} ran in {elsewhere}, not in {phase}.")
    return Verdict(False, f"{label} did not run{where}.")


def _json_contains(data: Any, expected: Any) -> bool:
    # Subset match on parsed JSON: every key/value of `expected` appears in `data`; a string
    # "/…/" is a pattern for one structured value (never for a whole file).
    if isinstance(expected, dict):
        return isinstance(data, dict) and all(
            k in data and _json_contains(data[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(data, list) and all(
            any(_json_contains(item, want) for item in data) for want in expected
        )
    if isinstance(expected, str) and len(expected) > 2 and expected[0] == expected[-1] == "/":
        return isinstance(data, str) and re.search(expected[1:-1], data) is not None
    return data == expected


@check("artifact_exists", "path")
def artifact_exists(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """A file is in the build artifacts, optionally holding given JSON values."""
    build = _build(evidence)
    if build is None:
        return Verdict(False, "No build ran, so there are no artifacts.", not_run=True)
    found = build.artifact(params["path"])
    if found is None:
        names = [a.path for a in build.artifacts][:5]
        listing = f" The artifact holds {words(names)}." if names else " No artifact was uploaded."
        return Verdict(False, f"{params['path']} is not in the build artifact.{listing}")
    if "json" in params:
        try:
            data = json.loads(found.text or "")
        except ValueError:
            return Verdict(False, f"{params['path']} is in the artifact but is not valid JSON.")
        if not _json_contains(data, params["json"]):
            return Verdict(
                False,
                f"{params['path']} is valid JSON but does not hold the values "
                "the next stage needs.",
            )
    return Verdict(True)


@check("exported_variable", "name")
def exported_variable(evidence: Evidence, params: dict[str, Any]) -> Verdict:
    """The build exported a variable (optionally with an exact value)."""
    build = _build(evidence)
    value = build.exported_variables.get(params["name"]) if build else None
    if value is None:
        return Verdict(False, f"{params['name']} was not exported.")
    ok = "equals" not in params or str(value) == str(params["equals"])
    return Verdict(ok, "" if ok else f"{params['name']} was exported with another value.")
