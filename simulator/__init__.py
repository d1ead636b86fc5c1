"""Pipeline Academy's simulator: check and run buildspec, appspec and pipeline definitions.

Plain Python: no Django, DRF or Celery import (a test pins this).
"""

from simulator import _appspec, _buildspec, _pipeline, _template  # noqa: F401  (register rules)
from simulator._check import KINDS, PLATFORMS, check, detect_kind
from simulator._findings import Finding, Report, Severity
from simulator._loading import Loaded, load_document
from simulator._rules import RULES, RuleInfo
from simulator.codebuild import BuildOptions, BuildResult, build
from simulator.sandbox import Limits, Sandbox, SandboxUnavailable
from simulator.world import World, WorldError, load_world

__all__: list[str] = [
    "KINDS",
    "PLATFORMS",
    "RULES",
    "BuildOptions",
    "BuildResult",
    "Finding",
    "Limits",
    "Loaded",
    "Report",
    "RuleInfo",
    "Sandbox",
    "SandboxUnavailable",
    "Severity",
    "World",
    "WorldError",
    "build",
    "check",
    "detect_kind",
    "load_document",
    "load_world",
]
