"""The `sam` scenario kind: a CodeBuild build whose image has the SAM CLI, and what it deployed.

Settings as for a build (`buildspec`, `world`, `project`, `time_limit`). The sandbox gets the
SAM stand-in's packages (boto3 for `sam local invoke`, aws-sam-translator for `sam deploy`).
After the build, the host reads its own log of the account's API calls: for every stack a SAM
change set created and executed, the functions, aliases and deployment preferences of the
template CloudFormation received go into `after.extra["sam"]` (moto's CloudFormation creates
functions, versions and tables but not aliases or CodeDeploy groups, so the template the
account accepted is the record of those). The traffic shifting itself is not run here (the
`deploy` kind simulates it): a note says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from simulator.scenarios._result import Note, NoteLevel, RunStatus, ScenarioResult
from simulator.scenarios._run import (
    BUILD_TIME_LIMIT,
    KindContext,
    ScenarioError,
    ScenarioRun,
    _api_calls,
    _artifact_files,
    _build_run,
    secret_values,
    write_tree,
)
from simulator.scenarios._snapshot import diff

SAM_FACTS = "sam"  # key of AccountSnapshot.extra


def _value(node: Any, local: Mapping[str, Any] | None = None) -> str | None:
    """A plain string from a literal or a simple Fn::Sub (what SAM writes for config names)."""
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and len(node) == 1 and "Fn::Sub" in node:
        arg = node["Fn::Sub"]
        text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        if not isinstance(text, str) or not isinstance(names, dict):
            return None
        for key, val in {**(local or {}), **names}.items():
            got = _value(val)
            if got is None:
                continue
            text = text.replace("${" + key + "}", got)
        return None if "${" in text else text
    return None


def _dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one (templates hold any shape)."""
    return value if isinstance(value, dict) else {}


def _ref(node: Any) -> str | None:
    return node.get("Ref") if isinstance(node, dict) and isinstance(node.get("Ref"), str) else None


def template_facts(template: Mapping[str, Any]) -> dict[str, Any]:
    """Functions of a (transformed) template: alias, deployment preference, hooks, alarms."""
    resources = _dict(template.get("Resources"))
    functions: dict[str, dict[str, Any]] = {}
    for logical, res in resources.items():
        if isinstance(res, dict) and res.get("Type") == "AWS::Lambda::Function":
            props = _dict(res.get("Properties"))
            env = (props.get("Environment") or {}).get("Variables") or {}
            functions[logical] = {
                "alias": None,
                "deployment_preference": None,
                "hooks": {},
                "alarms": [],
                "environment_refs": {
                    k: _ref(v) for k, v in env.items() if isinstance(v, dict) and _ref(v)
                },
            }
    for res in resources.values():
        if not isinstance(res, dict) or res.get("Type") != "AWS::Lambda::Alias":
            continue
        props = _dict(res.get("Properties"))
        target = _ref(props.get("FunctionName"))
        if target not in functions:
            continue
        functions[target]["alias"] = props.get("Name")
        update = (res.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate") or {}
        group = resources.get(_ref(update.get("DeploymentGroupName")) or "") or {}
        gprops = _dict(group.get("Properties"))
        functions[target]["deployment_preference"] = _value(gprops.get("DeploymentConfigName"))
        hooks = {}
        for key, event in (
            ("BeforeAllowTrafficHook", "PreTraffic"),
            ("AfterAllowTrafficHook", "PostTraffic"),
        ):
            ref = _ref(update.get(key))
            if ref:
                hooks[event] = ref
        functions[target]["hooks"] = hooks
        alarms = (gprops.get("AlarmConfiguration") or {}).get("Alarms") or []
        functions[target]["alarms"] = [
            (_ref(a.get("Name")) or _value(a.get("Name")) or "")
            for a in alarms
            if isinstance(a, dict)
        ]
    tables = [
        k for k, r in resources.items() if isinstance(r, dict) and r.get("Type") in _TABLE_TYPES
    ]
    return {"functions": functions, "tables": tables}


_TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")


def sam_deployments(api_calls: Any) -> dict[str, Any]:
    """Stack name -> facts of the last change set that was created and then executed."""
    created: dict[tuple[str, str], dict[str, Any]] = {}
    out: dict[str, Any] = {}
    for call in sorted(api_calls, key=lambda c: c.seq):
        if call.service != "cloudformation" or not call.ok:
            continue
        stack = str(call.params.get("StackName", ""))
        if call.operation == "CreateChangeSet":
            try:
                template = json.loads(str(call.params.get("TemplateBody", "")))
            except ValueError:
                continue  # a YAML body: not one `sam deploy` sent
            if isinstance(template, dict):
                created[(stack, str(call.params.get("ChangeSetName", "")))] = template
        elif call.operation == "ExecuteChangeSet":
            name = str(call.params.get("ChangeSetName", ""))
            template = created.get((stack, name))
            if template is None and name.startswith("arn:"):
                template = next((t for (s, n), t in created.items() if n in name), None)
            if template is not None:
                out[stack] = {**template_facts(template), "seq": call.seq}
    return out


def run(context: KindContext) -> ScenarioRun:
    from simulator.codebuild import BuildOptions, build
    from simulator.standins._sam import with_sam

    settings = context.scenario.settings
    name = settings.get("buildspec")
    if not isinstance(name, str) or not name:
        raise ScenarioError("a sam scenario needs scenario.buildspec: the buildspec file name")
    source = context.root / "source"
    source.mkdir(parents=True, exist_ok=True)
    # The learner's files (template, buildspec, env files, code) replace the tree's copies.
    write_tree(source, {k: v for k, v in context.files.items() if k != name})
    text = context.files.get(name)
    if text is None:
        tree_file = source / name
        if not tree_file.is_file():
            raise ScenarioError(
                f"the sam scenario's buildspec {name!r} is neither a learner file nor in the "
                "lab's source tree"
            )
        text = tree_file.read_text(encoding="utf-8")
    world = context.world
    before = world.snapshot()
    options = BuildOptions(
        project_name=str(settings.get("project", context.scenario.name)),
        time_limit=float(settings.get("time_limit", BUILD_TIME_LIMIT)),
        on_line=context.on_log,
        buildspec_name=name,
        session_factory=with_sam(),
    )
    result = build(text, source, world, options)
    record = result.to_record()
    calls = _api_calls(world)
    # The account service's own snapshot: stacks the engines deploy on the host are not
    # part of a SAM build (and the engine fallback cannot read objects the sandbox uploaded).
    after = world.snapshot()
    facts = sam_deployments(calls)
    after = replace(after, extra={**after.extra, SAM_FACTS: facts})
    notes = []
    if any(f["deployment_preference"] for d in facts.values() for f in d["functions"].values()):
        notes.append(
            Note(
                NoteLevel.NOT_SIMULATED,
                "The deployment preference is recorded from the template CloudFormation "
                "received; its traffic shifting is not run in this lab (the Lambda canary lab "
                "runs it).",
            )
        )
    typed = ScenarioResult(
        kind="sam",
        status=RunStatus.RAN,
        builds=(_build_run(record, artifacts=_artifact_files(result.artifacts)),),
        before=before,
        after=after,
        changes=diff(before, after),
        api_calls=calls,
        notes=tuple(notes),
    )
    return ScenarioRun(typed, log=result.log, secret_values=secret_values(world))
