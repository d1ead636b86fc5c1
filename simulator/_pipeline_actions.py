"""Action rules: catalogue types (category, owner, provider, version) and their configuration."""

from __future__ import annotations

from simulator._pipeline_common import (
    ACTIONS,
    E,
    W,
    action_type,
    actions_of,
    config_path,
    pipeline_rule,
)
from simulator._pipeline_model import Action, ActionType, is_intrinsic, literal
from simulator._rules import Context, did_you_mean, join_hint
from simulator._shapes import type_name

CATEGORIES = ("Source", "Build", "Deploy", "Test", "Invoke", "Approval", "Compute")
OWNERS = ("AWS", "ThirdParty", "Custom")
# Providers that exist elsewhere (Bitbucket, GitHub, GitLab) and are reached through a connection.
_VIA_CONNECTION = ("bitbucket", "github", "githubenterpriseserver", "gitlab")


@pipeline_rule("PL009", E, "invalid action category or owner")
def category_owner(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        type_path = (*action.path, pipe.key("actionTypeId"))
        if isinstance(action.category, str) and action.category not in CATEGORIES:
            ctx.report(
                "PL009",
                (*type_path, pipe.key("category")),
                f"category {action.category!r} is not valid",
                join_hint(
                    did_you_mean(action.category, CATEGORIES),
                    f"categories: {', '.join(CATEGORIES)}",
                ),
            )
        if isinstance(action.owner, str) and action.owner not in OWNERS:
            ctx.report(
                "PL009",
                (*type_path, pipe.key("owner")),
                f"owner {action.owner!r} is not valid",
                join_hint(did_you_mean(action.owner, OWNERS), "owners: AWS, ThirdParty, Custom"),
            )


@pipeline_rule("PL010", E, "unknown provider for the owner and category")
def provider_known(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
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
            (*action.path, pipe.key("actionTypeId"), pipe.key("provider")),
            f"{provider!r} is not an action provider for owner {owner}, category {category}",
            hint,
        )


@pipeline_rule("PL045", E, "action type version that does not exist")
def action_version(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        kind = action_type(action)
        type_id = action.raw.get(pipe.key("actionTypeId"))
        if kind is None or not isinstance(type_id, dict):
            continue
        version = literal(type_id.get(pipe.key("version")))
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
                (*action.path, pipe.key("actionTypeId"), pipe.key("version")),
                f"{kind.category}/{kind.provider} has no version {text!r}: the action type"
                " would not be found",
                f"use version {kind.version!r}",
            )


@pipeline_rule("PL046", W, "deprecated action type")
def deprecated_type(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        kind = action_type(action)
        if kind is not None and kind.deprecated:
            ctx.report(
                "PL046",
                (*action.path, pipe.key("actionTypeId"), pipe.key("provider")),
                f"{kind.owner} {kind.provider} (version {kind.version}) still works but is"
                " deprecated",
                kind.deprecated,
            )


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


@pipeline_rule("PL011", E, "required configuration key missing")
def required_configuration(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        kind = action_type(action)
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
                config_path(pipe, action) if action.configuration else action.path,
                f"{action.provider} action {action.name!r} is missing configuration"
                f" {', '.join(missing)}",
                f"required for {action.provider}: " + ", ".join(needed),
                key=bool(action.configuration),
            )


@pipeline_rule("PL038", E, "unknown configuration key for the action type")
def unknown_configuration(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        kind = action_type(action)
        if kind is None or kind.open_configuration or not action.configuration_known:
            continue
        misspelt = _misspelt(action, kind)
        for key in action.configuration:
            if key in kind.configuration:
                continue
            # AWS rejects the pipeline naming the key it does not know (not the one missing).
            ctx.report(
                "PL038",
                config_path(pipe, action, key),
                f"action {action.name!r} ({kind.provider}) has unknown configuration {key!r}",
                join_hint(
                    f"did you mean '{misspelt[key]}'?" if key in misspelt else "",
                    f"{kind.provider} takes: {', '.join(kind.configuration)}",
                ),
                key=True,
            )


@pipeline_rule("PL039", E, "configuration value that is not a string (a mapping or a list)")
def configuration_strings(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        for key, value in action.configuration.items():
            if isinstance(value, dict | list) and not is_intrinsic(value):
                ctx.report(
                    "PL039",
                    config_path(pipe, action, key),
                    f"configuration {key} of {action.name!r} is {type_name(value)}: every"
                    " configuration value is a string",
                    "write it as one string, e.g. JSON text in quotes"
                    + (" or !Sub / Fn::ToJsonString in a template" if pipe.cfn else ""),
                    key=True,
                )


@pipeline_rule("PL044", E, "configuration value not one the action type allows")
def configuration_values(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        kind = action_type(action)
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
                config_path(pipe, action, key),
                f"{key} {value!r} is not valid for {kind.provider}",
                join_hint(did_you_mean(text, allowed), f"valid: {', '.join(allowed)}"),
            )


@pipeline_rule("PL040", E, "Commands action without valid commands, or commands on another action")
def commands_action(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        path = (*action.path, pipe.key("commands"))
        if action.provider == "Commands" and action.category == "Compute":
            cmds = action.commands
            if is_intrinsic(action.raw.get(pipe.key("commands"))):
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
                (*action.path, pipe.key(field)),
                f"`{field}` belongs to the Commands action (category Compute); action"
                f" {action.name!r} is {action.provider}",
                "move the commands into a buildspec, or use provider Commands",
                key=True,
            )
