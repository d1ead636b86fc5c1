"""Pipeline Academy's simulator: check and run buildspec, appspec and pipeline definitions.

Plain Python: no Django, DRF or Celery import (a test pins this).
"""

from simulator import _appspec, _buildspec, _pipeline, _template  # noqa: F401  (register rules)
from simulator._check import KINDS, PLATFORMS, check, detect_kind
from simulator._findings import Finding, Report, Severity
from simulator._loading import Loaded, load_document
from simulator._rules import RULES, RuleInfo
from simulator.codebuild import BuildOptions, BuildResult, build
from simulator.codedeploy import DeploymentResult, DeployOptions, deploy
from simulator.codepipeline import (
    PipelineExecution,
    PipelineOptions,
    resume_pipeline,
    retry_stage,
    run_pipeline,
)
from simulator.pictures import execution_dot, pipeline_dot, render_svg, traffic_svg
from simulator.sandbox import Limits, Sandbox, SandboxUnavailable
from simulator.world import World, WorldError, load_world

__all__: list[str] = [
    "KINDS",
    "PLATFORMS",
    "RULES",
    "BuildOptions",
    "BuildResult",
    "DeployOptions",
    "DeploymentResult",
    "Finding",
    "Limits",
    "Loaded",
    "PipelineExecution",
    "PipelineOptions",
    "Report",
    "RuleInfo",
    "Sandbox",
    "SandboxUnavailable",
    "Severity",
    "World",
    "WorldError",
    "build",
    "check",
    "deploy",
    "detect_kind",
    "execution_dot",
    "load_document",
    "load_world",
    "pipeline_dot",
    "render_svg",
    "resume_pipeline",
    "retry_stage",
    "run_pipeline",
    "traffic_svg",
]
