"""Artifact rules: runOrder, input and output artifacts, cross-region stores."""

from __future__ import annotations

import re

from simulator._pipeline_common import (
    ACTIONS,
    CROSS,
    INFO,
    E,
    actions_of,
    pipeline_rule,
    pipelines_of,
)
from simulator._pipeline_model import Action, Pipeline, is_intrinsic, literal
from simulator._rules import Context, did_you_mean, join_hint

_ARTIFACT = re.compile(r"^[a-zA-Z0-9_\-]{1,100}$")


def _type_of(action: Action) -> tuple[str, str, str] | None:
    if all(isinstance(v, str) for v in (action.owner, action.category, action.provider)):
        return action.owner, action.category, action.provider
    return None


@pipeline_rule("PL012", E, "runOrder outside 1-999")
def run_order(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
        value = action.run_order
        if value is None:
            continue
        number = int(value) if isinstance(value, str) and value.isdigit() else value
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 999:
            ctx.report(
                "PL012",
                (*action.path, pipe.key("runOrder")),
                f"runOrder {value!r} must be a whole number from 1 to 999",
                "actions with the same runOrder run in parallel; higher numbers run later",
            )


@pipeline_rule("PL013", INFO, "runOrder values with gaps (allowed)")
def run_order_gaps(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
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


@pipeline_rule(
    "PL014", E, "wrong number of input/output artifacts for the provider (cfn-lint E3702)"
)
def artifact_counts(ctx: Context) -> None:
    for pipe, action in actions_of(ctx):
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
            raw = action.raw.get(pipe.key(key))
            if is_intrinsic(raw):
                continue
            count = len(items)
            if not lo <= count <= hi:
                allowed = f"{lo}" if lo == hi else f"{lo}-{hi}"
                extra = " (approval actions take no artifacts)" if kind[1] == "Approval" else ""
                ctx.report(
                    "PL014",
                    (*action.path, pipe.key(key)) if raw is not None else action.path,
                    f"{kind[2]} ({kind[1]}) action {action.name!r} has {count} {label}"
                    f" artifact(s); it takes {allowed}{extra}",
                    f"fix {pipe.key(key)}",
                    key=raw is not None,
                )


def _outputs(pipe: Pipeline) -> dict[str, list[Action]]:
    produced: dict[str, list[Action]] = {}
    for action in pipe.actions():
        for name, _path in action.outputs:
            if isinstance(name, str):
                produced.setdefault(name, []).append(action)
    return produced


@pipeline_rule("PL015", E, "input artifact not produced by an earlier action (cfn-lint E3701)")
def inputs_produced_earlier(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
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


@pipeline_rule("PL016", E, "duplicate output artifact name (cfn-lint E3701)")
def unique_outputs(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
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


@pipeline_rule("PL022", E, "invalid artifact name")
def artifact_names(ctx: Context) -> None:
    for _pipe, action in actions_of(ctx):
        for name, path in (*action.inputs, *action.outputs):
            if isinstance(name, str) and not _ARTIFACT.match(name):
                ctx.report(
                    "PL022",
                    path,
                    f"artifact name {name!r} must be 1-100 characters of A-Z a-z 0-9 _ -",
                    "remove spaces, dots and other characters",
                )


@pipeline_rule("PL018", E, "cross-region action without a matching artifact store", CROSS)
def cross_region(ctx: Context) -> None:
    for pipe in pipelines_of(ctx):
        stores = pipe.get("artifactStores")
        regions: set[str] | None = None
        if isinstance(stores, dict):
            regions = {str(r) for r in stores}
        elif isinstance(stores, list):
            regions = {str(literal(s.get("Region"))) for s in stores if isinstance(s, dict)}
        for action in pipe.actions():
            if not isinstance(action.region, str):
                continue
            path = (*action.path, pipe.key("region"))
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
