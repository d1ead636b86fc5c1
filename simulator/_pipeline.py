"""Pipeline rules (PL0xx): get-pipeline JSON and CloudFormation pipelines (fact sheet section 6)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from simulator._findings import Path, Severity
from simulator._pipeline_model import (
    Action,
    ActionType,
    Pipeline,
    Stage,
    catalogue,
    find_pipelines,
    is_intrinsic,
    literal,
)
from simulator._rules import Context, RuleDecorator, did_you_mean, join_hint, rule
from simulator._shapes import type_name

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
STRUCTURE = "codepipeline/pipeline-structure"
APPROVALS = "codepipeline/approvals-and-notifications"
VARIABLES = "codepipeline/pipeline-variables-and-triggers"
CROSS = "codepipeline/cross-region-cross-account"

_NAME = re.compile(r"^[A-Za-z0-9.@\-_]{1,100}$")
_ARTIFACT = re.compile(r"^[a-zA-Z0-9_\-]{1,100}$")
_NAMESPACE = re.compile(r"^[A-Za-z0-9@\-_]{1,100}$")
_ROLE_ARN = re.compile(r"^arn:aws(-[\w]+)*:iam::[0-9]{12}:role/.+$")
_VAR_NAME = re.compile(r"^[A-Za-z0-9@\-_]{1,128}$")
_PLACEHOLDER = re.compile(r"<[A-Za-z][^<>]*>")
_REF = re.compile(r"#\{([^}.]+)\.([^}]+)\}")

CATEGORIES = ("Source", "Build", "Deploy", "Test", "Invoke", "Approval", "Compute")
OWNERS = ("AWS", "ThirdParty", "Custom")
ACTIONS = catalogue()
# Providers that exist elsewhere (Bitbucket, GitHub, GitLab) and are reached through a connection.
_VIA_CONNECTION = ("bitbucket", "github", "githubenterpriseserver", "gitlab")


def _rule(code: str, severity: Severity, summary: str, doc: str = STRUCTURE) -> RuleDecorator:
    return rule(code, severity, summary, doc=doc, kind="pipeline")


def _pipelines(ctx: Context) -> list[Pipeline]:
    if "pipelines" not in ctx.cache:
        ctx.cache["pipelines"] = find_pipelines(ctx.data)
    found: list[Pipeline] = ctx.cache["pipelines"]
    return found


def _k(pipe: Pipeline, name: str) -> str:
    return pipe.key(name)


def _actions(ctx: Context) -> Iterator[tuple[Pipeline, Action]]:
    for pipe in _pipelines(ctx):
        for action in pipe.actions():
            yield pipe, action


def _type_of(action: Action) -> tuple[str, str, str] | None:
    if all(isinstance(v, str) for v in (action.owner, action.category, action.provider)):
        return action.owner, action.category, action.provider
    return None


def _config(pipe: Pipeline, action: Action, key: str) -> Any:
    return action.configuration.get(key)


def _config_path(pipe: Pipeline, action: Action, key: str | None = None) -> tuple[Any, ...]:
    base = (*action.path, _k(pipe, "configuration"))
    return (*base, key) if key else base


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@_rule("PL034", E, "no pipeline found")
def no_pipeline(ctx: Context) -> None:
    if not _pipelines(ctx):
        ctx.report(
            "PL034",
            (),
            "no pipeline declaration found (no `pipeline`/`stages` key and no"
            " AWS::CodePipeline::Pipeline resource)",
            "check the file, or use --kind template for other CloudFormation templates",
        )


@_rule("PL001", E, "invalid pipeline name")
def pipeline_name(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        name = pipe.get("name")
        if name is None:
            if not pipe.cfn:  # CloudFormation generates a name when none is given
                ctx.report("PL001", pipe.path, "the pipeline has no `name`", "add a name")
        elif isinstance(name, str) and not _NAME.match(name) and not _PLACEHOLDER.search(name):
            ctx.report(
                "PL001",
                pipe.field_path("name"),
                f"pipeline name {name!r} must be 1-100 characters of A-Z a-z 0-9 . @ - _",
                "remove spaces and other characters",
            )


@_rule("PL002", E, "pipeline role ARN missing or malformed", CROSS)
def pipeline_role(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        role = pipe.get("roleArn")
        if role is None:
            ctx.report(
                "PL002",
                pipe.path,
                "the pipeline has no roleArn (the service role CodePipeline assumes)",
                "add roleArn: arn:aws:iam::<account>:role/<name>",
            )
        elif isinstance(role, str) and not _ROLE_ARN.match(role) and not _PLACEHOLDER.search(role):
            ctx.report(
                "PL002",
                pipe.field_path("roleArn"),
                f"{role!r} is not an IAM role ARN",
                "format: arn:aws:iam::123456789012:role/MyPipelineRole",
            )


@_rule("PL003", E, "artifactStore and artifactStores: exactly one is required", CROSS)
def artifact_store(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        one, many = pipe.get("artifactStore"), pipe.get("artifactStores")
        if (one is None) == (many is None):
            ctx.report(
                "PL003",
                pipe.field_path("artifactStores") if many is not None else pipe.path,
                "give either artifactStore (one bucket) or artifactStores (one per region),"
                + (" not both" if one is not None else " — neither is set"),
                "use artifactStores only for cross-region pipelines",
            )


@_rule("PL004", E, "a pipeline needs 2 to 50 stages")
def stage_count(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        stages = pipe.get("stages")
        if is_intrinsic(stages):
            continue
        if len(pipe.stages) < 2 or len(pipe.stages) > 50:
            ctx.report(
                "PL004",
                pipe.field_path("stages") if stages is not None else pipe.path,
                f"the pipeline has {len(pipe.stages)} stage(s); it needs at least 2 (a source"
                " stage and one more) and at most 50",
                "add a build or deploy stage after the source stage",
                key=True,
            )


def _check_names(
    ctx: Context,
    pipe: Pipeline,
    items: Sequence[Stage] | Sequence[Action],
    code: str,
    what: str,
    where: str,
    fix: str,
) -> None:
    """One rule body for stage names (PL005) and action names (PL006): present, valid, unique."""
    seen: set[str] = set()
    for item in items:
        path = (*item.path, _k(pipe, "name"))
        if item.name is None and not is_intrinsic(item.raw.get(_k(pipe, "name"))):
            ctx.report(code, item.path, f"this {what} has no name", "add a name")
        elif isinstance(item.name, str):
            if not _NAME.match(item.name):
                ctx.report(
                    code,
                    path,
                    f"{what} name {item.name!r} must be 1-100 characters of A-Z a-z 0-9 . @ - _",
                    fix,
                )
            elif item.name in seen:
                scope = "stage" if what == "action" else "pipeline"
                ctx.report(
                    code,
                    path,
                    f"two {what}s{where} are named {item.name!r}",
                    f"{what} names must be unique in a {scope}",
                )
            seen.add(item.name)


@_rule("PL005", E, "stage name invalid or duplicated")
def stage_names(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        _check_names(ctx, pipe, pipe.stages, "PL005", "stage", "", "rename the stage")


@_rule("PL006", E, "action name invalid or duplicated in its stage")
def action_names(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        for stage in pipe.stages:
            where = f" in stage {stage.name!r}"
            _check_names(ctx, pipe, stage.actions, "PL006", "action", where, "rename it")


@_rule("PL035", E, "a stage needs 1 to 50 actions")
def action_count(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        for stage in pipe.stages:
            raw = stage.raw.get(_k(pipe, "actions"))
            if is_intrinsic(raw):
                continue
            if not stage.actions or len(stage.actions) > 50:
                ctx.report(
                    "PL035",
                    stage.path,
                    f"stage {stage.name!r} has {len(stage.actions)} actions (1-50 allowed)",
                    "every stage needs at least one action",
                )


def _category_path(pipe: Pipeline, action: Action) -> tuple[Any, ...]:
    return (*action.path, _k(pipe, "actionTypeId"), _k(pipe, "category"))


@_rule("PL007", E, "the first stage must contain only source actions (cfn-lint E3700)")
def first_stage_sources(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        if not pipe.stages:
            continue
        first = pipe.stages[0]
        for action in first.actions:
            if isinstance(action.category, str) and action.category != "Source":
                ctx.report(
                    "PL007",
                    _category_path(pipe, action),
                    f"the first stage ({first.name}) may hold only Source actions; action"
                    f" {action.name!r} is {action.category}",
                    "move this action to a later stage",
                )
        known = [a for a in first.actions if a.type_known]
        if first.actions and known and not any(a.category == "Source" for a in first.actions):
            ctx.report(
                "PL007",
                first.path,
                "the first stage has no Source action",
                "start the pipeline with a source stage (CodeCommit, S3, ECR or a connection)",
            )


@_rule("PL008", E, "a source action outside the first stage (cfn-lint E3700)")
def source_outside_first(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        for stage in pipe.stages[1:]:
            for action in stage.actions:
                if action.category == "Source":
                    ctx.report(
                        "PL008",
                        _category_path(pipe, action),
                        f"source action {action.name!r} is in stage {stage.name!r}: only the first"
                        " stage may contain source actions",
                        "move it to the first stage",
                    )


@_rule("PL009", E, "invalid action category or owner")
def category_owner(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        type_path = (*action.path, _k(pipe, "actionTypeId"))
        if isinstance(action.category, str) and action.category not in CATEGORIES:
            ctx.report(
                "PL009",
                (*type_path, _k(pipe, "category")),
                f"category {action.category!r} is not valid",
                join_hint(
                    did_you_mean(action.category, CATEGORIES),
                    f"categories: {', '.join(CATEGORIES)}",
                ),
            )
        if isinstance(action.owner, str) and action.owner not in OWNERS:
            ctx.report(
                "PL009",
                (*type_path, _k(pipe, "owner")),
                f"owner {action.owner!r} is not valid",
                join_hint(did_you_mean(action.owner, OWNERS), "owners: AWS, ThirdParty, Custom"),
            )


@_rule("PL010", E, "unknown provider for the owner and category")
def provider_known(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        owner, category, provider = action.owner, action.category, action.provider
        if owner not in ("AWS", "ThirdParty") or category not in CATEGORIES:
            continue  # Custom actions are the account's own; bad owners/categories are PL009
        if not isinstance(provider, str) or ACTIONS.find(owner, category, provider):
            continue
        valid = ACTIONS.providers(str(owner), str(category))
        elsewhere = ACTIONS.categories_of(str(owner), provider)
        other_owner = [o for o in OWNERS if ACTIONS.find(o, category, provider)]
        if provider.lower() in _VIA_CONNECTION:
            hint = (
                f"{provider} repositories are reached through a connection: owner AWS,"
                " provider CodeStarSourceConnection (ConnectionArn, FullRepositoryId, BranchName)"
            )
        elif elsewhere:
            hint = f"{provider} is a {' / '.join(elsewhere)} provider, not {category}"
        elif other_owner:
            hint = f"{provider} {category} actions have owner {other_owner[0]}"
        else:
            hint = join_hint(
                did_you_mean(provider, valid),
                f"{owner} {category} providers: {', '.join(valid) or 'none'}",
            )
        ctx.report(
            "PL010",
            (*action.path, _k(pipe, "actionTypeId"), _k(pipe, "provider")),
            f"{provider!r} is not an action provider for owner {owner}, category {category}",
            hint,
        )


@_rule("PL045", E, "action type version that does not exist")
def action_version(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        kind = _type(action)
        type_id = action.raw.get(_k(pipe, "actionTypeId"))
        if kind is None or not isinstance(type_id, dict):
            continue
        version = literal(type_id.get(_k(pipe, "version")))
        if version is None or isinstance(version, dict | list):
            continue
        # YAML reads `Version: 1` as a number; CloudFormation sends it as the text "1".
        text = (
            str(int(version))
            if isinstance(version, float) and version.is_integer()
            else str(version)
        )
        if text != kind.version:
            ctx.report(
                "PL045",
                (*action.path, _k(pipe, "actionTypeId"), _k(pipe, "version")),
                f"{kind.category}/{kind.provider} has no version {text!r}: the action type"
                " would not be found",
                f"use version {kind.version!r}",
            )


@_rule("PL046", W, "deprecated action type")
def deprecated_type(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        kind = _type(action)
        if kind is not None and kind.deprecated:
            ctx.report(
                "PL046",
                (*action.path, _k(pipe, "actionTypeId"), _k(pipe, "provider")),
                f"{kind.owner} {kind.provider} (version {kind.version}) still works but is"
                " deprecated",
                kind.deprecated,
            )


def _type(action: Action) -> ActionType | None:
    return ACTIONS.find(action.owner, action.category, action.provider)


def _misspelt(action: Action, kind: ActionType) -> dict[str, str]:
    """Unknown key -> the known key it is a misspelling of (`Branch` -> `BranchName`)."""
    found: dict[str, str] = {}
    known = list(kind.configuration)
    for key in action.configuration:
        if isinstance(key, str) and key not in kind.configuration:
            hint = did_you_mean(key, known)
            if not hint:
                close = [k for k in known if k.lower().startswith(key.lower()) and len(key) >= 4]
                hint = f"did you mean '{close[0]}'?" if len(close) == 1 else ""
            if hint:
                found[key] = hint.split("'")[1]
    return found


@_rule("PL011", E, "required configuration key missing")
def required_configuration(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        kind = _type(action)
        if kind is None or not action.configuration_known:
            continue
        explained = set(_misspelt(action, kind).values())  # PL038 names the misspelling
        needed = list(kind.required)
        for when, require in kind.rules:
            if all(str(literal(action.configuration.get(k))).lower() == v for k, v in when.items()):
                needed += [k for k in require if k not in needed]
        missing = [k for k in needed if k not in action.configuration and k not in explained]
        if missing:
            ctx.report(
                "PL011",
                _config_path(pipe, action) if action.configuration else action.path,
                f"{action.provider} action {action.name!r} is missing configuration"
                f" {', '.join(missing)}",
                f"required for {action.provider}: " + ", ".join(needed),
                key=bool(action.configuration),
            )


@_rule("PL038", E, "unknown configuration key for the action type")
def unknown_configuration(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        kind = _type(action)
        if kind is None or kind.open_configuration or not action.configuration_known:
            continue
        misspelt = _misspelt(action, kind)
        for key in action.configuration:
            if key in kind.configuration:
                continue
            # AWS rejects the pipeline naming the key it does not know (not the one missing).
            ctx.report(
                "PL038",
                _config_path(pipe, action, key),
                f"action {action.name!r} ({kind.provider}) has unknown configuration {key!r}",
                join_hint(
                    f"did you mean '{misspelt[key]}'?" if key in misspelt else "",
                    f"{kind.provider} takes: {', '.join(kind.configuration)}",
                ),
                key=True,
            )


@_rule("PL039", E, "configuration value that is not a string (a mapping or a list)")
def configuration_strings(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        for key, value in action.configuration.items():
            if isinstance(value, dict | list) and not is_intrinsic(value):
                ctx.report(
                    "PL039",
                    _config_path(pipe, action, key),
                    f"configuration {key} of {action.name!r} is {type_name(value)}: every"
                    " configuration value is a string",
                    "write it as one string, e.g. JSON text in quotes"
                    + (" or !Sub / Fn::ToJsonString in a template" if pipe.cfn else ""),
                    key=True,
                )


@_rule("PL044", E, "configuration value not one the action type allows")
def configuration_values(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        kind = _type(action)
        if kind is None:
            continue
        for key, allowed in kind.values.items():
            value = literal(action.configuration.get(key))
            if value is None or isinstance(value, dict | list):
                continue
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if "#{" in text or text in allowed or text.lower() in allowed:
                continue
            ctx.report(
                "PL044",
                _config_path(pipe, action, key),
                f"{key} {value!r} is not valid for {kind.provider}",
                join_hint(did_you_mean(text, allowed), f"valid: {', '.join(allowed)}"),
            )


@_rule("PL040", E, "Commands action without valid commands, or commands on another action")
def commands_action(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        path = (*action.path, _k(pipe, "commands"))
        if action.provider == "Commands" and action.category == "Compute":
            cmds = action.commands
            if is_intrinsic(action.raw.get(_k(pipe, "commands"))):
                continue
            if not isinstance(cmds, list) or not 1 <= len(cmds) <= 50:
                count = len(cmds) if isinstance(cmds, list) else 0
                ctx.report(
                    "PL040",
                    path if cmds is not None else action.path,
                    f"the Commands action {action.name!r} needs `commands`: a list of 1-50 shell"
                    f" commands (it has {count})",
                    'add commands: ["npm ci", "npm test"]',
                )
                continue
            for i, cmd in enumerate(cmds):
                if not isinstance(cmd, str) or not 1 <= len(cmd) <= 1000 or "\n" in cmd.strip():
                    ctx.report(
                        "PL040",
                        (*path, i),
                        f"command {i + 1} must be one line of 1-1000 characters",
                        "multi-line commands are not supported: split them into several items",
                    )
        elif action.commands is not None or action.output_variables is not None:
            field = "commands" if action.commands is not None else "outputVariables"
            ctx.report(
                "PL040",
                (*action.path, _k(pipe, field)),
                f"`{field}` belongs to the Commands action (category Compute); action"
                f" {action.name!r} is {action.provider}",
                "move the commands into a buildspec, or use provider Commands",
                key=True,
            )


@_rule("PL012", E, "runOrder outside 1-999")
def run_order(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        value = action.run_order
        if value is None:
            continue
        number = int(value) if isinstance(value, str) and value.isdigit() else value
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 999:
            ctx.report(
                "PL012",
                (*action.path, _k(pipe, "runOrder")),
                f"runOrder {value!r} must be a whole number from 1 to 999",
                "actions with the same runOrder run in parallel; higher numbers run later",
            )


@_rule("PL013", INFO, "runOrder values with gaps (allowed)")
def run_order_gaps(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        for stage in pipe.stages:
            orders = sorted({a.run_order for a in stage.actions if isinstance(a.run_order, int)})
            if orders and (orders[0] != 1 or orders[-1] - orders[0] + 1 != len(orders)):
                ctx.report(
                    "PL013",
                    stage.path,
                    f"stage {stage.name!r} uses runOrder {orders}: gaps are allowed and only the"
                    " order matters",
                    "",
                )


@_rule("PL014", E, "wrong number of input/output artifacts for the provider (cfn-lint E3702)")
def artifact_counts(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        kind = _type_of(action)
        if kind is None:
            continue
        entry = ACTIONS.find(*kind)
        if entry is not None:
            limits = (*entry.inputs, *entry.outputs)
        elif kind[0] == "Custom":
            limits = (0, 5, 0, 5)
        else:
            continue
        lo_in, hi_in, lo_out, hi_out = limits
        for label, items, lo, hi, key in (
            ("input", action.inputs, lo_in, hi_in, "inputArtifacts"),
            ("output", action.outputs, lo_out, hi_out, "outputArtifacts"),
        ):
            raw = action.raw.get(_k(pipe, key))
            if is_intrinsic(raw):
                continue
            count = len(items)
            if not lo <= count <= hi:
                allowed = f"{lo}" if lo == hi else f"{lo}-{hi}"
                extra = " (approval actions take no artifacts)" if kind[1] == "Approval" else ""
                ctx.report(
                    "PL014",
                    (*action.path, _k(pipe, key)) if raw is not None else action.path,
                    f"{kind[2]} ({kind[1]}) action {action.name!r} has {count} {label}"
                    f" artifact(s); it takes {allowed}{extra}",
                    f"fix {_k(pipe, key)}",
                    key=raw is not None,
                )


def _outputs(pipe: Pipeline) -> dict[str, list[Action]]:
    produced: dict[str, list[Action]] = {}
    for action in pipe.actions():
        for name, _path in action.outputs:
            if isinstance(name, str):
                produced.setdefault(name, []).append(action)
    return produced


@_rule("PL015", E, "input artifact not produced by an earlier action (cfn-lint E3701)")
def inputs_produced_earlier(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        produced = _outputs(pipe)
        for action in pipe.actions():
            for name, path in action.inputs:
                if not isinstance(name, str):
                    continue
                producers = produced.get(name, [])
                if any(p.order < action.order for p in producers):
                    continue
                if producers:
                    message = (
                        f"input {name!r} of {action.name!r} is produced by"
                        f" {producers[0].name!r}, which does not run earlier"
                    )
                    hint = "an input must come from an earlier stage or a lower runOrder"
                else:
                    message = f"input {name!r} of {action.name!r} is not produced by any action"
                    hint = join_hint(did_you_mean(name, produced), "use an output artifact name")
                ctx.report("PL015", path, message, hint)


@_rule("PL016", E, "duplicate output artifact name (cfn-lint E3701)")
def unique_outputs(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        seen: set[str] = set()
        for action in pipe.actions():
            for name, path in action.outputs:
                if isinstance(name, str):
                    if name in seen:
                        ctx.report(
                            "PL016",
                            path,
                            f"output artifact {name!r} is produced twice; output names must be"
                            " unique in the pipeline",
                            "rename one of them",
                        )
                    seen.add(name)


@_rule("PL022", E, "invalid artifact name")
def artifact_names(ctx: Context) -> None:
    for _pipe, action in _actions(ctx):
        for name, path in (*action.inputs, *action.outputs):
            if isinstance(name, str) and not _ARTIFACT.match(name):
                ctx.report(
                    "PL022",
                    path,
                    f"artifact name {name!r} must be 1-100 characters of A-Z a-z 0-9 _ -",
                    "remove spaces, dots and other characters",
                )


@_rule("PL018", E, "cross-region action without a matching artifact store", CROSS)
def cross_region(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        stores = pipe.get("artifactStores")
        regions: set[str] | None = None
        if isinstance(stores, dict):
            regions = {str(r) for r in stores}
        elif isinstance(stores, list):
            regions = {str(literal(s.get("Region"))) for s in stores if isinstance(s, dict)}
        for action in pipe.actions():
            if not isinstance(action.region, str):
                continue
            path = (*action.path, _k(pipe, "region"))
            if action.category == "Source" or action.owner in ("ThirdParty", "Custom"):
                ctx.report(
                    "PL018",
                    path,
                    f"{action.name!r} cannot run in another region: source, ThirdParty and"
                    " Custom actions are not cross-region",
                    "remove `region` from this action",
                )
            elif regions is None:
                ctx.report(
                    "PL018",
                    path,
                    f"action {action.name!r} runs in {action.region}, but the pipeline has a single"
                    " artifactStore",
                    "use artifactStores with one bucket per region (the pipeline's and this one)",
                )
            elif action.region not in regions and "None" not in regions:
                ctx.report(
                    "PL018",
                    path,
                    f"no artifact store for region {action.region}"
                    f" (stores: {', '.join(sorted(regions))})",
                    f"add an artifactStores entry for {action.region}",
                )


@_rule("PL020", E, "namespace duplicated or equal to an artifact name", VARIABLES)
def namespaces(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        artifacts = {
            n for a in pipe.actions() for n, _ in (*a.inputs, *a.outputs) if isinstance(n, str)
        }
        seen: set[str] = set()
        for action in pipe.actions():
            ns = action.namespace
            if not isinstance(ns, str):
                continue
            path = (*action.path, _k(pipe, "namespace"))
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


@_rule("PL019", E, "#{namespace.variable} refers to an unknown or later namespace", VARIABLES)
def variable_references(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        owners = {a.namespace: a for a in pipe.actions() if isinstance(a.namespace, str)}
        for action in pipe.actions():
            for key, value in action.configuration.items():
                for text in _strings(value):
                    for ns, var in _REF.findall(text):
                        if ns in ("codepipeline", "variables"):
                            continue
                        producer = owners.get(ns)
                        if producer is None:
                            message = f"#{{{ns}.{var}}}: no action has namespace {ns!r}"
                            hint = join_hint(
                                did_you_mean(ns, [str(n) for n in owners]),
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
                        ctx.report("PL019", _config_path(pipe, action, key), message, hint)


@_rule("PL037", W, "#{namespace.variable} names a variable the action does not emit", VARIABLES)
def variable_names(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        owners = {a.namespace: a for a in pipe.actions() if isinstance(a.namespace, str)}
        for action in pipe.actions():
            for key, value in action.configuration.items():
                for text in _strings(value):
                    for ns, var in _REF.findall(text):
                        if ns == "codepipeline":
                            known: tuple[str, ...] = ("PipelineExecutionId",)
                        elif ns in owners and (entry := _type(owners[ns])) is not None:
                            producer = owners[ns]
                            declared = producer.output_variables
                            if producer.provider == "Commands" and isinstance(declared, list):
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
                                _config_path(pipe, action, key),
                                f"#{{{ns}.{var}}}: {var!r} is not a variable that action emits;"
                                " the pipeline is accepted but this action fails when it runs",
                                join_hint(
                                    did_you_mean(var, known), f"it emits: {', '.join(known)}"
                                ),
                            )


@_rule("PL025", E, "pipeline variable invalid or undefined", VARIABLES)
def pipeline_variables(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        declared = pipe.get("variables")
        names: set[str] = set()
        items = declared if isinstance(declared, list) else []
        if len(items) > 50:
            ctx.report(
                "PL025", pipe.field_path("variables"), f"{len(items)} variables (at most 50)", ""
            )
        for i, item in enumerate(items):
            name = literal(item.get(_k(pipe, "name"))) if isinstance(item, dict) else None
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
                                _config_path(pipe, action, key),
                                f"#{{variables.{var}}}: the pipeline declares no variable {var!r}",
                                join_hint(did_you_mean(var, names), "declare it under `variables`"),
                            )


@_rule("PL023", E, "V2-only feature on a V1 pipeline", VARIABLES)
def v2_features(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
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
            kind = _type(action)
            if kind is not None and "V1" not in kind.pipeline_types:
                ctx.report(
                    "PL023",
                    (*action.path, _k(pipe, "actionTypeId"), _k(pipe, "provider")),
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


@_rule("PL032", E, "invalid pipelineType or executionMode")
def type_and_mode(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
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


@_rule("PL024", E, "invalid trigger", VARIABLES)
def triggers(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
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
            provider = literal(trig.get(_k(pipe, "providerType")))
            git = trig.get(_k(pipe, "gitConfiguration"))
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
            source = literal(git.get(_k(pipe, "sourceActionName")))
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
                    (*path, _k(pipe, "gitConfiguration"), _k(pipe, "sourceActionName")),
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
                filters = git.get(_k(pipe, kind))
                if isinstance(filters, list) and not 1 <= len(filters) <= 3:
                    ctx.report(
                        "PL024",
                        (*path, _k(pipe, "gitConfiguration"), _k(pipe, kind)),
                        f"{kind} takes 1-3 filters, not {len(filters)}",
                        "",
                    )


@_rule("PL026", E, "configuration key or value too long")
def configuration_lengths(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        for key, value in action.configuration.items():
            if len(str(key)) > 50:
                ctx.report(
                    "PL026",
                    _config_path(pipe, action, key),
                    f"configuration key {key!r} is longer than 50 characters",
                    "shorten it",
                    key=True,
                )
            if isinstance(value, str) and not 1 <= len(value) <= 1000:
                ctx.report(
                    "PL026",
                    _config_path(pipe, action, key),
                    f"configuration value of {key} has {len(value)} characters (1-1000 allowed)",
                    "move long content into a file in an artifact",
                )


@_rule("PL027", E, "timeoutInMinutes outside manual approval or out of range", APPROVALS)
def timeout_minutes(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        if action.timeout is None:
            continue
        path = (*action.path, _k(pipe, "timeoutInMinutes"))
        if action.provider != "Manual" and action.type_known and action.provider is not None:
            ctx.report(
                "PL027",
                path,
                "timeoutInMinutes can be set only on manual approval actions",
                "remove it",
            )
        elif not isinstance(action.timeout, int) or not 5 <= action.timeout <= 86400:
            ctx.report(
                "PL027",
                path,
                f"timeoutInMinutes {action.timeout!r} must be 5-86400",
                "the default is 7 days (10080)",
            )


@_rule("PL028", E, "CodeBuild PrimarySource missing or not an input")
def primary_source(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        if action.provider != "CodeBuild" or not action.configuration_known:
            continue
        names = [n for n, _ in action.inputs]
        primary = literal(action.configuration.get("PrimarySource"))
        if len(names) > 1 and "PrimarySource" not in action.configuration:
            ctx.report(
                "PL028",
                _config_path(pipe, action) if action.configuration else action.path,
                f"CodeBuild action {action.name!r} has {len(names)} inputs but no PrimarySource",
                f"set PrimarySource to one of: {', '.join(map(str, names))}",
                key=True,
            )
        elif (
            isinstance(primary, str)
            and all(isinstance(n, str) for n in names)
            and primary not in names
        ):
            ctx.report(
                "PL028",
                _config_path(pipe, action, "PrimarySource"),
                f"PrimarySource {primary!r} is not an input artifact of this action",
                did_you_mean(primary, [str(n) for n in names]) or "use an input artifact name",
            )


@_rule("PL029", E, "action mode invalid or the keys of that mode missing")
def action_modes(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        kind = _type(action)
        if kind is None or kind.mode_key is None or not action.configuration_known:
            continue
        mode = literal(action.configuration.get(kind.mode_key))
        if not isinstance(mode, str) or "#{" in mode:
            continue
        modes = tuple(kind.modes)
        if mode not in kind.modes:
            ctx.report(
                "PL029",
                _config_path(pipe, action, kind.mode_key),
                f"{kind.mode_key} {mode!r} is not valid",
                join_hint(did_you_mean(mode, modes), f"modes: {', '.join(modes)}"),
            )
            continue
        missing = [k for k in kind.modes[mode] if k not in action.configuration]
        if missing:
            ctx.report(
                "PL029",
                _config_path(pipe, action, kind.mode_key),
                f"{kind.mode_key} {mode} needs {', '.join(missing)}",
                f"{mode} needs: {', '.join(kind.modes[mode])}",
            )


@_rule("PL021", E, "TemplatePath must start with an input artifact name and '::' (cfn-lint E3703)")
def template_path(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        if action.provider not in ("CloudFormation", "CloudFormationStackSet"):
            continue
        names = [n for n, _ in action.inputs]
        for key in ("TemplatePath", "TemplateConfiguration"):
            value = literal(action.configuration.get(key))
            if not isinstance(value, str) or "#{" in value:
                continue
            artifact = value.split("::", 1)[0] if "::" in value else None
            if artifact is None or (
                all(isinstance(n, str) for n in names) and artifact not in names
            ):
                ctx.report(
                    "PL021",
                    _config_path(pipe, action, key),
                    f"{key} {value!r} must be <input artifact>::<path>"
                    + (f"; {artifact!r} is not an input of this action" if artifact else ""),
                    f"inputs of this action: {', '.join(map(str, names)) or 'none'}",
                )


@_rule("PL033", E, "a role ARN that is not an IAM role ARN (cfn-lint E3703)", CROSS)
def action_role_arns(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        checks = [((*action.path, _k(pipe, "roleArn")), action.role_arn)]
        if action.provider in ("CloudFormation", "CloudFormationStackSet"):
            checks.append(
                (
                    _config_path(pipe, action, "RoleArn"),
                    literal(action.configuration.get("RoleArn")),
                )
            )
        for path, value in checks:
            if (
                isinstance(value, str)
                and not _ROLE_ARN.match(value)
                and "#{" not in value
                and not _PLACEHOLDER.search(value)
            ):
                ctx.report(
                    "PL033",
                    path,
                    f"{value!r} is not an IAM role ARN",
                    "format: arn:aws:iam::123456789012:role/RoleName",
                )


@_rule("PL030", E, "CodeDeployToECS template artifact is not an input")
def ecs_bluegreen_artifacts(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        if action.provider != "CodeDeployToECS":
            continue
        names = [n for n, _ in action.inputs]
        if not all(isinstance(n, str) for n in names):
            continue
        for key in ("TaskDefinitionTemplateArtifact", "AppSpecTemplateArtifact"):
            value = literal(action.configuration.get(key))
            if isinstance(value, str) and value not in names:
                ctx.report(
                    "PL030",
                    _config_path(pipe, action, key),
                    f"{key} {value!r} is not an input artifact of {action.name!r}",
                    did_you_mean(value, names) or f"inputs: {', '.join(names) or 'none'}",
                )


@_rule("PL031", E, "S3 deploy with Extract false needs ObjectKey")
def s3_deploy_object_key(ctx: Context) -> None:
    for pipe, action in _actions(ctx):
        if action.category == "Deploy" and action.provider == "S3":
            extract = literal(action.configuration.get("Extract"))
            if str(extract).lower() == "false" and "ObjectKey" not in action.configuration:
                ctx.report(
                    "PL031",
                    _config_path(pipe, action, "Extract"),
                    "with Extract false the artifact is uploaded as one file and needs ObjectKey",
                    "add ObjectKey (e.g. site.zip), or set Extract: true",
                )


@_rule("PL036", W, "placeholder value (a template to fill in)")
def placeholders(ctx: Context) -> None:
    def visit(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                visit(v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                visit(v, (*path, i))
        elif isinstance(value, str) and _PLACEHOLDER.search(value):
            ctx.report(
                "PL036",
                path,
                f"{value!r} contains a placeholder: replace it before creating the pipeline",
                "fill in the real value",
            )

    for pipe in _pipelines(ctx):
        visit(pipe.raw, pipe.path)


_PUSH_KEYS = ("tags", "branches", "filePaths")
_PR_EVENTS = ("OPEN", "UPDATED", "CLOSED")


def _patterns(ctx: Context, pipe: Pipeline, value: Any, path: tuple[Any, ...]) -> None:
    """includes/excludes lists of a trigger filter: 1-8 glob patterns each."""
    if not isinstance(value, dict):
        ctx.report("PL041", path, "a filter needs includes and/or excludes", "", key=True)
        return
    for key in value:
        if key not in (_k(pipe, "includes"), _k(pipe, "excludes")):
            ctx.report(
                "PL041",
                (*path, key),
                f"{key!r} is not a filter field",
                join_hint(did_you_mean(key, ("includes", "excludes")), "use includes/excludes"),
                key=True,
            )
        elif not isinstance(value[key], list) or not 1 <= len(value[key]) <= 8:
            ctx.report("PL041", (*path, key), f"{key} takes a list of 1-8 glob patterns", "")


@_rule("PL041", E, "invalid trigger filter (push or pull request)", VARIABLES)
def trigger_filters(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        items = pipe.get("triggers")
        for i, trig in enumerate(items if isinstance(items, list) else []):
            git = trig.get(_k(pipe, "gitConfiguration")) if isinstance(trig, dict) else None
            if not isinstance(git, dict):
                continue
            base = (*pipe.field_path("triggers"), i, _k(pipe, "gitConfiguration"))
            for kind in ("push", "pullRequest"):
                filters = git.get(_k(pipe, kind))
                for j, flt in enumerate(filters if isinstance(filters, list) else []):
                    path = (*base, _k(pipe, kind), j)
                    if not isinstance(flt, dict):
                        continue
                    allowed = _PUSH_KEYS if kind == "push" else ("events", "branches", "filePaths")
                    for key in flt:
                        if key not in [_k(pipe, a) for a in allowed]:
                            ctx.report(
                                "PL041",
                                (*path, key),
                                f"{key!r} is not a {kind} filter field",
                                join_hint(
                                    did_you_mean(key, allowed), f"fields: {', '.join(allowed)}"
                                ),
                                key=True,
                            )
                        elif key != _k(pipe, "events"):
                            _patterns(ctx, pipe, flt[key], (*path, key))
                    has = {a: _k(pipe, a) in flt for a in allowed}
                    if kind == "push" and has["tags"] and (has["branches"] or has["filePaths"]):
                        ctx.report(
                            "PL041",
                            path,
                            "a push filter matches either git tags or branches (with file paths),"
                            " not both",
                            "split it into two push filters",
                        )
                    elif has["filePaths"] and not has["branches"]:
                        ctx.report(
                            "PL041",
                            path,
                            "filePaths need branches in the same filter",
                            "add branches: {includes: [main]}",
                        )
                    elif kind == "push" and not (has["tags"] or has["branches"]):
                        ctx.report(
                            "PL041", path, "a push filter needs tags or branches", "", key=True
                        )
                    events = flt.get(_k(pipe, "events"))
                    for k, event in enumerate(events if isinstance(events, list) else []):
                        if event not in _PR_EVENTS:
                            ctx.report(
                                "PL041",
                                (*path, _k(pipe, "events"), k),
                                f"pull request event {event!r} is not valid",
                                join_hint(did_you_mean(event, _PR_EVENTS), "OPEN, UPDATED, CLOSED"),
                            )


_GATES = {
    "beforeEntry": ("FAIL", "SKIP"),
    "onSuccess": ("ROLLBACK", "FAIL"),
    "onFailure": ("ROLLBACK", "FAIL", "RETRY"),
}


def _condition_rules(ctx: Context, pipe: Pipeline, cond: dict[Any, Any], path: Path) -> None:
    rules = cond.get(_k(pipe, "rules"))
    if not isinstance(rules, list) or not 1 <= len(rules) <= 5:
        ctx.report("PL042", path, "a condition needs 1-5 rules", "add a rule", key=True)
        return
    for r, item in enumerate(rules):
        if not isinstance(item, dict):
            continue
        rpath = (*path, _k(pipe, "rules"), r)
        type_id = item.get(_k(pipe, "ruleTypeId"))
        provider = literal(type_id.get(_k(pipe, "provider"))) if isinstance(type_id, dict) else None
        known = ACTIONS.rule_types
        if not isinstance(provider, str) or provider not in known:
            ctx.report(
                "PL042",
                (*rpath, _k(pipe, "ruleTypeId")),
                f"rule provider {provider!r} is not a condition rule type",
                join_hint(did_you_mean(provider, known), f"rule types: {', '.join(known)}"),
            )
            continue
        config = item.get(_k(pipe, "configuration"))
        config = config if isinstance(config, dict) else {}
        for key, need in known[provider].items():
            if need == "required" and key not in config:
                ctx.report(
                    "PL042",
                    rpath,
                    f"{provider} rule {item.get(_k(pipe, 'name'))!r} needs configuration {key}",
                    join_hint(
                        did_you_mean(key, [str(k) for k in config]),
                        f"{provider} takes: {', '.join(known[provider])}",
                    ),
                )


@_rule("PL042", E, "invalid stage condition, onFailure result or rollback", VARIABLES)
def stage_conditions(ctx: Context) -> None:
    for pipe in _pipelines(ctx):
        v1 = pipe.get("pipelineType") == "V1"
        for index, stage in enumerate(pipe.stages):
            for gate, results in _GATES.items():
                body = stage.raw.get(_k(pipe, gate))
                if body is None or is_intrinsic(body):
                    continue
                path = (*stage.path, _k(pipe, gate))
                if v1:
                    ctx.report(
                        "PL042",
                        path,
                        f"{gate} needs pipelineType V2",
                        "set pipelineType: V2",
                        key=True,
                    )
                if not isinstance(body, dict):
                    continue
                wanted = [literal(body.get(_k(pipe, "result")))]
                conds = body.get(_k(pipe, "conditions"))
                if gate != "onFailure" and conds is None:
                    ctx.report("PL042", path, f"{gate} needs conditions", "", key=True)
                for c, cond in enumerate(conds if isinstance(conds, list) else []):
                    if isinstance(cond, dict):
                        cpath = (*path, _k(pipe, "conditions"), c)
                        wanted.append(literal(cond.get(_k(pipe, "result"))))
                        _condition_rules(ctx, pipe, cond, cpath)
                for result in wanted:
                    if result is None:
                        continue
                    if result not in results:
                        ctx.report(
                            "PL042",
                            path,
                            f"{gate} result {result!r} is not valid",
                            join_hint(
                                did_you_mean(result, results), f"valid: {', '.join(results)}"
                            ),
                        )
                    elif result == "ROLLBACK" and index == 0:
                        ctx.report(
                            "PL042",
                            path,
                            f"the first stage ({stage.name}) cannot roll back: there is no earlier"
                            " revision to return to in a source stage",
                            "put the rollback on a deploy stage",
                        )
