"""Pipeline Academy's simulator: check and run buildspec, appspec and pipeline definitions.

Plain Python: no Django, DRF or Celery import (a test pins this).
"""

from simulator import _appspec, _buildspec, _pipeline, _template  # noqa: F401  (register rules)
from simulator._budget import wall_limit
from simulator._check import KINDS, PLATFORMS, check, detect_kind
from simulator._findings import Finding, Report, Severity
from simulator._loading import Loaded, load_document
from simulator._rules import RULES, RuleInfo, did_you_mean
from simulator.codebuild import BuildOptions, BuildResult, build
from simulator.codedeploy import DeploymentResult, DeployOptions, deploy
from simulator.codepipeline import (
    PipelineExecution,
    PipelineOptions,
    resume_pipeline,
    retry_stage,
    run_pipeline,
)
from simulator.forms import FormError, PipelineForm, check_terraform, run_form
from simulator.pictures import execution_dot, pipeline_dot, render_svg, traffic_svg
from simulator.sandbox import Limits, Sandbox, SandboxUnavailable
from simulator.sandbox import remove_leftovers as remove_sandbox_leftovers
from simulator.scenarios import (
    SCHEMA_VERSION,
    CommandRun,
    ConditionRun,
    DeploymentRun,
    Invocation,
    InvocationStatus,
    KindContext,
    Metric,
    Note,
    NoteLevel,
    NotificationRun,
    PipelineRun,
    ResultVersionError,
    RollbackRun,
    RunStatus,
    Scenario,
    ScenarioError,
    ScenarioResult,
    ScenarioRun,
    TemplateSettingsError,
    TriggerRun,
    group_settings,
    run_scenario,
    sam_transform,
    scenario_kinds,
    template_value,
    world_secret_values,
)
from simulator.world import World, WorldError, load_world

__all__: list[str] = [
    "KINDS",
    "PLATFORMS",
    "RULES",
    "SCHEMA_VERSION",
    "BuildOptions",
    "BuildResult",
    "CommandRun",
    "ConditionRun",
    "DeployOptions",
    "DeploymentResult",
    "DeploymentRun",
    "Finding",
    "FormError",
    "Invocation",
    "InvocationStatus",
    "KindContext",
    "Limits",
    "Loaded",
    "Metric",
    "Note",
    "NoteLevel",
    "NotificationRun",
    "PipelineExecution",
    "PipelineForm",
    "PipelineOptions",
    "PipelineRun",
    "Report",
    "ResultVersionError",
    "RollbackRun",
    "RuleInfo",
    "RunStatus",
    "Sandbox",
    "SandboxUnavailable",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "ScenarioRun",
    "Severity",
    "TemplateSettingsError",
    "TriggerRun",
    "World",
    "WorldError",
    "build",
    "check",
    "check_terraform",
    "deploy",
    "detect_kind",
    "did_you_mean",
    "execution_dot",
    "group_settings",
    "load_document",
    "load_world",
    "pipeline_dot",
    "remove_sandbox_leftovers",
    "render_svg",
    "resume_pipeline",
    "retry_stage",
    "run_form",
    "run_pipeline",
    "run_scenario",
    "sam_transform",
    "scenario_kinds",
    "template_value",
    "traffic_svg",
    "wall_limit",
    "world_secret_values",
]
