"""Pipeline Academy's simulator: check and run buildspec, appspec and pipeline definitions.

Plain Python: no Django, DRF or Celery import (a test pins this).
"""

from simulator import _appspec, _buildspec, _pipeline, _template  # noqa: F401  (register rules)
from simulator._check import KINDS, PLATFORMS, check, detect_kind
from simulator._findings import Finding, Report, Severity
from simulator._loading import Loaded, load_document
from simulator._rules import RULES, RuleInfo

__all__: list[str] = [
    "KINDS",
    "PLATFORMS",
    "RULES",
    "Finding",
    "Loaded",
    "Report",
    "RuleInfo",
    "Severity",
    "check",
    "detect_kind",
    "load_document",
]
