"""`check()`: load a document, decide its kind, run that kind's rules, return a Report."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from simulator._findings import Finding, Report
from simulator._loading import (
    LOAD_DOC,
    LOADING_CODES,
    MAX_BYTES,
    Loaded,
    decode_text,
    load_document,
)
from simulator._rules import Context, rules_for

KINDS = ("buildspec", "appspec", "pipeline", "template")
PLATFORMS = ("ec2", "lambda", "ecs")


def _is_cfn_template(data: dict[Any, Any]) -> bool:
    return isinstance(data.get("Resources"), dict) or "AWSTemplateFormatVersion" in data


def pipeline_resources(data: dict[Any, Any]) -> list[str]:
    """Logical ids of the AWS::CodePipeline::Pipeline resources of a template."""
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return []
    return [
        name
        for name, res in resources.items()
        if isinstance(res, dict) and res.get("Type") == "AWS::CodePipeline::Pipeline"
    ]


def detect_kind(data: Any, filename: str) -> tuple[str | None, str]:
    """(kind, reason): content decides when it is clear, else the file name."""
    if isinstance(data, dict):
        if "phases" in data or "batch" in data or "environment_variables" in data:
            return "buildspec", "it has a `phases`/`batch` section"
        if (
            "os" in data
            or "hooks" in data
            or "Hooks" in data
            or isinstance(data.get("Resources"), list)
            or isinstance(data.get("resources"), list)
        ):
            return "appspec", "it has AppSpec keys (`os`, `hooks` or a `Resources` list)"
        if _is_cfn_template(data):
            if pipeline_resources(data):
                return (
                    "pipeline",
                    "it is a CloudFormation template with AWS::CodePipeline::Pipeline",
                )
            return "template", "it is a CloudFormation template"
        inner = data.get("pipeline")
        if "stages" in data or (isinstance(inner, dict) and "stages" in inner):
            return "pipeline", "it has pipeline `stages`"
    base = PurePath(filename).name.lower()
    for kind in ("buildspec", "appspec"):
        if kind in base:
            return kind, f"its file name contains '{kind}'"
    if "pipeline" in base:
        return "pipeline", "its file name contains 'pipeline'"
    if base.endswith((".template", ".template.yaml", ".template.json")):
        return "template", "its file name ends in .template"
    return None, "neither its content nor its name says what it is"


def _info(code: str, message: str, hint: str, filename: str) -> Finding:
    severity, _ = LOADING_CODES[code]
    return Finding(code, severity, 1, 1, "", message, hint, filename, LOAD_DOC)


def check(
    text: str | bytes,
    kind: str = "auto",
    *,
    filename: str = "<input>",
    platform: str | None = None,
    revision: str | os.PathLike[str] | None = None,
    image: str | None = None,
    siblings: Mapping[str, str] | None = None,
) -> Report:
    """Check one buildspec, appspec, pipeline or template; never raises on bad input.

    A Terraform file (`.tf`) is checked as a pipeline together with `siblings` (the other
    `.tf` files of its module, by name); findings point at its own lines.
    """
    if kind not in (*KINDS, "auto"):
        raise ValueError(f"kind must be one of auto, {', '.join(KINDS)}; got {kind!r}")
    if platform is not None and platform not in PLATFORMS:
        raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}; got {platform!r}")
    if is_terraform(filename) and kind in ("auto", "pipeline"):
        return _check_terraform(text, filename, siblings)
    loaded = load_document(text, filename=filename)
    findings = list(loaded.findings)
    if not loaded.ok:
        return Report(filename, "unknown" if kind == "auto" else kind, _sorted(findings))
    if kind == "auto":
        detected, reason = detect_kind(loaded.data, filename)
        if detected is None:
            findings.append(
                _info(
                    "YM016",
                    f"cannot tell what kind of file this is: {reason}",
                    "pass --kind buildspec|appspec|pipeline|template",
                    filename,
                )
            )
            return Report(filename, "unknown", _sorted(findings))
        kind = detected
        findings.append(_info("YM001", f"checked as {kind}: {reason}", "", filename))
    if not isinstance(loaded.data, dict):
        findings.append(
            _info(
                "YM014",
                f"the top level is a {type(loaded.data).__name__}, not a mapping of keys",
                "start the file with keys such as `version:`",
                filename,
            )
        )
        return Report(filename, kind, _sorted(findings))
    ctx = Context(
        loaded=loaded,
        file=filename,
        options={
            "platform": platform,
            "revision": os.fspath(revision) if revision is not None else None,
            "image": image,
            "text": text,
        },
    )
    for func in rules_for(kind):
        func(ctx)
    findings.extend(ctx.findings)
    if kind == "pipeline" and pipeline_resources(loaded.data):
        findings.extend(_template_cross_checks(loaded, filename))
    return Report(filename, kind, _sorted(findings))


def is_terraform(filename: str) -> bool:
    """True for a Terraform configuration file name."""
    return PurePath(filename).name.lower().endswith(".tf")


def _check_terraform(
    text: str | bytes, filename: str, siblings: Mapping[str, str] | None
) -> Report:
    from simulator.forms import check_terraform

    if len(text) > MAX_BYTES:
        message = f"the file is {len(text):,} bytes; the limit is {MAX_BYTES:,}"
        return Report(filename, "pipeline", [_info("YM005", message, "", filename)])
    if isinstance(text, bytes):
        decoded, problem = decode_text(text, filename)
        if problem is not None:
            return Report(filename, "pipeline", [problem])
        text = decoded or ""
    if "\x00" in text:
        message = "this is binary data, not text (a NUL character)"
        return Report(filename, "pipeline", [_info("YM003", message, "", filename)])
    if not text.strip():
        message = "the file is empty"
        hint = 'declare the pipeline: resource "aws_codepipeline" "NAME" { ... }'
        return Report(filename, "pipeline", [_info("YM002", message, hint, filename)])
    return check_terraform(text, filename, siblings)


def _template_cross_checks(loaded: Loaded, filename: str) -> list[Finding]:
    """A template's pipeline against the CodeBuild/CodeDeploy resources declared with it."""
    resources = loaded.data.get("Resources") if isinstance(loaded.data, dict) else None
    if not isinstance(resources, dict):
        return []
    kinds = {str(r.get("Type")) for r in resources.values() if isinstance(r, dict)}
    if not any(k.startswith(("AWS::CodeBuild::", "AWS::CodeDeploy::")) for k in kinds):
        return []  # nothing declared next to the pipeline to check it against
    from simulator.forms._api import cross_checks, read_loaded_template

    return [f for conv in read_loaded_template(loaded, filename) for f in cross_checks(conv)]


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.line, f.column))
