"""V2 pipeline rules: namespaces, #{...} and pipeline variables, pipelineType and mode, triggers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from simulator._pipeline_common import (
    VARIABLES,
    E,
    W,
    action_type,
    config_path,
    pipeline_rule,
    pipelines_of,
)
from simulator._pipeline_model import Action, Pipeline, literal
from simulator._rules import Context, did_you_mean, join_hint

_NAMESPACE = re.compile(r"^[A-Za-z0-9@\-_]{1,100}$")
_VAR_NAME = re.compile(r"^[A-Za-z0-9@\-_]{1,128}$")
_REF = re.compile(r"#\{([^}.]+)\.([^}]+)\}")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@dataclass(frozen=True)
class _VariableRef:
    """One `#{namespace.variable}` in an action's configuration, with the pipeline's namespaces."""

    pipe: Pipeline
    action: Action
    key: Any  # as written: YAML allows non-string keys
    namespace: str
    variable: str
    owners: dict[str, Action]


def _variable_refs(ctx: Context) -> Iterator[_VariableRef]:
    """Every variable reference in every action's configuration, in document order."""
    for pipe in pipelines_of(ctx):
        owners = {a.namespace: a for a in pipe.actions() if isinstance(a.namespace, str)}
        for action in pipe.actions():
            for key, value in action.configuration.items():
                for text in _strings(value):
                    for ns, var in _REF.findall(text):
                        yield _VariableRef(pipe, action, key, ns, var, owners)


@pipeline_rule("PL020", E, "namespace duplicated or equal to an artifact name", VARIABLES)
def namespaces(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        artifacts = {
            n for a in pipe.actions() for n, _ in (*a.inputs, *a.outputs) if isinstance(n, str)
        }
        seen: set[str] = set()
        for action in pipe.actions():
            ns = action.namespace
            if not isinstance(ns, str):
                continue
            path = (*action.path, pipe.key("namespace"))
            problem = None
            if not _NAMESPACE.match(ns):
                problem = f"namespace {ns!r} must be 1-100 characters of A-Z a-z 0-9 @ - _"
            elif ns in seen:
                problem = f"namespace {ns!r} is used by two actions"
            elif ns in artifacts:
                problem = f"namespace {ns!r} is also an artifact name"
            elif ns in ("codepipeline", "variables"):
                problem = f"namespace {ns!r} is reserved"
            if problem:
                ctx.report(
                    "PL020", path, problem, "namespaces must be unique and differ from artifacts"
                )
            seen.add(ns)


@pipeline_rule(
    "PL019", E, "#{namespace.variable} refers to an unknown or later namespace", VARIABLES
)
def variable_references(ctx: Context) -> None:
    for ref in _variable_refs(ctx):
        ns, var, action = ref.namespace, ref.variable, ref.action
        if ns in ("codepipeline", "variables"):
            continue
        producer = ref.owners.get(ns)
        if producer is None:
            message = f"#{{{ns}.{var}}}: no action has namespace {ns!r}"
            hint = join_hint(
                did_you_mean(ns, [str(n) for n in ref.owners]),
                "set `namespace` on the action that produces the variable",
            )
        elif not producer.order < action.order:
            message = (
                f"#{{{ns}.{var}}}: {producer.name!r} (namespace {ns}) does not"
                f" run before {action.name!r}"
            )
            hint = "a variable can be used only by actions that run later"
        else:
            continue
        ctx.report("PL019", config_path(ref.pipe, action, ref.key), message, hint)


@pipeline_rule(
    "PL037", W, "#{namespace.variable} names a variable the action does not emit", VARIABLES
)
def variable_names(ctx: Context) -> None:
    for ref in _variable_refs(ctx):
        ns, var = ref.namespace, ref.variable
        if ns == "codepipeline":
            known: tuple[str, ...] = ("PipelineExecutionId",)
        elif ns in ref.owners and (entry := action_type(ref.owners[ns])) is not None:
            declared = ref.owners[ns].output_variables
            if ref.owners[ns].provider == "Commands" and isinstance(declared, list):
                known = tuple(str(v) for v in declared)
            elif entry.open_variables:
                continue  # user-defined outputs (CodeBuild, CloudFormation...)
            else:
                known = entry.variables
        else:
            continue
        if var not in known:
            ctx.report(
                "PL037",
                config_path(ref.pipe, ref.action, ref.key),
                f"#{{{ns}.{var}}}: {var!r} is not a variable that action emits;"
                " the pipeline is accepted but this action fails when it runs",
                join_hint(did_you_mean(var, known), f"it emits: {', '.join(known)}"),
            )


@pipeline_rule("PL025", E, "pipeline variable invalid or undefined", VARIABLES)
def pipeline_variables(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        declared = pipe.get("variables")
        names: set[str] = set()
        items = declared if isinstance(declared, list) else []
        if len(items) > 50:
            ctx.report(
                "PL025", pipe.field_path("variables"), f"{len(items)} variables (at most 50)", ""
            )
        for i, item in enumerate(items):
            name = literal(item.get(pipe.key("name"))) if isinstance(item, dict) else None
            if isinstance(name, str):
                if not _VAR_NAME.match(name) or name in names:
                    ctx.report(
                        "PL025",
                        (*pipe.field_path("variables"), i),
                        f"pipeline variable {name!r} is duplicated or not 1-128 characters of"
                        " A-Z a-z 0-9 @ - _",
                        "rename it",
                    )
                names.add(name)
        for action in pipe.actions():
            for key, value in action.configuration.items():
                for text in _strings(value):
                    for ns, var in _REF.findall(text):
                        if ns == "variables" and var not in names:
                            ctx.report(
                                "PL025",
                                config_path(pipe, action, key),
                                f"#{{variables.{var}}}: the pipeline declares no variable {var!r}",
                                join_hint(did_you_mean(var, names), "declare it under `variables`"),
                            )


@pipeline_rule("PL023", E, "V2-only feature on a V1 pipeline", VARIABLES)
def v2_features(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        if pipe.get("pipelineType") != "V1":
            continue
        for field, label in (("variables", "pipeline variables"), ("triggers", "triggers")):
            if pipe.get(field):
                ctx.report(
                    "PL023",
                    pipe.field_path(field),
                    f"{label} need pipelineType V2; this pipeline is V1",
                    "set pipelineType: V2",
                    key=True,
                )
        for action in pipe.actions():
            kind = action_type(action)
            if kind is not None and "V1" not in kind.pipeline_types:
                ctx.report(
                    "PL023",
                    (*action.path, pipe.key("actionTypeId"), pipe.key("provider")),
                    f"{kind.category}/{kind.provider} actions work only in V2 pipelines",
                    "set pipelineType: V2",
                )
        if pipe.get("executionMode") in ("QUEUED", "PARALLEL"):
            ctx.report(
                "PL023",
                pipe.field_path("executionMode"),
                f"executionMode {pipe.get('executionMode')} needs pipelineType V2",
                "set pipelineType: V2, or use SUPERSEDED",
            )


@pipeline_rule("PL032", E, "invalid pipelineType or executionMode")
def type_and_mode(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        for field, valid in (
            ("pipelineType", ("V1", "V2")),
            ("executionMode", ("QUEUED", "SUPERSEDED", "PARALLEL")),
        ):
            value = pipe.get(field)
            if isinstance(value, str) and value not in valid:
                ctx.report(
                    "PL032",
                    pipe.field_path(field),
                    f"{field} {value!r} is not valid",
                    join_hint(did_you_mean(value, valid), f"valid: {', '.join(valid)}"),
                )


@pipeline_rule("PL024", E, "invalid trigger", VARIABLES)
def triggers(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        items = pipe.get("triggers")
        if not isinstance(items, list):
            continue
        connections = {
            a.name
            for a in pipe.actions()
            if a.category == "Source" and a.provider == "CodeStarSourceConnection"
        }
        used: set[str] = set()
        for i, trig in enumerate(items):
            if not isinstance(trig, dict):
                continue
            path = (*pipe.field_path("triggers"), i)
            provider = literal(trig.get(pipe.key("providerType")))
            git = trig.get(pipe.key("gitConfiguration"))
            if provider is not None and provider != "CodeStarSourceConnection":
                ctx.report(
                    "PL024",
                    path,
                    f"trigger providerType {provider!r} is not CodeStarSourceConnection",
                    "triggers work only with connections",
                )
            if not isinstance(git, dict):
                ctx.report("PL024", path, "the trigger has no gitConfiguration", "add one")
                continue
            source = literal(git.get(pipe.key("sourceActionName")))
            if source is None:
                ctx.report(
                    "PL024",
                    path,
                    "gitConfiguration needs sourceActionName",
                    "name the source action",
                )
            elif isinstance(source, str) and source not in connections:
                ctx.report(
                    "PL024",
                    (*path, pipe.key("gitConfiguration"), pipe.key("sourceActionName")),
                    f"{source!r} is not a CodeStarSourceConnection source action of this pipeline",
                    did_you_mean(source, [str(c) for c in connections]) or "name the source action",
                )
            elif source in used:
                ctx.report(
                    "PL024",
                    path,
                    f"two triggers for source action {source!r}",
                    "one trigger configuration per source action",
                )
            if isinstance(source, str):
                used.add(source)
            for kind in ("push", "pullRequest"):
                filters = git.get(pipe.key(kind))
                if isinstance(filters, list) and not 1 <= len(filters) <= 3:
                    ctx.report(
                        "PL024",
                        (*path, pipe.key("gitConfiguration"), pipe.key(kind)),
                        f"{kind} takes 1-3 filters, not {len(filters)}",
                        "",
                    )
