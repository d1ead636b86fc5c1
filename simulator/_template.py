"""CloudFormation/SAM templates: cfn-lint under a budget (simulator._budget) plus SAM types."""

from __future__ import annotations

from typing import Any

from simulator._budget import (
    TEMPLATE_BUDGET,
    Budget,
    ChildResult,
    Outcome,
    effective,
    expansion,
    run_budgeted,
)
from simulator._findings import Severity
from simulator._rules import Context, did_you_mean, join_hint, register, rule

TEMPLATE_DOC = "cloudformation/template-anatomy"
SAM_DOC = "sam-and-cdk/sam-safe-deployments"

SAM_TYPES = (
    "Canary10Percent30Minutes",
    "Canary10Percent5Minutes",
    "Canary10Percent10Minutes",
    "Canary10Percent15Minutes",
    "AllAtOnce",
    "Linear10PercentEvery10Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery2Minutes",
    "Linear10PercentEvery3Minutes",
)
OTHER_CONFIGS = (
    "CodeDeployDefault.OneAtATime",
    "CodeDeployDefault.HalfAtATime",
    "CodeDeployDefault.AllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
    "CodeDeployDefault.ECSAllAtOnce",
)
_SEVERITY = {"E": Severity.ERROR, "W": Severity.WARNING, "I": Severity.INFO}
for _letter, _severity in _SEVERITY.items():
    register(
        f"CF{_letter}",
        _severity,
        f"cfn-lint rule {_letter}xxxx (code CF<rule id>)",
        TEMPLATE_DOC,
        "template",
    )


@rule(
    "TP001",
    Severity.ERROR,
    "SAM DeploymentPreference Type is not a Lambda deployment configuration",
    doc=SAM_DOC,
    kind="template",
)
def sam_deployment_type(ctx: Context) -> None:
    places: list[tuple[tuple[Any, ...], Any]] = []
    globals_fn = ctx.data.get("Globals", {})
    if isinstance(globals_fn, dict) and isinstance(globals_fn.get("Function"), dict):
        places.append((("Globals", "Function"), globals_fn["Function"]))
    resources = ctx.data.get("Resources")
    for name, res in resources.items() if isinstance(resources, dict) else []:
        serverless = isinstance(res, dict) and res.get("Type") == "AWS::Serverless::Function"
        if serverless and isinstance(res.get("Properties"), dict):
            places.append((("Resources", name, "Properties"), res["Properties"]))
    for path, props in places:
        pref = props.get("DeploymentPreference")
        kind = pref.get("Type") if isinstance(pref, dict) else None
        if not isinstance(kind, str) or kind in SAM_TYPES:
            continue
        full = kind.removeprefix("CodeDeployDefault.Lambda")
        if full in SAM_TYPES and kind.startswith("CodeDeployDefault.Lambda"):
            continue  # the full CodeDeploy name of a Lambda configuration is accepted too
        if kind in OTHER_CONFIGS:
            message = f"{kind} is not a Lambda deployment configuration"
        elif did_you_mean(kind, SAM_TYPES):
            message = f"{kind!r} is not a SAM deployment preference type"
        else:
            continue  # may be the name of a custom deployment configuration
        ctx.report(
            "TP001",
            (*path, "DeploymentPreference", "Type"),
            message,
            join_hint(did_you_mean(kind, SAM_TYPES), f"types: {', '.join(SAM_TYPES)}"),
        )


@rule(
    "TP002",
    Severity.ERROR,
    "cfn-lint could not run on the template",
    doc=TEMPLATE_DOC,
    kind="template",
)
def cfn_lint(ctx: Context) -> None:
    """Run cfn-lint on the same text under the template budget; map each match to a finding."""
    text = ctx.options.get("text")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace").removeprefix("\ufeff")
    text = text or ""
    budget = effective(TEMPLATE_BUDGET)
    if _over_budget_before_lint(ctx, text, budget):
        return
    try:
        _warm_up()
    except Exception as exc:  # cfn-lint is third-party code: report, do not crash the check
        ctx.report("TP002", (), f"cfn-lint failed: {exc}", "check the template by hand")
        return
    result = run_budgeted(lambda: _lint_matches(text), budget)
    if result.outcome is not Outcome.OK:
        _report_budget_outcome(ctx, result, budget)
        return
    for rule_id, line, column, message, path in result.value:
        severity = _SEVERITY.get(rule_id[:1], Severity.WARNING)
        ctx.findings.append(
            _cfn_finding(ctx, f"CF{rule_id}", severity, line, column, message, path)
        )


TOO_COMPLEX = "template too complex to check here"
SPLIT_HINT = (
    "split it into smaller templates (nested stacks), or use fewer or shorter Fn::ForEach "
    "collections"
)


register(
    "TP003",
    Severity.ERROR,
    "template too complex to check here (size, generated resources, CPU time or memory)",
    TEMPLATE_DOC,
    "template",
)


def _over_budget_before_lint(ctx: Context, text: str, budget: Budget) -> bool:
    """Refuse what would take cfn-lint too long before it runs: size, then the ForEach expansion."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > budget.max_bytes:
        ctx.report(
            "TP003",
            (),
            f"{TOO_COMPLEX}: {size:,} bytes, limit {budget.max_bytes:,}",
            "keep learner templates small: " + SPLIT_HINT,
        )
        return True
    counted = expansion(ctx.data)
    section, count = counted.largest_section
    if count > budget.max_resources:
        how = " once Fn::ForEach is expanded" if counted.loops else ""
        ctx.report(
            "TP003",
            (section.capitalize(),) if isinstance(ctx.data.get(section.capitalize()), dict) else (),
            f"{TOO_COMPLEX}: {count:,} generated {section}{how}, limit {budget.max_resources:,}",
            SPLIT_HINT,
        )
        return True
    if counted.values > budget.max_expanded_values:
        ctx.report(
            "TP003",
            (),
            f"{TOO_COMPLEX}: it expands to {counted.values:,} values once Fn::ForEach is "
            f"expanded, limit {budget.max_expanded_values:,}",
            SPLIT_HINT,
        )
        return True
    return False


def _report_budget_outcome(ctx: Context, result: ChildResult, budget: Budget) -> None:
    if result.outcome is Outcome.CPU:
        ctx.report(
            "TP003",
            (),
            f"{TOO_COMPLEX}: cfn-lint needed more than {budget.cpu_seconds} s of CPU time, "
            f"limit {budget.cpu_seconds} s",
            SPLIT_HINT,
        )
    elif result.outcome is Outcome.MEMORY:
        ctx.report(
            "TP003",
            (),
            f"{TOO_COMPLEX}: cfn-lint needed more than {budget.memory_bytes // 2**20} MB of "
            f"memory, limit {budget.memory_bytes // 2**20} MB",
            SPLIT_HINT,
        )
    elif result.outcome is Outcome.TIMEOUT:
        # Not the learner's fault (the machine is busy): a warning, so a grading still runs.
        ctx.report(
            "TP003",
            (),
            f"cfn-lint did not finish within {budget.wall_seconds} s because the server is busy "
            f"(it used {result.cpu_seconds:.1f} s of CPU): this template was not linted",
            "check again in a moment",
            severity=Severity.WARNING,
        )
    else:
        ctx.report("TP002", (), f"cfn-lint failed: {result.error}", "check the template by hand")


_WARM = False


def _warm_up() -> None:
    """Import cfn-lint and load its schemas once in this process, so every forked check
    starts warm (~0.4 s instead of ~1 s)."""
    global _WARM
    if not _WARM:
        _lint_matches("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
        _WARM = True


def _lint_matches(text: str) -> list[tuple[str, int, int, str, str]]:
    """cfn-lint's matches as plain tuples (they cross a pipe from the child process)."""
    from cfnlint.api import ManualArgs, lint  # lazy: cfn-lint takes ~1 s to import

    return [
        (
            str(match.rule.id),
            int(match.linenumber or 1),
            int(match.columnnumber or 1),
            str(match.message),
            "/".join(str(p) for p in getattr(match, "path", []) or []),
        )
        for match in lint(text, config=ManualArgs(regions=["us-east-1"]))
    ]


def _cfn_finding(
    ctx: Context, code: str, severity: Severity, line: int, column: int, message: str, path: str
) -> Any:
    from simulator._findings import Finding

    return Finding(
        code,
        severity,
        int(line or 1),
        int(column or 1),
        path.replace("/", "."),
        message,
        "see the cfn-lint rule " + code[2:],
        ctx.file,
        TEMPLATE_DOC,
    )
