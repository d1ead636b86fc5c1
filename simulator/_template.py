"""CloudFormation/SAM templates: cfn-lint (imported lazily) plus SAM deployment-preference types."""

from __future__ import annotations

from typing import Any

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
    """Run cfn-lint on the same text; map each match to our finding shape and line."""
    from cfnlint.api import ManualArgs, lint  # lazy: cfn-lint takes ~1 s to import

    text = ctx.options.get("text")
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace").removeprefix("\ufeff")
    try:
        matches = lint(text or "", config=ManualArgs(regions=["us-east-1"]))
    except Exception as exc:  # cfn-lint is third-party code: report, do not crash the check
        ctx.report("TP002", (), f"cfn-lint failed: {exc}", "check the template by hand")
        return
    for match in matches:
        rule_id = str(match.rule.id)
        severity = _SEVERITY.get(rule_id[:1], Severity.WARNING)
        ctx.findings.append(
            _cfn_finding(
                ctx,
                f"CF{rule_id}",
                severity,
                match.linenumber,
                match.columnnumber,
                str(match.message),
                "/".join(str(p) for p in getattr(match, "path", []) or []),
            )
        )


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
