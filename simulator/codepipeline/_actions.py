"""What each action provider does against the world (sources, builds, deploys, approvals)."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator._loading import load_document
from simulator._pipeline_model import Action
from simulator.codepipeline._artifacts import (
    ArtifactError,
    members,
    read_member,
    unzip_to,
    zip_dir,
)
from simulator.codepipeline._model import PipelineOptions
from simulator.sandbox import discard_tree


@dataclass
class Outcome:
    """How one action ended."""

    status: str  # Succeeded | Failed | InProgress (waiting for approval)
    summary: str
    outputs: dict[str, bytes] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    seconds: float = 1.0
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """Everything an action may use."""

    world: Any
    action: Action
    config: dict[str, Any]
    inputs: dict[str, bytes]
    options: PipelineOptions
    execution_id: str
    log: Callable[[str], None]
    sources: dict[str, Path]
    pipeline_name: str

    def input(self, name: str | None = None) -> bytes:
        if name is None:
            return next(iter(self.inputs.values()))
        if name not in self.inputs:
            raise ArtifactError(f"{name} is not an input artifact of this action")
        return self.inputs[name]

    def record(self, change: str, **details: Any) -> None:
        self.world.record(change, pipeline=self.pipeline_name, **details)


def _unpacked(data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="pa-art-"))
    try:
        unzip_to(data, folder)
    except BaseException:
        discard_tree(folder)  # a refused zip leaves nothing behind
        raise
    return folder


# -- Source ----------------------------------------------------------------------------------
def source(ctx: Context) -> Outcome:
    folder = ctx.sources.get(str(ctx.action.name))
    if folder is None:
        for name, _path in ctx.action.outputs:
            folder = folder or ctx.sources.get(str(name))
    if folder is None:
        return Outcome("Failed", f"no source given for {ctx.action.name}")
    data = zip_dir(folder)
    digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    provider, cfg = ctx.action.provider, ctx.config
    variables: dict[str, str]
    if provider == "S3":
        variables = {
            "ETag": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "VersionId": digest[:32],
        }
    elif provider == "ECR":
        repo = str(cfg.get("RepositoryName", ""))
        tag = str(cfg.get("ImageTag", "latest"))
        uri = f"{ctx.world.registry()}/{repo}:{tag}"
        variables = {
            "RegistryId": ctx.world.account_id,
            "RepositoryName": repo,
            "ImageTag": tag,
            "ImageDigest": f"sha256:{hashlib.sha256(data).hexdigest()}",
            "ImageURI": uri,
        }
        data = _zip_bytes({"imageDetail.json": json.dumps({"ImageURI": uri}).encode()})
    else:
        variables = {
            "CommitId": digest,
            "BranchName": str(cfg.get("BranchName", "main")),
            "CommitMessage": "Simulated commit of the source directory",
            "AuthorDate": "2026-01-01T00:00:00Z",
        }
        if provider == "CodeStarSourceConnection":
            variables["FullRepositoryName"] = str(cfg.get("FullRepositoryId", ""))
            variables["ConnectionArn"] = str(cfg.get("ConnectionArn", ""))
        else:
            variables["RepositoryName"] = str(cfg.get("RepositoryName", ""))
            variables["CommitterDate"] = variables["AuthorDate"]
    outputs = {str(name): data for name, _path in ctx.action.outputs}
    ctx.record("codepipeline.source", source_action=str(ctx.action.name), bytes=len(data))
    return Outcome(
        "Succeeded",
        f"{provider} source: {len(data)} bytes, commit {digest[:8]}",
        outputs,
        variables,
        5.0,
    )


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return buffer.getvalue()


# -- CodeBuild -------------------------------------------------------------------------------
def _buildspec(ctx: Context, folder: Path) -> tuple[str, str] | None:
    project = str(ctx.config.get("ProjectName", ""))
    if project in ctx.options.buildspecs:
        return ctx.options.buildspecs[project], f"{project} (given)"
    for name in (
        f"buildspec-{project}.yml",
        f"{project}.buildspec.yml",
        "buildspec.yml",
        "buildspec.yaml",
    ):
        if "/" in name:
            continue  # ProjectName "../x" must not pick a file outside the artifact
        path = folder / name
        if path.is_file() and not path.is_symlink():
            return path.read_text(errors="replace"), name
    return None


def codebuild(ctx: Context) -> Outcome:
    from simulator.codebuild import BuildOptions, build

    names = [str(n) for n, _p in ctx.action.inputs]
    primary = str(ctx.config.get("PrimarySource") or (names[0] if names else ""))
    if not primary:
        return Outcome("Failed", "a CodeBuild action needs an input artifact")
    folder = _unpacked(ctx.input(primary))
    secondary = {n: _unpacked(ctx.input(n)) for n in names if n != primary}
    try:
        found = _buildspec(ctx, folder)
        if found is None:
            project = ctx.config.get("ProjectName", "")
            return Outcome(
                "Failed",
                f"no buildspec for project {project}: put buildspec.yml "
                f"(or buildspec-{project}.yml) in the {primary} artifact",
            )
        text, spec_name = found
        env = _build_env(ctx)
        result = build(
            text,
            folder,
            ctx.world,
            BuildOptions(
                project_name=str(ctx.config.get("ProjectName", "lab-project")),
                time_limit=ctx.options.build_time_limit,
                env_overrides=env,
                secondary_sources=secondary,
                on_line=ctx.log,
                buildspec_name=spec_name,
                rng=ctx.options.rng,
                # The source action's CommitId is the sha1 of the same artifact bytes, so
                # CODEBUILD_RESOLVED_SOURCE_VERSION matches #{SourceVariables.CommitId}.
                source_version=hashlib.sha1(ctx.input(primary), usedforsecurity=False).hexdigest(),
            ),
        )
    finally:
        discard_tree(folder)
        for path in secondary.values():
            discard_tree(path)
    outputs: dict[str, bytes] = {}
    out_names = [str(n) for n, _p in ctx.action.outputs]
    by_id = {a.identifier: a for a in result.artifacts}
    for index, name in enumerate(out_names):
        artifact = by_id.get(name) or (
            result.artifacts[index] if index < len(result.artifacts) else None
        )
        if artifact is not None:
            outputs[name] = artifact.data
    seconds = sum(max(p.end - p.start, 0) for p in result.phases)
    summary = f"build {result.build_id} {result.status}" + (
        f": {result.reason}" if result.reason else ""
    )
    if result.status != "SUCCEEDED":
        return Outcome(
            "Failed",
            summary,
            seconds=max(seconds, 1.0),
            detail={"build_id": result.build_id, "build": result.to_record()},
        )
    missing = [n for n in out_names if n not in outputs]
    if missing:
        return Outcome(
            "Failed",
            f"{summary}, but it produced no artifact for {', '.join(missing)}: "
            "add an artifacts section to the buildspec",
            detail={"build_id": result.build_id, "build": result.to_record()},
        )
    return Outcome(
        "Succeeded",
        summary,
        outputs,
        dict(result.exported_variables),
        max(seconds, 1.0),
        {"build_id": result.build_id, "build": result.to_record()},
    )


def commands(ctx: Context) -> Outcome:
    """The V2 Commands action: its commands run as one build phase on managed CodeBuild compute."""
    from dataclasses import replace

    cmds = ctx.action.commands
    if not isinstance(cmds, list) or not cmds:
        return Outcome("Failed", "the Commands action has no commands")
    spec: dict[str, Any] = {
        "version": 0.2,
        "phases": {"build": {"commands": [str(c) for c in cmds]}},
    }
    exported = ctx.action.output_variables
    if isinstance(exported, list) and exported:
        spec["env"] = {"exported-variables": [str(v) for v in exported]}
    if ctx.action.outputs:
        spec["artifacts"] = {"files": ["**/*"]}
    # No project exists: the action gets a private name the buildspec is given under.
    project = f"{ctx.pipeline_name}-{ctx.action.name}-commands"
    options = replace(ctx.options, buildspecs={**ctx.options.buildspecs, project: json.dumps(spec)})
    config = {**ctx.config, "ProjectName": project}
    return codebuild(replace(ctx, config=config, options=options))


def _build_env(ctx: Context) -> dict[str, str]:
    raw = ctx.config.get("EnvironmentVariables")
    if not raw:
        return {}
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"EnvironmentVariables is not a JSON array ({exc})") from exc
    env: dict[str, str] = {}
    for item in items:
        name, value, kind = (
            item.get("name"),
            str(item.get("value", "")),
            item.get("type", "PLAINTEXT"),
        )
        if kind == "PARAMETER_STORE":
            value = ctx.world.ssm_get(value)["value"]
        elif kind == "SECRETS_MANAGER":
            value = ctx.world.secret_get(value)["value"]
        env[str(name)] = value
    return env


# -- CodeDeploy ------------------------------------------------------------------------------
def _deploy_summary(result: Any) -> str:
    text = f"deployment {result.deployment_id} {result.status}"
    if result.message:
        text += f": {result.message}"
    return text


def codedeploy(ctx: Context) -> Outcome:
    from simulator.codedeploy import deploy

    folder = _unpacked(ctx.input())
    try:
        spec = next(
            (folder / n for n in ("appspec.yml", "appspec.yaml") if (folder / n).is_file()), None
        )
        if spec is None:
            return Outcome("Failed", "the input artifact has no appspec.yml at its root")
        result = deploy(
            spec.read_text(errors="replace"),
            folder,
            ctx.world,
            str(ctx.config.get("DeploymentGroupName")),
            _deploy_options(ctx),
        )
    finally:
        discard_tree(folder)
    return _deploy_outcome(result)


def _deploy_options(ctx: Context) -> Any:
    from simulator.codedeploy import DeployOptions

    return DeployOptions(
        runner=ctx.options.hook_runner,
        rng=ctx.options.rng,
        application=str(ctx.config.get("ApplicationName") or "") or None,
        on_log=ctx.log,
        base_dir=ctx.options.base_dir,
    )


def _deploy_outcome(result: Any) -> Outcome:
    status = "Succeeded" if result.status == "Succeeded" else "Failed"
    return Outcome(
        status,
        _deploy_summary(result),
        seconds=max(result.duration_s, 1.0),
        detail={"deployment": result.to_detail()},
    )


def codedeploy_ecs(ctx: Context) -> Outcome:
    from simulator.codedeploy import deploy

    cfg = ctx.config
    spec_art = str(cfg.get("AppSpecTemplateArtifact", ""))
    task_art = str(cfg.get("TaskDefinitionTemplateArtifact", ""))
    spec_path = str(cfg.get("AppSpecTemplatePath", "appspec.yaml"))
    task_path = str(cfg.get("TaskDefinitionTemplatePath", "taskdef.json"))
    spec = read_member(ctx.input(spec_art), spec_path)
    taskdef = read_member(ctx.input(task_art), task_path)
    if spec is None:
        return Outcome("Failed", f"{spec_path} is not in artifact {spec_art}")
    if taskdef is None:
        return Outcome("Failed", f"{task_path} is not in artifact {task_art}")
    task_text = taskdef.decode(errors="replace")
    for n in range(1, 5):
        art, container = cfg.get(f"Image{n}ArtifactName"), cfg.get(f"Image{n}ContainerName")
        if art and container:
            detail = read_member(ctx.input(str(art)), "imageDetail.json")
            if detail is None:
                return Outcome("Failed", f"artifact {art} has no imageDetail.json")
            uri = json.loads(detail).get("ImageURI", "")
            task_text = task_text.replace(f"<{container}>", uri)
    try:
        family = json.loads(task_text).get("family", "task")
    except json.JSONDecodeError as exc:
        return Outcome("Failed", f"{task_path} is not valid JSON ({exc})")
    revision = ctx.world.ecs_register_task_definition(family, task_text)
    arn = (
        f"arn:aws:ecs:{ctx.world.region}:{ctx.world.account_id}:task-definition/{family}:{revision}"
    )
    ctx.record("ecs.register_task_definition", family=family, revision=revision)
    appspec = spec.decode(errors="replace").replace("<TASK_DEFINITION>", arn)
    result = deploy(
        appspec, None, ctx.world, str(cfg.get("DeploymentGroupName")), _deploy_options(ctx)
    )
    return _deploy_outcome(result)


def ecs_standard(ctx: Context) -> Outcome:
    cfg = ctx.config
    name = str(cfg.get("FileName", "imagedefinitions.json"))
    body = read_member(ctx.input(), name)
    if body is None:
        return Outcome("Failed", f"{name} is not in the input artifact (the build must write it)")
    try:
        images = json.loads(body)
        pairs = [(str(i["name"]), str(i["imageUri"])) for i in images]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        return Outcome("Failed", f"{name} must be a JSON array of {{name, imageUri}} ({exc})")
    service = f"{cfg.get('ClusterName')}/{cfg.get('ServiceName')}"
    ctx.world.ecs_set_service_images(service, dict(pairs))
    ctx.record("ecs.update_service", service=service, images=dict(pairs))
    return Outcome(
        "Succeeded",
        f"service {service} updated: " + ", ".join(f"{n}={u}" for n, u in pairs),
        seconds=120.0,
    )


# -- S3, Lambda, CloudFormation ---------------------------------------------------------------
def s3_deploy(ctx: Context) -> Outcome:
    bucket = str(ctx.config.get("BucketName", ""))
    if bucket not in ctx.world.buckets:
        return Outcome("Failed", f"bucket {bucket} does not exist in the world")
    extract = str(ctx.config.get("Extract", "true")).lower() == "true"
    data = ctx.input()
    prefix = str(ctx.config.get("ObjectKey", "")).strip("/")
    if not extract:
        ctx.world.s3_put(bucket, prefix, data)
        return Outcome("Succeeded", f"uploaded the artifact to s3://{bucket}/{prefix}")
    # Read (and size-check) every entry first: a bad zip fails the action with nothing put.
    files = [(info.filename, body) for info, body in members(data)]
    for name, body in files:
        key = f"{prefix}/{name}" if prefix else name
        ctx.world.s3_put(bucket, key, body)
    return Outcome("Succeeded", f"extracted {len(files)} file(s) to s3://{bucket}/{prefix}")


def lambda_invoke(ctx: Context) -> Outcome:
    name = str(ctx.config.get("FunctionName", ""))
    fn = ctx.world.functions.get(name)
    if fn is None:
        return Outcome("Failed", f"Lambda function {name} does not exist in the world")
    script = fn.hooks.get("PipelineInvoke", {})
    script = script if isinstance(script, dict) else {"outcome": script}
    outcome = str(script.get("outcome", "Succeeded"))
    ctx.record("lambda.invoke", function=name, user_parameters=ctx.config.get("UserParameters"))
    variables = {str(k): str(v) for k, v in (script.get("variables") or {}).items()}
    if outcome != "Succeeded":
        return Outcome("Failed", f"{name} called PutJobFailureResult")
    return Outcome(
        "Succeeded", f"{name} called PutJobSuccessResult", variables=variables, seconds=5.0
    )


def cloudformation(ctx: Context) -> Outcome:
    cfg = ctx.config
    stack = str(cfg.get("StackName", ""))
    mode = str(cfg.get("ActionMode", ""))
    if mode == "DELETE_ONLY":
        ctx.world.delete_stack(stack)
        ctx.record("cloudformation.delete_stack", stack=stack)
        return Outcome("Succeeded", f"stack {stack} deleted")
    template_ref = str(cfg.get("TemplatePath", ""))
    artifact, _, path = template_ref.partition("::")
    if mode == "CHANGE_SET_EXECUTE":
        current = ctx.world.stacks.get(stack)
        pending = current.change_set if current else None
        if not pending:
            return Outcome("Failed", f"stack {stack} has no change set to execute")
        return _apply_stack(ctx, stack, pending["template"], pending["parameters"])
    body = read_member(ctx.input(artifact), path) if artifact in ctx.inputs else None
    if body is None:
        return Outcome(
            "Failed", f"TemplatePath {template_ref}: no such file in the input artifacts"
        )
    template = load_document(body, filename=path).data
    if not isinstance(template, dict):
        return Outcome("Failed", f"{path} is not a CloudFormation template")
    try:
        overrides = json.loads(cfg.get("ParameterOverrides") or "{}")
    except json.JSONDecodeError as exc:
        return Outcome("Failed", f"ParameterOverrides is not JSON ({exc})")
    params = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if name in overrides:
            params[name] = str(overrides[name])
        elif isinstance(spec, dict) and "Default" in spec:
            params[name] = str(spec["Default"])
        else:
            return Outcome(
                "Failed",
                f"Parameters: [{name}] must have values (give it in "
                "ParameterOverrides or a Default)",
            )
    if mode == "CHANGE_SET_REPLACE":
        ctx.world.stage_change_set(stack, template, params)
        ctx.record(
            "cloudformation.create_change_set", stack=stack, change_set=cfg.get("ChangeSetName")
        )
        return Outcome("Succeeded", f"change set {cfg.get('ChangeSetName')} created for {stack}")
    return _apply_stack(ctx, stack, template, params)


def _apply_stack(
    ctx: Context, stack: str, template: dict[str, Any], params: dict[str, str]
) -> Outcome:
    current = ctx.world.stacks.get(stack)
    existed = current is not None and current.status != "REVIEW_IN_PROGRESS"
    outputs = {}
    for name, spec in (template.get("Outputs") or {}).items():
        value = spec.get("Value") if isinstance(spec, dict) else None
        if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in params:
            value = params[value["Ref"]]
        outputs[name] = value if isinstance(value, str | int | float) else f"<{name} of {stack}>"
    variables = {k: str(v) for k, v in outputs.items()}
    status = "UPDATE_COMPLETE" if existed else "CREATE_COMPLETE"
    ctx.world.put_stack(
        stack,
        status=status,
        parameters=params,
        outputs=variables,
        resources=sorted((template.get("Resources") or {}).keys()),
    )
    ctx.record("cloudformation.deploy", stack=stack, status=status, parameters=params)
    return Outcome("Succeeded", f"stack {stack} {status}", variables=variables, seconds=60.0)


# -- Approval --------------------------------------------------------------------------------
def approval(ctx: Context) -> Outcome:
    topic = ctx.config.get("NotificationArn")
    if topic:
        message = {
            "pipeline": ctx.pipeline_name,
            "action": str(ctx.action.name),
            "custom_data": ctx.config.get("CustomData"),
            "link": ctx.config.get("ExternalEntityLink"),
        }
        delivered = ctx.world.sns_publish(str(topic), message)
        ctx.record(
            "sns.publish",
            topic=str(topic),
            delivered=delivered,
            approval=str(ctx.action.name),
        )
    decision = ctx.options.approve
    if decision is None:
        shown = {
            "custom_data": ctx.config.get("CustomData"),
            "notification_arn": topic,
            "link": ctx.config.get("ExternalEntityLink"),
        }
        return Outcome("InProgress", "waiting for approval", seconds=0.0, detail=shown)
    return decide(decision, ctx.options.approver)


def decide(approve: bool, approver: str) -> Outcome:
    if approve:
        return Outcome("Succeeded", f"Approved by {approver}", seconds=60.0)
    return Outcome("Failed", f"Rejected by {approver}", seconds=60.0)


PROVIDERS: dict[tuple[str, str], Callable[[Context], Outcome]] = {
    ("Source", "CodeCommit"): source,
    ("Source", "CodeStarSourceConnection"): source,
    ("Source", "S3"): source,
    ("Source", "ECR"): source,
    ("Source", "GitHub"): source,
    ("Build", "CodeBuild"): codebuild,
    ("Test", "CodeBuild"): codebuild,
    ("Compute", "Commands"): commands,
    ("Deploy", "CodeDeploy"): codedeploy,
    ("Deploy", "CodeDeployToECS"): codedeploy_ecs,
    ("Deploy", "ECS"): ecs_standard,
    ("Deploy", "S3"): s3_deploy,
    ("Deploy", "CloudFormation"): cloudformation,
    ("Invoke", "Lambda"): lambda_invoke,
    ("Approval", "Manual"): approval,
}
