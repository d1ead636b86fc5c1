"""V2 gate rules: trigger filters (push, pull request) and stage conditions, results, rollback."""

from __future__ import annotations

from typing import Any

from simulator._findings import Path
from simulator._pipeline_common import (
    ACTIONS,
    VARIABLES,
    E,
    pipeline_rule,
    pipelines_of,
)
from simulator._pipeline_model import Pipeline, is_intrinsic, literal
from simulator._rules import Context, did_you_mean, join_hint

_PUSH_KEYS = ("tags", "branches", "filePaths")
_PR_EVENTS = ("OPEN", "UPDATED", "CLOSED")


def _patterns(ctx: Context, pipe: Pipeline, value: Any, path: tuple[Any, ...]) -> None:
    """includes/excludes lists of a trigger filter: 1-8 glob patterns each."""
    if not isinstance(value, dict):
        ctx.report("PL041", path, "a filter needs includes and/or excludes", "", key=True)
        return
    for key in value:
        if key not in (pipe.key("includes"), pipe.key("excludes")):
            ctx.report(
                "PL041",
                (*path, key),
                f"{key!r} is not a filter field",
                join_hint(did_you_mean(key, ("includes", "excludes")), "use includes/excludes"),
                key=True,
            )
        elif not isinstance(value[key], list) or not 1 <= len(value[key]) <= 8:
            ctx.report("PL041", (*path, key), f"{key} takes a list of 1-8 glob patterns", "")


@pipeline_rule("PL041", E, "invalid trigger filter (push or pull request)", VARIABLES)
def trigger_filters(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        items = pipe.get("triggers")
        for i, trig in enumerate(items if isinstance(items, list) else []):
            git = trig.get(pipe.key("gitConfiguration")) if isinstance(trig, dict) else None
            if not isinstance(git, dict):
                continue
            base = (*pipe.field_path("triggers"), i, pipe.key("gitConfiguration"))
            for kind in ("push", "pullRequest"):
                filters = git.get(pipe.key(kind))
                for j, flt in enumerate(filters if isinstance(filters, list) else []):
                    path = (*base, pipe.key(kind), j)
                    if not isinstance(flt, dict):
                        continue
                    allowed = _PUSH_KEYS if kind == "push" else ("events", "branches", "filePaths")
                    for key in flt:
                        if key not in [pipe.key(a) for a in allowed]:
                            ctx.report(
                                "PL041",
                                (*path, key),
                                f"{key!r} is not a {kind} filter field",
                                join_hint(
                                    did_you_mean(key, allowed), f"fields: {', '.join(allowed)}"
                                ),
                                key=True,
                            )
                        elif key != pipe.key("events"):
                            _patterns(ctx, pipe, flt[key], (*path, key))
                    has = {a: pipe.key(a) in flt for a in allowed}
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
                    events = flt.get(pipe.key("events"))
                    for k, event in enumerate(events if isinstance(events, list) else []):
                        if event not in _PR_EVENTS:
                            ctx.report(
                                "PL041",
                                (*path, pipe.key("events"), k),
                                f"pull request event {event!r} is not valid",
                                join_hint(did_you_mean(event, _PR_EVENTS), "OPEN, UPDATED, CLOSED"),
                            )


_GATES = {
    "beforeEntry": ("FAIL", "SKIP"),
    "onSuccess": ("ROLLBACK", "FAIL"),
    "onFailure": ("ROLLBACK", "FAIL", "RETRY"),
}


def _condition_rules(ctx: Context, pipe: Pipeline, cond: dict[Any, Any], path: Path) -> None:
    rules = cond.get(pipe.key("rules"))
    if not isinstance(rules, list) or not 1 <= len(rules) <= 5:
        ctx.report("PL042", path, "a condition needs 1-5 rules", "add a rule", key=True)
        return
    for r, item in enumerate(rules):
        if not isinstance(item, dict):
            continue
        rpath = (*path, pipe.key("rules"), r)
        type_id = item.get(pipe.key("ruleTypeId"))
        provider = literal(type_id.get(pipe.key("provider"))) if isinstance(type_id, dict) else None
        known = ACTIONS.rule_types
        if not isinstance(provider, str) or provider not in known:
            ctx.report(
                "PL042",
                (*rpath, pipe.key("ruleTypeId")),
                f"rule provider {provider!r} is not a condition rule type",
                join_hint(did_you_mean(provider, known), f"rule types: {', '.join(known)}"),
            )
            continue
        config = item.get(pipe.key("configuration"))
        config = config if isinstance(config, dict) else {}
        for key, need in known[provider].items():
            if need == "required" and key not in config:
                ctx.report(
                    "PL042",
                    rpath,
                    f"{provider} rule {item.get(pipe.key('name'))!r} needs configuration {key}",
                    join_hint(
                        did_you_mean(key, [str(k) for k in config]),
                        f"{provider} takes: {', '.join(known[provider])}",
                    ),
                )


@pipeline_rule("PL042", E, "invalid stage condition, onFailure result or rollback", VARIABLES)
def stage_conditions(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        v1 = pipe.get("pipelineType") == "V1"
        for index, stage in enumerate(pipe.stages):
            for gate, results in _GATES.items():
                body = stage.raw.get(pipe.key(gate))
                if body is None or is_intrinsic(body):
                    continue
                path = (*stage.path, pipe.key(gate))
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
                wanted = [literal(body.get(pipe.key("result")))]
                conds = body.get(pipe.key("conditions"))
                if gate != "onFailure" and conds is None:
                    ctx.report("PL042", path, f"{gate} needs conditions", "", key=True)
                for c, cond in enumerate(conds if isinstance(conds, list) else []):
                    if isinstance(cond, dict):
                        cpath = (*path, pipe.key("conditions"), c)
                        wanted.append(literal(cond.get(pipe.key("result"))))
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
