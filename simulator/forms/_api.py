"""Read, check and run a pipeline in any of its three forms (JSON, CloudFormation, Terraform)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path as FsPath
from typing import Any

from simulator._findings import Finding, Report, Severity
from simulator._loading import Loaded, load_document
from simulator._rules import Context, rules_for
from simulator.forms._model import Conversion, FormError, PipelineForm, form_finding

PLACEHOLDER_ACCOUNT = "123456789012"
PLACEHOLDER_REGION = "us-east-1"


def detect_form(filename: str, data: Any = None) -> PipelineForm | None:
    """The form of a pipeline file: by extension for Terraform, by content otherwise."""
    name = filename.lower()
    if name.endswith((".tf", ".tf.json")):
        return PipelineForm.TERRAFORM
    if isinstance(data, dict):
        resources = data.get("Resources")
        if isinstance(resources, dict) or "AWSTemplateFormatVersion" in data:
            return PipelineForm.CLOUDFORMATION
        if "pipeline" in data or "stages" in data:
            return PipelineForm.JSON
    return None


def runs_as_form(filename: str, text: str | bytes) -> bool:
    """True for a Terraform file or a CloudFormation template (run through run_form)."""
    if filename.lower().endswith(".tf"):
        return True
    data = load_document(text, filename=filename).data
    return detect_form(filename, data) is PipelineForm.CLOUDFORMATION


def read_terraform(
    files: Mapping[str, str],
    *,
    run: bool = False,
    account: str = PLACEHOLDER_ACCOUNT,
    region: str = PLACEHOLDER_REGION,
    variables: Mapping[str, Any] | None = None,
) -> list[Conversion]:
    """Every aws_codepipeline of a module (its .tf files by name), converted."""
    from simulator.forms._terraform import TerraformReader

    reader = TerraformReader(files, account=account, region=region, run=run, variables=variables)
    return reader.conversions()


def read_loaded_template(loaded: Loaded, filename: str) -> list[Conversion]:
    """The pipelines of an already loaded template, converted for checking."""
    from simulator.forms._cloudformation import CloudFormationReader

    reader = CloudFormationReader(
        loaded, account=PLACEHOLDER_ACCOUNT, region=PLACEHOLDER_REGION, run=False
    )
    return reader.conversions(filename)


def read_cloudformation(
    text: str | bytes,
    filename: str,
    *,
    run: bool = False,
    account: str = PLACEHOLDER_ACCOUNT,
    region: str = PLACEHOLDER_REGION,
) -> list[Conversion]:
    """Every AWS::CodePipeline::Pipeline of a template, converted."""
    from simulator.forms._cloudformation import CloudFormationReader

    loaded = load_document(text, filename=filename)
    if not loaded.ok:
        conv = Conversion(PipelineForm.CLOUDFORMATION, filename, findings=list(loaded.findings))
        return [conv]
    reader = CloudFormationReader(loaded, account=account, region=region, run=run)
    found = reader.conversions(filename)
    for conv in found:
        conv.findings = [*loaded.findings, *conv.findings]
    return found


def _module(filename: str, text: str, siblings: Mapping[str, str] | None) -> dict[str, str]:
    files = {k: v for k, v in (siblings or {}).items() if k.endswith(".tf")}
    files[filename] = text
    return files


def _text(text: str | bytes) -> str:
    return text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text


def check_terraform(
    text: str | bytes, filename: str, siblings: Mapping[str, str] | None = None
) -> Report:
    """Check a Terraform pipeline: findings at the lines of `filename` (and its siblings)."""
    conversions = read_terraform(_module(filename, _text(text), siblings))
    findings: list[Finding] = []
    for conv in conversions:
        findings.extend(check_conversion(conv))
    unique = list(dict.fromkeys(findings))
    mine = [f for f in unique if f.file == filename or f.file == "<input>"]
    return Report(filename, "pipeline", sorted(mine, key=lambda f: (f.line, f.column)))


def check_conversion(conv: Conversion) -> list[Finding]:
    """The form's own findings, then the pipeline rules on the converted document."""
    findings = list(conv.findings)
    if conv.document is None:
        return findings
    if conv.form is not PipelineForm.CLOUDFORMATION:
        # CloudFormation templates get the pipeline rules on the template itself (simulator.check).
        conv.positions.setdefault((), conv.positions.get(("pipeline",), (1, 1)))
        loaded = Loaded(
            data=conv.document,
            filename=conv.file,
            positions=dict(conv.positions),
            key_positions=dict(conv.key_positions),
        )
        ctx = Context(loaded=loaded, file=conv.file, options={"text": ""})
        for func in rules_for("pipeline"):
            func(ctx)
        findings.extend(replace(f, path=conv.learner_path(f.path)) for f in ctx.findings)
        if conv.unknown:
            at = conv.positions.get(("pipeline",), (1, 1))
            shown = "; ".join(conv.unknown[:3]) + (" ..." if len(conv.unknown) > 3 else "")
            findings.append(
                form_finding(
                    "TF005",
                    f"{len(conv.unknown)} value(s) are known only after apply and are not"
                    f" checked: {shown}",
                    "the run gives them names from their resource labels (docs/pipeline-forms.md)",
                    conv.file,
                    at,
                    conv.label,
                )
            )
    findings.extend(cross_checks(conv))
    return findings


def _action_spots(conv: Conversion):
    pipeline = (conv.document or {}).get("pipeline") or {}
    for s, stage in enumerate(pipeline.get("stages") or []):
        if not isinstance(stage, dict):
            continue
        for a, action in enumerate(stage.get("actions") or []):
            if isinstance(action, dict):
                yield ("pipeline", "stages", s, "actions", a), action


def cross_checks(conv: Conversion) -> list[Finding]:
    """The pipeline against the projects and deployment groups declared with it."""
    from simulator.codedeploy import PREDEFINED

    out: list[Finding] = []

    def at(path: tuple[Any, ...]) -> tuple[int, int]:
        return conv.position_of(path)

    def shown(path: tuple[Any, ...]) -> str:
        from simulator._findings import format_path

        return conv.learner_path(format_path(path))

    for path, action in _action_spots(conv):
        kind = action.get("actionTypeId") or {}
        provider = kind.get("provider") if isinstance(kind, dict) else None
        config = (
            action.get("configuration") if isinstance(action.get("configuration"), dict) else {}
        )
        if provider == "CodeBuild" and conv.projects:
            project = config.get("ProjectName")
            if isinstance(project, str) and project not in conv.projects:
                cpath = (*path, "configuration", "ProjectName")
                out.append(
                    form_finding(
                        "FM001",
                        f"no CodeBuild project named {project!r} is declared here"
                        f" (declared: {', '.join(sorted(conv.projects))})",
                        "name one of the declared projects, or the run looks for "
                        f"buildspec-{project}.yml or buildspec.yml in the input artifact",
                        conv.file,
                        at(cpath),
                        shown(cpath),
                    )
                )
        if provider in ("CodeDeploy", "CodeDeployToECS") and conv.applications:
            app = config.get("ApplicationName")
            group = config.get("DeploymentGroupName")
            if not isinstance(app, str) or not isinstance(group, str):
                continue
            apath = (*path, "configuration", "ApplicationName")
            gpath = (*path, "configuration", "DeploymentGroupName")
            declared = conv.applications.get(app)
            if declared is None:
                out.append(
                    form_finding(
                        "FM002",
                        f"CodeDeploy application {app!r} is not declared here"
                        f" (declared: {', '.join(sorted(conv.applications))})",
                        "name a declared application, or declare it",
                        conv.file,
                        at(apath),
                        shown(apath),
                        severity=Severity.WARNING,
                    )
                )
                continue
            groups = declared.get("deployment_groups") or {}
            if group not in groups:
                out.append(
                    form_finding(
                        "FM002",
                        f"application {app!r} has no deployment group {group!r}"
                        f" (its groups: {', '.join(sorted(groups)) or 'none'})",
                        "use the deployment group name the group resource declares",
                        conv.file,
                        at(gpath),
                        shown(gpath),
                    )
                )
            platform = declared.get("compute_platform", "Server")
            wanted = "ECS" if provider == "CodeDeployToECS" else None
            if wanted == "ECS" and platform != "ECS":
                out.append(
                    form_finding(
                        "FM004",
                        f"CodeDeployToECS deploys to ECS, but application {app!r} has compute"
                        f" platform {platform}",
                        'set compute_platform = "ECS" on the application, or use provider'
                        " CodeDeploy for EC2/on-premises",
                        conv.file,
                        at(apath),
                        shown(apath),
                    )
                )
            elif provider == "CodeDeploy" and platform == "ECS":
                out.append(
                    form_finding(
                        "FM004",
                        f"application {app!r} is an ECS application: the pipeline action for it"
                        " is CodeDeployToECS",
                        'use provider = "CodeDeployToECS" with the task definition and appspec'
                        " artifacts",
                        conv.file,
                        at(apath),
                        shown(apath),
                    )
                )
            spec = groups.get(group) or {}
            config_name = spec.get("deployment_config")
            if isinstance(config_name, str) and config_name not in conv.deployment_configs:
                fits = config_name in PREDEFINED and (
                    (platform == "ECS" and ".ECS" in config_name)
                    or (platform == "Lambda" and ".Lambda" in config_name)
                    or (platform == "Server" and ".ECS" not in config_name
                        and ".Lambda" not in config_name)
                )  # fmt: skip
                if not fits:
                    options = [
                        n for n in PREDEFINED
                        if (".ECS" in n) == (platform == "ECS")
                        and (".Lambda" in n) == (platform == "Lambda")
                    ]  # fmt: skip
                    out.append(
                        form_finding(
                            "FM003",
                            f"deployment group {group!r} uses {config_name!r}, which is not a"
                            f" {platform} deployment configuration",
                            f"use one of {', '.join(options)} or declare a custom one",
                            conv.file,
                            at(gpath),
                            shown(gpath),
                        )
                    )
    return out


# -- running ---------------------------------------------------------------------------------
def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def prepare_run(
    text: str | bytes,
    filename: str,
    world: Any,
    sources: Mapping[str, str | FsPath],
    *,
    siblings: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str], Conversion]:
    """(get-pipeline document, buildspecs by project, conversion) ready for run_pipeline.

    Checks first (FormError listing the learner's lines when there is an error), then applies
    the declared deployment groups and configurations to the world.
    """
    text = _text(text)
    data = None
    if not filename.lower().endswith(".tf"):
        data = load_document(text, filename=filename).data
    form = detect_form(filename, data)
    account, region = world.account_id, world.region
    if form is PipelineForm.TERRAFORM:
        report = check_terraform(text, filename, siblings)
        _raise_on(report.findings)
        found = read_terraform(
            _module(filename, text, siblings), run=True, account=account, region=region
        )
    elif form is PipelineForm.CLOUDFORMATION:
        from simulator._check import check

        report = check(text, "pipeline", filename=filename)
        checked = read_cloudformation(text, filename)
        _raise_on([*report.findings, *(f for c in checked for f in cross_checks(c))])
        found = read_cloudformation(text, filename, run=True, account=account, region=region)
    else:
        raise FormError(f"{filename} is get-pipeline JSON: run it as it is")
    if len(found) != 1 or found[0].document is None:
        names = ", ".join(c.label for c in found if c.label) or "none"
        raise FormError(f"{filename}: expected exactly one pipeline resource; found {names}")
    conv = found[0]
    if conv.unknown and form is PipelineForm.CLOUDFORMATION:
        raise FormError(
            f"{filename}: these values cannot be evaluated for the run: "
            + ", ".join(conv.unknown[:5])
        )
    apply_to_world(conv, world)
    document: dict[str, Any] = copy.deepcopy(conv.document or {})
    buildspecs = _project_settings(conv, document, sources)
    return document, buildspecs, conv


def _raise_on(findings: list[Finding]) -> None:
    errors = _errors(findings)
    if errors:
        listed = "; ".join(f"{f.file}:{f.line}: {f.message}" for f in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise FormError(f"the pipeline has errors: {listed}{more}")


def apply_to_world(conv: Conversion, world: Any) -> None:
    """Declared applications, groups and configurations go into the world (they win)."""
    world.declare_codedeploy(conv.applications, conv.deployment_configs)


def _source_outputs(document: dict[str, Any]) -> dict[str, str]:
    """Output artifact -> source action name, for the source actions of the pipeline."""
    out = {}
    for stage in document["pipeline"].get("stages") or []:
        for action in stage.get("actions") or []:
            kind = action.get("actionTypeId") or {}
            if kind.get("category") == "Source":
                for item in action.get("outputArtifacts") or []:
                    out[str(item.get("name"))] = str(action.get("name"))
    return out


_MISSING_SPEC = """version: 0.2
phases:
  install:
    commands:
      - 'echo "YAML_FILE_ERROR: the project buildspec {name} is not in the source" >&2; exit 1'
"""


def _project_settings(
    conv: Conversion, document: dict[str, Any], sources: Mapping[str, str | FsPath]
) -> dict[str, str]:
    """Project variables merged under the action's; each project's buildspec text."""
    buildspecs: dict[str, str] = {}
    produced_by = _source_outputs(document)
    for stage in document["pipeline"].get("stages") or []:
        for action in stage.get("actions") or []:
            kind = action.get("actionTypeId") or {}
            config = action.get("configuration")
            if kind.get("provider") != "CodeBuild" or not isinstance(config, dict):
                continue
            project = conv.projects.get(str(config.get("ProjectName")))
            if project is None:
                continue
            if project.variables:
                # Start-build overrides (the action's) win over the project's own variables.
                given = config.get("EnvironmentVariables")
                own = json.loads(given) if isinstance(given, str) and given.strip() else []
                names = {v.get("name") for v in own if isinstance(v, dict)}
                merged = [v for v in project.variables if v["name"] not in names] + own
                config["EnvironmentVariables"] = json.dumps(merged)
            if project.inline_buildspec:
                buildspecs[project.name] = str(project.buildspec)
                continue
            inputs = [str(i.get("name")) for i in action.get("inputArtifacts") or []]
            primary = str(config.get("PrimarySource") or (inputs[0] if inputs else ""))
            source_action = produced_by.get(primary)
            folder = sources.get(source_action or "") or sources.get(primary)
            if folder is None:
                continue  # built from another build's output: the engine finds the file
            spec_name = project.buildspec or "buildspec.yml"
            spec_file = FsPath(folder) / spec_name
            if spec_file.is_file():
                buildspecs[project.name] = spec_file.read_text(encoding="utf-8", errors="replace")
            elif project.buildspec is not None:
                shown = "".join(ch for ch in spec_name if ch.isalnum() or ch in "._-/")
                buildspecs[project.name] = _MISSING_SPEC.format(name=shown)
    return buildspecs


def run_form(
    text: str | bytes,
    filename: str,
    sources: Mapping[str, str | FsPath],
    world: Any,
    options: Any = None,
    *,
    siblings: Mapping[str, str] | None = None,
) -> Any:
    """Run a Terraform or CloudFormation pipeline like its get-pipeline JSON (same engine)."""
    from simulator.codepipeline import PipelineOptions, run_pipeline

    options = options if options is not None else PipelineOptions()
    document, buildspecs, _conv = prepare_run(text, filename, world, sources, siblings=siblings)
    options.buildspecs = {**buildspecs, **dict(options.buildspecs)}
    return run_pipeline(json.dumps(document), dict(sources), world, options)
